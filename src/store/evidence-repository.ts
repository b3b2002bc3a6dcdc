import { sql, type Kysely } from 'kysely';
import type { DirectoryUser } from '../core/model/directory-user.js';
import { payloadString, payloadStrings } from '../core/why/op-payload.js';
import { MEMBERSHIP_OP_KINDS, opSubjectType } from '../core/why/op-subject-type.js';
import type { GroupEvidence, InviteRecord, OpRecord, UserEvidence, UserName } from '../core/why/subject-evidence.js';
import { chunk } from './chunk.js';
import { appUserFromRow } from './app-state-repository.js';
import type { Database } from './database.js';
import { directoryUserFromRow } from './mirror-repository.js';
import { parseStoredHold } from './stored-op-hold.js';
import { SubjectFinder, type SubjectCandidate } from './subject-finder.js';

const BATCH = 400;

/**
 * What `dirsync why` reads about one subject of one connection: the mirror, the known app state, the outbox with
 * its runs, and invites. Read-only.
 */
export class EvidenceRepository {
  private constructor(
    private readonly db: Kysely<Database>,
    private readonly connectionId: string,
  ) {}

  static for(db: Kysely<Database>, connectionId: string): EvidenceRepository {
    return new EvidenceRepository(db, connectionId);
  }

  /** The users and groups `query` names (see `SubjectFinder.find`): one, several (ambiguous) or none. */
  find(query: string): Promise<SubjectCandidate[]> {
    return SubjectFinder.for(this.db, this.connectionId).find(query);
  }

  /** Everything stored about one user; records are null where a side does not have it. */
  async user(id: string): Promise<UserEvidence> {
    const c = this.connectionId;
    const [idpRow, appRow, idpGroups, appGroups, inviteRow, ops] = await Promise.all([
      this.db
        .selectFrom('idp_users')
        .selectAll()
        .where('connection_id', '=', c)
        .where('id', '=', id)
        .executeTakeFirst(),
      this.db
        .selectFrom('app_users')
        .selectAll()
        .where('connection_id', '=', c)
        .where('external_id', '=', id)
        .executeTakeFirst(),
      this.db
        .selectFrom('idp_memberships as m')
        .innerJoin('idp_groups as g', (join) =>
          join.onRef('g.connection_id', '=', 'm.connection_id').onRef('g.id', '=', 'm.group_id'),
        )
        .select(['g.id', 'g.display_name', 'g.built_in'])
        .where('m.connection_id', '=', c)
        .where('m.member_id', '=', id)
        .execute(),
      this.db
        .selectFrom('app_memberships as m')
        .innerJoin('app_groups as g', (join) =>
          join.onRef('g.connection_id', '=', 'm.connection_id').onRef('g.external_id', '=', 'm.group_external_id'),
        )
        .select(['g.external_id', 'g.display_name'])
        .where('m.connection_id', '=', c)
        .where('m.user_external_id', '=', id)
        .execute(),
      this.db
        .selectFrom('invites')
        .selectAll()
        .where('connection_id', '=', c)
        .where('user_external_id', '=', id)
        .executeTakeFirst(),
      this.userOps(id),
    ]);
    const history = await this.db
      .selectFrom('invite_sends')
      .selectAll()
      .where('connection_id', '=', c)
      .where('user_external_id', '=', id)
      .orderBy('send_number')
      .execute();
    const groupIds = new Set<string>();
    for (const op of ops) {
      const group = payloadString(op.payload, 'groupExternalId');
      if (group !== undefined) groupIds.add(group);
    }
    return {
      type: 'user',
      id,
      idp: idpRow === undefined ? null : { user: directoryUserFromRow(idpRow), seenAt: idpRow.updated_at },
      app: appRow === undefined ? null : { user: appUserFromRow(appRow), updatedAt: appRow.updated_at },
      idpGroups: idpGroups.map((row) => ({ id: row.id, displayName: row.display_name, builtIn: row.built_in === 1 })),
      appGroups: appGroups.map((row) => ({ externalId: row.external_id, displayName: row.display_name })),
      ops,
      invite:
        inviteRow === undefined
          ? null
          : ({
              email: inviteRow.email,
              displayName: inviteRow.display_name,
              status: inviteRow.status,
              messageId: inviteRow.message_id,
              attempts: inviteRow.attempts,
              dueSince: inviteRow.created_at,
              sentAt: inviteRow.sent_at,
              sendNumber: inviteRow.send_number,
              kind: inviteRow.send_kind,
              acceptedAt: inviteRow.accepted_at,
              history: history.map((row) => ({
                sendNumber: row.send_number,
                kind: row.kind,
                email: row.email,
                messageId: row.message_id,
                note: row.note,
                attempts: row.attempts,
                sentAt: row.sent_at,
              })),
            } satisfies InviteRecord),
      groupNames: await this.groupNames([...groupIds]),
    };
  }

