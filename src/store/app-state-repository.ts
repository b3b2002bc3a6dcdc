import type { Kysely } from 'kysely';
import type { AppGroup, AppState, AppUser, DueInvite, InviteKind } from '../core/model/app-state.js';
import type { StateEffect } from '../core/planner/apply-op.js';
import { chunk } from './chunk.js';
import { CompiledStatement } from './compiled-statement.js';
import { MultiRowInsert } from './multi-row-insert.js';
import type {
  AppGroupsTable,
  AppMembershipsTable,
  AppUsersTable,
  Database,
  InviteSendsTable,
  InvitesTable,
} from './database.js';
import { extraAttributesColumn, jsonColumn } from './json-column.js';

const BATCH = 400;
/** Rows per multi-row statement: an app_users row has 13 columns, PostgreSQL takes 65 535 parameters at most. */
const ROWS_PER_STATEMENT = 200;

const APP_USERS = new MultiRowInsert<AppUsersTable>(
  [
    'connection_id',
    'external_id',
    'app_id',
    'user_name',
    'email',
    'given_name',
    'family_name',
    'display_name',
    'active',
    'origin',
    'revision',
    'extra',
    'updated_at',
  ],
  (db, rows) =>
    db
      .insertInto('app_users')
      .values(rows)
      .onConflict((oc) =>
        // Every column but the key, from the row that was to be inserted.
        oc.columns(['connection_id', 'external_id']).doUpdateSet((eb) => ({
          app_id: eb.ref('excluded.app_id'),
          user_name: eb.ref('excluded.user_name'),
          email: eb.ref('excluded.email'),
          given_name: eb.ref('excluded.given_name'),
          family_name: eb.ref('excluded.family_name'),
          display_name: eb.ref('excluded.display_name'),
          active: eb.ref('excluded.active'),
          origin: eb.ref('excluded.origin'),
          revision: eb.ref('excluded.revision'),
          extra: eb.ref('excluded.extra'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      ),
);

const NEW_INVITES = new MultiRowInsert<InvitesTable>(
  [
    'connection_id',
    'user_external_id',
    'email',
    'display_name',
    'status',
    'message_id',
    'attempts',
    'created_at',
    'sent_at',
    'sends',
    'send_number',
    'send_kind',
    'note',
    'last_sent_at',
    'accepted_at',
    'reminders',
  ],
  (db, rows) =>
    db
      .insertInto('invites')
      .values(rows)
      .onConflict((oc) => oc.columns(['connection_id', 'user_external_id']).doNothing()),
);

interface SentValues {
  readonly connectionId: string;
  readonly userExternalId: string;
  readonly sendNumber: number;
  readonly now: string;
}

/** An invite the mail server accepted: its row says sent (a reminder also counts itself). */
function inviteSent(reminder: boolean): CompiledStatement<SentValues, { message_id: string | null; attempts: number }> {
  return new CompiledStatement((db, slot) =>
    db
      .updateTable('invites')
      .set((eb) => ({
        status: 'sent',
        sent_at: slot.value('now'),
        last_sent_at: slot.value('now'),
        sends: slot.value('sendNumber'),
        send_number: slot.value('sendNumber'),
        reminders: reminder ? eb('reminders', '+', 1) : eb.ref('reminders'),
        note: null,
      }))
      .where('connection_id', '=', slot.value('connectionId'))
      .where('user_external_id', '=', slot.value('userExternalId'))
      .returning(['message_id', 'attempts']),
  );
}

const INVITE_SENT = inviteSent(false);
const REMINDER_SENT = inviteSent(true);

const INVITE_SENDS = new MultiRowInsert<InviteSendsTable>(
  ['connection_id', 'user_external_id', 'send_number', 'kind', 'email', 'message_id', 'note', 'attempts', 'sent_at'],
  (db, rows) =>
    db
      .insertInto('invite_sends')
      .values(rows)
      .onConflict((oc) => oc.columns(['connection_id', 'user_external_id', 'send_number']).doNothing()),
);

/** An invite about to be sent, with the Message-ID it goes out with. */
const INVITE_ATTEMPT = new CompiledStatement<{
  readonly connectionId: string;
  readonly userExternalId: string;
  readonly messageId: string;
}>((db, slot) =>
  db
    .updateTable('invites')
    .set((eb) => ({ message_id: slot.value('messageId'), attempts: eb('attempts', '+', 1) }))
    .where('connection_id', '=', slot.value('connectionId'))
    .where('user_external_id', '=', slot.value('userExternalId')),
);

const APP_GROUPS = new MultiRowInsert<AppGroupsTable>(
  ['connection_id', 'external_id', 'app_id', 'display_name', 'revision', 'updated_at'],
  (db, rows) =>
    db
      .insertInto('app_groups')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['connection_id', 'external_id']).doUpdateSet((eb) => ({
          app_id: eb.ref('excluded.app_id'),
          display_name: eb.ref('excluded.display_name'),
          revision: eb.ref('excluded.revision'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      ),
);

const APP_MEMBERSHIPS = new MultiRowInsert<AppMembershipsTable>(
  ['connection_id', 'group_external_id', 'user_external_id'],
  (db, rows) =>
    db
      .insertInto('app_memberships')
      .values(rows)
      .onConflict((oc) => oc.columns(['connection_id', 'group_external_id', 'user_external_id']).doNothing()),
);

/** What dirsync knows the app holds (app_users, app_groups, app_memberships, invites). */
export class AppStateRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async load(connectionId: string): Promise<AppState> {
    const users = new Map<string, AppUser>();
    for (const row of await this.db
      .selectFrom('app_users')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .execute()) {
      users.set(row.external_id, appUserFromRow(row));
    }
    const groups = new Map<string, AppGroup>();
    for (const row of await this.db
      .selectFrom('app_groups')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .execute()) {
      groups.set(row.external_id, {
        externalId: row.external_id,
        appId: row.app_id,
        displayName: row.display_name,
        revision: row.revision,
      });
    }
    const members = new Map<string, Set<string>>();
    for (const group of groups.keys()) members.set(group, new Set());
    for (const row of await this.db
      .selectFrom('app_memberships')
      .select(['group_external_id', 'user_external_id'])
      .where('connection_id', '=', connectionId)
      .execute()) {
      members.get(row.group_external_id)?.add(row.user_external_id);
    }
    const dueInvites = new Map<string, DueInvite>();
    for (const row of await this.db
      .selectFrom('invites')
      .select(['user_external_id', 'email', 'display_name', 'send_number', 'send_kind', 'note'])
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'due')
      .execute()) {
      dueInvites.set(row.user_external_id, {
        userExternalId: row.user_external_id,
        email: row.email,
        displayName: row.display_name,
        sendNumber: row.send_number,
        kind: inviteKindOf(row.send_kind),
        ...(row.note === null ? {} : { note: row.note }),
      });
    }
    return { users, groups, members, dueInvites };
  }

  /** Persists what one applied op changed. Call inside the transaction that marks the op applied. */
  async persist(connectionId: string, effects: readonly StateEffect[], now: string): Promise<void> {
    for (const effect of effects) await this.persistOne(connectionId, effect, now);
  }

  /**
   * Persists what many applied ops changed, in their order, with one multi-row statement per run of user, group
   * and invite rows (a group commit of a thousand creates is a handful of statements, not three thousand). Within a
   * run, rows of different objects are independent, so they are written grouped by table; the same object twice
   * keeps the effect a sequence of single writes would leave (the last put, the first invite row). Effects that
   * depend on what came before (removals, memberships, sends) end a run and are written one by one, in place.
   */
  async persistMany(connectionId: string, effects: readonly StateEffect[], now: string): Promise<void> {
    const users = new Map<string, AppUsersTable>();
    const groups = new Map<string, AppGroup>();
    const invites = new Map<string, InvitesTable>();
    const writeRun = async () => {
      for (const rows of chunk([...users.values()], ROWS_PER_STATEMENT)) await APP_USERS.execute(this.db, rows);
      for (const rows of chunk([...groups.values()], ROWS_PER_STATEMENT)) {
        await APP_GROUPS.execute(
          this.db,
          rows.map((group) => ({ connection_id: connectionId, ...groupColumns(group, now) })),
        );
      }
      for (const rows of chunk([...invites.values()], ROWS_PER_STATEMENT)) await NEW_INVITES.execute(this.db, rows);
      users.clear();
      groups.clear();
      invites.clear();
    };
    for (const effect of effects) {
      switch (effect.type) {
        case 'user.put':
          users.delete(effect.user.externalId); // re-inserted last: Map order is the order of the last put
          users.set(effect.user.externalId, userToRow(connectionId, effect.user, now));
          break;
        case 'group.put':
          groups.delete(effect.group.externalId);
          groups.set(effect.group.externalId, effect.group);
          break;
        case 'invite.due':
        case 'invite.none': {
          const row = inviteRowOf(connectionId, effect, now);
          if (!invites.has(row.user_external_id)) invites.set(row.user_external_id, row);
          break;
        }
        case 'group.removed':
        case 'members.added':
        case 'members.removed':
        case 'invite.sent':
          await writeRun();
          await this.persistOne(connectionId, effect, now);
      }
    }
    await writeRun();
  }

  private async persistOne(connectionId: string, effect: StateEffect, now: string): Promise<void> {
    switch (effect.type) {
      case 'user.put': {
        const row = userToRow(connectionId, effect.user, now);
        const { connection_id: _c, external_id: _e, ...changes } = row;
        await this.db
          .insertInto('app_users')
          .values(row)
          .onConflict((oc) => oc.columns(['connection_id', 'external_id']).doUpdateSet(changes))
          .execute();
        return;
      }
      case 'group.put': {
        const { external_id: _e, ...changes } = groupColumns(effect.group, now);
        await this.db
          .insertInto('app_groups')
          .values({ connection_id: connectionId, external_id: effect.group.externalId, ...changes })
          .onConflict((oc) => oc.columns(['connection_id', 'external_id']).doUpdateSet(changes))
          .execute();
        return;
      }
      case 'group.removed':
        await this.db
          .deleteFrom('app_memberships')
          .where('connection_id', '=', connectionId)
          .where('group_external_id', '=', effect.externalId)
          .execute();
        await this.db
          .deleteFrom('app_groups')
          .where('connection_id', '=', connectionId)
          .where('external_id', '=', effect.externalId)
          .execute();
        return;
      case 'members.added':
        for (const batch of chunk(effect.userExternalIds, BATCH)) {
          await APP_MEMBERSHIPS.execute(
            this.db,
            batch.map((user) => ({
              connection_id: connectionId,
              group_external_id: effect.groupExternalId,
              user_external_id: user,
            })),
          );
        }
        return;
      case 'members.removed':
        for (const batch of chunk(effect.userExternalIds, BATCH)) {
          await this.db
            .deleteFrom('app_memberships')
            .where('connection_id', '=', connectionId)
            .where('group_external_id', '=', effect.groupExternalId)
            .where('user_external_id', 'in', batch)
            .execute();
        }
        return;
      case 'invite.due':
      case 'invite.none':
        await this.db
          .insertInto('invites')
          .values(inviteRowOf(connectionId, effect, now))
          .onConflict((oc) => oc.columns(['connection_id', 'user_external_id']).doNothing())
          .execute();
        return;
      case 'invite.sent': {
        const { invite } = effect;
        const sent = invite.kind === 'reminder' ? REMINDER_SENT : INVITE_SENT;
        const values = { connectionId, userExternalId: invite.userExternalId, sendNumber: invite.sendNumber, now };
        const [row] = (await sent.execute(this.db, values)).rows;
        await INVITE_SENDS.execute(this.db, [
          {
            connection_id: connectionId,
            user_external_id: invite.userExternalId,
            send_number: invite.sendNumber,
            kind: invite.kind,
            email: invite.email,
            message_id: row?.message_id ?? null,
            note: invite.note ?? null,
            attempts: row?.attempts ?? 1,
            sent_at: now,
          },
        ]);
        return;
      }
    }
  }

  /** Records that an invite is about to be sent, with the Message-ID it goes out with. */
  async markInviteAttempt(connectionId: string, userExternalId: string, messageId: string): Promise<void> {
    await INVITE_ATTEMPT.execute(this.db, { connectionId, userExternalId, messageId });
  }
}

function userToRow(connectionId: string, user: AppUser, now: string): AppUsersTable {
  return {
    connection_id: connectionId,
    external_id: user.externalId,
    app_id: user.appId,
    user_name: user.userName,
    email: user.email,
    given_name: user.givenName,
    family_name: user.familyName,
    display_name: user.displayName,
    active: user.active ? 1 : 0,
    origin: user.origin,
    revision: user.revision,
    extra: jsonColumn(user.extra),
    updated_at: now,
  };
}

/** An `app_users` row as the model's `AppUser` (the one mapping, shared with `why`'s evidence). */
export function appUserFromRow(row: AppUsersTable): AppUser {
  const extra = extraAttributesColumn(row.extra, `app_users ${row.external_id}`);
  return {
    externalId: row.external_id,
    appId: row.app_id,
    userName: row.user_name,
    email: row.email,
    givenName: row.given_name,
    familyName: row.family_name,
    displayName: row.display_name,
    active: row.active === 1,
    origin: row.origin === 'adopted' ? 'adopted' : 'created',
    revision: row.revision,
    ...(extra === undefined ? {} : { extra }),
  };
}

function groupColumns(group: AppGroup, now: string) {
  return {
    external_id: group.externalId,
    app_id: group.appId,
    display_name: group.displayName,
    revision: group.revision,
    updated_at: now,
  };
}

/** The `invites` row an `invite.due` (status due) or `invite.none` (not-invited) effect starts. */
function inviteRowOf(
  connectionId: string,
  effect: Extract<StateEffect, { type: 'invite.due' | 'invite.none' }>,
  now: string,
): InvitesTable {
  const person =
    effect.type === 'invite.due'
      ? effect.invite
      : { userExternalId: effect.userExternalId, email: effect.email, displayName: effect.displayName };
  return { ...newInviteRow(connectionId, person, now), status: effect.type === 'invite.due' ? 'due' : 'not-invited' };
}

/** A new `invites` row (status set by the caller): nothing sent yet. */
export function newInviteRow(
  connectionId: string,
  person: { readonly userExternalId: string; readonly email: string; readonly displayName: string },
  now: string,
): Omit<InvitesTable, 'status'> {
  return {
    connection_id: connectionId,
    user_external_id: person.userExternalId,
    email: person.email,
    display_name: person.displayName,
    message_id: null,
    attempts: 0,
    created_at: now,
    sent_at: null,
    sends: 0,
    send_number: 1,
    send_kind: 'invite',
    note: null,
    last_sent_at: null,
    accepted_at: null,
    reminders: 0,
  };
}

/** A stored kind; a value from another version reads as a first invite. */
export function inviteKindOf(text: string): InviteKind {
  return text === 'resend' || text === 'reminder' ? text : 'invite';
}