  /** Everything stored about one group; records are null where a side does not have it. */
  async group(id: string): Promise<GroupEvidence> {
    const c = this.connectionId;
    const [idpRow, appRow, members, appMembers, ops] = await Promise.all([
      this.db
        .selectFrom('idp_groups')
        .selectAll()
        .where('connection_id', '=', c)
        .where('id', '=', id)
        .executeTakeFirst(),
      this.db
        .selectFrom('app_groups')
        .selectAll()
        .where('connection_id', '=', c)
        .where('external_id', '=', id)
        .executeTakeFirst(),
      this.db
        .selectFrom('idp_memberships as m')
        .leftJoin('idp_users as u', (join) =>
          join.onRef('u.connection_id', '=', 'm.connection_id').onRef('u.id', '=', 'm.member_id'),
        )
        .select([
          'm.member_id',
          'u.id',
          'u.user_name',
          'u.email',
          'u.given_name',
          'u.family_name',
          'u.display_name',
          'u.active',
          'u.status',
        ])
        .where('m.connection_id', '=', c)
        .where('m.group_id', '=', id)
        .orderBy('m.member_id')
        .execute(),
      this.db
        .selectFrom('app_memberships')
        .select('user_external_id')
        .where('connection_id', '=', c)
        .where('group_external_id', '=', id)
        .orderBy('user_external_id')
        .execute(),
      this.opsOf(id, (op) => opSubjectType(op.kind) === 'group'),
    ]);
    const idpMembers: DirectoryUser[] = [];
    let others = 0;
    for (const row of members) {
      if (row.id === null || row.user_name === null) {
        others++;
        continue;
      }
      idpMembers.push({
        id: row.id,
        userName: row.user_name,
        email: row.email ?? '',
        givenName: row.given_name ?? '',
        familyName: row.family_name ?? '',
        displayName: row.display_name ?? '',
        active: row.active === 1,
        status: row.status ?? '',
      });
    }
    const mentioned = new Set(appMembers.map((row) => row.user_external_id));
    for (const op of ops) for (const user of payloadStrings(op.payload, 'userExternalIds')) mentioned.add(user);
    for (const user of idpMembers) mentioned.delete(user.id);
    return {
      type: 'group',
      id,
      idp:
        idpRow === undefined
          ? null
          : {
              group: { id: idpRow.id, displayName: idpRow.display_name, builtIn: idpRow.built_in === 1 },
              seenAt: idpRow.updated_at,
            },
      app:
        appRow === undefined
          ? null
          : {
              group: {
                externalId: appRow.external_id,
                appId: appRow.app_id,
                displayName: appRow.display_name,
                revision: appRow.revision,
              },
              updatedAt: appRow.updated_at,
            },
      idpMembers,
      otherIdpMembers: others,
      appMemberIds: appMembers.map((row) => row.user_external_id),
      ops,
      userNames: await this.userNames([...mentioned]),
    };
  }

  /**
   * A user's own ops, and the membership ops that name the user among their members (their subject is the group):
   * found by the user's id as a JSON string in the payload, then confirmed by reading the payload.
   */
  private userOps(id: string): Promise<OpRecord[]> {
    const needle = `%${escapeLike(JSON.stringify(id))}%`;
    return this.opsOf(
      id,
      (op) =>
        (opSubjectType(op.kind) === 'user' && op.subject === id) ||
        (MEMBERSHIP_OP_KINDS.includes(op.kind) && payloadStrings(op.payload, 'userExternalIds').includes(id)),
      needle,
    );
  }

  /** Ops about `subject` (and, with `payloadLike`, membership ops whose payload matches), newest last. */
  private async opsOf(
    subject: string,
    keep: (op: OpRecord & { readonly subject: string }) => boolean,
    payloadLike?: string,
  ): Promise<OpRecord[]> {
    const rows = await this.db
      .selectFrom('ops as o')
      .leftJoin('runs as r', 'r.id', 'o.run_id')
      .select([
        'o.key',
        'o.kind',
        'o.subject',
        'o.status',
        'o.attempts',
        'o.last_error',
        'o.payload',
        'o.created_at',
        'o.updated_at',
        'o.hold',
        'o.approved_at',
        'r.id as run_id',
        'r.trigger as run_trigger',
        'r.mode as run_mode',
        'r.status as run_status',
        'r.started_at as run_started_at',
      ])
      .where('o.connection_id', '=', this.connectionId)
      .where((eb) =>
        payloadLike === undefined
          ? eb('o.subject', '=', subject)
          : eb.or([
              eb('o.subject', '=', subject),
              eb.and([
                eb('o.kind', 'in', MEMBERSHIP_OP_KINDS),
                // LIKE has no default escape character on SQLite: name one, the same on both dialects.
                sql<boolean>`${sql.ref('o.payload')} like ${payloadLike} escape '!'`,
              ]),
            ]),
      )
      .orderBy('o.updated_at')
      .orderBy('o.created_at')
      .orderBy('o.position')
      .execute();
    return rows
      .map((row) => ({
        key: row.key,
        kind: row.kind,
        subject: row.subject,
        status: row.status,
        attempts: row.attempts,
        lastError: row.last_error,
        payload: parseJson(row.payload),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        hold: parseStoredHold(row.hold),
        approvedAt: row.approved_at,
        run:
          row.run_id === null
            ? null
            : {
                id: row.run_id,
                trigger: row.run_trigger ?? '',
                mode: row.run_mode ?? '',
                status: row.run_status ?? '',
                startedAt: row.run_started_at ?? '',
              },
      }))
      .filter(keep)
      .map(({ subject: _subject, ...op }) => op);
  }

  /** Display names of groups by IdP id: the mirror's, else the app's (a deleted group). */
  private async groupNames(ids: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const batch of chunk(ids, BATCH)) {
      const [idp, app] = await Promise.all([
        this.db
          .selectFrom('idp_groups')
          .select(['id', 'display_name'])
          .where('connection_id', '=', this.connectionId)
          .where('id', 'in', batch)
          .execute(),
        this.db
          .selectFrom('app_groups')
          .select(['external_id as id', 'display_name'])
          .where('connection_id', '=', this.connectionId)
          .where('external_id', 'in', batch)
          .execute(),
      ]);
      for (const row of [...app, ...idp]) names.set(row.id, row.display_name);
    }
    return names;
  }

  /** Logins and display names of users by IdP id: the mirror's, else the app's. */
  private async userNames(ids: readonly string[]): Promise<Map<string, UserName>> {
    const names = new Map<string, UserName>();
    for (const batch of chunk(ids, BATCH)) {
      const [idp, app] = await Promise.all([
        this.db
          .selectFrom('idp_users')
          .select(['id', 'user_name', 'display_name'])
          .where('connection_id', '=', this.connectionId)
          .where('id', 'in', batch)
          .execute(),
        this.db
          .selectFrom('app_users')
          .select(['external_id as id', 'user_name', 'display_name'])
          .where('connection_id', '=', this.connectionId)
          .where('external_id', 'in', batch)
          .execute(),
      ]);
      for (const row of [...app, ...idp]) {
        names.set(row.id, { userName: row.user_name, displayName: row.display_name });
      }
    }
    return names;
  }
}

/** `!` escapes LIKE's wildcards (and itself): an id may hold `_` or `%`. */
function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null; // shown by kind only
  }
}
