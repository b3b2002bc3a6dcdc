import type { Kysely } from 'kysely';
import type { InviteKind } from '../core/model/app-state.js';
import { chunk } from './chunk.js';
import type { Database, InvitesTable } from './database.js';
import { inviteKindOf } from './app-state-repository.js';

/** A person's invite state as an admin sees it (DESIGN "Invites lifecycle"). */
export type InviteState = 'not-invited' | 'sent' | 'accepted' | 'blocked';

export const INVITE_STATES: readonly InviteState[] = ['not-invited', 'sent', 'accepted', 'blocked'];

/** One person of `dirsync invites`. */
export interface InviteEntry {
  readonly userExternalId: string;
  readonly login: string;
  readonly email: string;
  readonly displayName: string;
  readonly state: InviteState;
  /** Sends the mail server accepted. */
  readonly sends: number;
  readonly lastSentAt: string | null;
  readonly acceptedAt: string | null;
  readonly reminders: number;
  /** A send that is owed and goes out with the next run. */
  readonly due: { readonly sendNumber: number; readonly kind: InviteKind } | null;
}

/** What became of one person an admin asked to (re)send to. */
export type SendRequestResult =
  | { readonly userExternalId: string; readonly queued: true; readonly sendNumber: number }
  | { readonly userExternalId: string; readonly queued: false; readonly reason: string };

export interface SendRequest {
  readonly kind: 'invite' | 'resend';
  /** The admin's note (resends). */
  readonly note?: string;
  readonly now: Date;
  /** `INVITE_RESEND_COOLDOWN`: at most one resend per person within it. */
  readonly cooldownMs: number;
  /** `--force`: past the cooldown, and to people who already joined. */
  readonly force: boolean;
}

/** A user named on the command line, resolved against the people dirsync put in the app. */
export type UserLookup =
  { readonly query: string; readonly userExternalId: string } | { readonly query: string; readonly problem: string };

/**
 * The invite state of the people of one connection, and the admin's requests on it. Sends themselves go through
 * the outbox like every write (a request only makes a send due), so they are exactly-once under crashes too.
 */
export class InviteRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly connectionId: string,
  ) {}

  async list(): Promise<InviteEntry[]> {
    const rows = await this.db
      .selectFrom('invites as i')
      .innerJoin('app_users as u', (join) =>
        join.onRef('u.connection_id', '=', 'i.connection_id').onRef('u.external_id', '=', 'i.user_external_id'),
      )
      .select(['u.user_name', 'u.active'])
      .selectAll('i')
      .where('i.connection_id', '=', this.connectionId)
      .orderBy('u.user_name')
      .execute();
    return rows.map((row) => entryOf(row, row.user_name, row.active === 1));
  }

  /** Each query (IdP id, app id, login or e-mail, case-insensitive) as one person of the app, or why not. */
  async lookup(queries: readonly string[]): Promise<UserLookup[]> {
    const users = await this.db
      .selectFrom('app_users')
      .select(['external_id', 'app_id', 'user_name', 'email'])
      .where('connection_id', '=', this.connectionId)
      .execute();
    return queries.map((query) => {
      const lower = query.trim().toLowerCase();
      const byId = users.filter((user) => user.external_id === query.trim() || user.app_id === query.trim());
      const matches =
        byId.length > 0
          ? byId
          : users.filter((user) => user.user_name.toLowerCase() === lower || user.email.toLowerCase() === lower);
      const [only, ...more] = matches;
      if (only === undefined) {
        return {
          query,
          problem: `no one in the app of connection ${this.connectionId} has the id, login or e-mail "${query}"`,
        };
      }
      if (more.length > 0) {
        const ids = matches.map((user) => user.external_id).join(', ');
        return { query, problem: `"${query}" names ${matches.length} people (${ids}): name one by its id` };
      }
      return { query, userExternalId: only.external_id };
    });
  }

  /** The people a bulk request is about: `--not-invited` (never sent, active) or `--pending` (sent, not joined, active). */
  async idsInState(state: 'not-invited' | 'pending'): Promise<string[]> {
    const entries = await this.list();
    return entries
      .filter((entry) =>
        state === 'not-invited' ? entry.state === 'not-invited' && entry.due === null : entry.state === 'sent',
      )
      .map((entry) => entry.userExternalId);
  }

  /**
   * Makes a send due for each person, in one transaction, unless the request does not apply to them (the reason is
   * returned): `invite` is for people never invited; `resend` for people invited before, at most once per cooldown
   * and not after they joined, unless forced. Nobody is ever sent to while deactivated in the app.
   */
  async requestSends(ids: readonly string[], request: SendRequest): Promise<SendRequestResult[]> {
    const now = request.now.toISOString();
    return this.db.transaction().execute(async (trx) => {
      const results: SendRequestResult[] = [];
      for (const part of chunk([...ids], 500)) {
        const rows = await trx
          .selectFrom('invites as i')
          .innerJoin('app_users as u', (join) =>
            join.onRef('u.connection_id', '=', 'i.connection_id').onRef('u.external_id', '=', 'i.user_external_id'),
          )
          .select(['u.active', 'u.email as current_email', 'u.display_name as current_display_name'])
          .selectAll('i')
          .where('i.connection_id', '=', this.connectionId)
          .where('i.user_external_id', 'in', part)
          .execute();
        const byId = new Map(rows.map((row) => [row.user_external_id, row]));
        for (const id of part) {
          const row = byId.get(id);
          const refusal = row === undefined ? 'not in the app' : refusalOf(row, row.active === 1, request);
          if (row === undefined || refusal !== null) {
            results.push({ userExternalId: id, queued: false, reason: refusal ?? 'not in the app' });
            continue;
          }
          const sendNumber = row.sends + 1;
          await trx
            .updateTable('invites')
            .set({
              status: 'due',
              // To the address the app has now: the person may have changed it since the first invite.
              email: row.current_email,
              display_name: row.current_display_name,
              send_number: sendNumber,
              send_kind: row.sends === 0 ? 'invite' : 'resend',
              note: request.note ?? null,
              // A new send gets its own attempts and Message-ID.
              attempts: 0,
              message_id: null,
              created_at: now,
            })
            .where('connection_id', '=', this.connectionId)
            .where('user_external_id', '=', id)
            .execute();
          results.push({ userExternalId: id, queued: true, sendNumber });
        }
      }
      return results;
    });
  }

  /** Records that people joined the app: no reminders any more. Returns the ids not in the app. */
  async markAccepted(ids: readonly string[], now: Date): Promise<string[]> {
    const missing: string[] = [];
    await this.db.transaction().execute(async (trx) => {
      for (const id of ids) {
        const updated = await trx
          .updateTable('invites')
          .set({ status: 'accepted', accepted_at: now.toISOString(), note: null })
          .where('connection_id', '=', this.connectionId)
          .where('user_external_id', '=', id)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) missing.push(id);
      }
    });
    return missing;
  }

  /**
   * Makes a reminder due for everyone whose last send is older than `remindAfterMs`, who has not joined, has had
   * fewer than `maxReminders` reminders and is active in the app. Returns how many. Called by normal runs.
   */
  async queueReminders(now: Date, remindAfterMs: number, maxReminders: number): Promise<number> {
    const before = new Date(now.getTime() - remindAfterMs).toISOString();
    const rows = await this.db
      .selectFrom('invites as i')
      .innerJoin('app_users as u', (join) =>
        join.onRef('u.connection_id', '=', 'i.connection_id').onRef('u.external_id', '=', 'i.user_external_id'),
      )
      .select(['i.user_external_id', 'i.sends', 'u.email', 'u.display_name'])
      .where('i.connection_id', '=', this.connectionId)
      .where('i.status', '=', 'sent')
      .where('i.reminders', '<', maxReminders)
      .where('i.last_sent_at', '<=', before)
      .where('u.active', '=', 1)
      .execute();
    for (const row of rows) {
      await this.db
        .updateTable('invites')
        .set({
          status: 'due',
          email: row.email,
          display_name: row.display_name,
          send_number: row.sends + 1,
          send_kind: 'reminder',
          note: null,
          attempts: 0,
          message_id: null,
          created_at: now.toISOString(),
        })
        .where('connection_id', '=', this.connectionId)
        .where('user_external_id', '=', row.user_external_id)
        .where('status', '=', 'sent')
        .execute();
    }
    return rows.length;
  }

  /**
   * Whether a run now has invite work to do: a mail waiting to go out (`due`), or a reminder `queueReminders`
   * would make due (pass `null` when reminders are off). The same conditions as theirs, looser where cheaper.
   */
  async workDue(now: Date, reminders: { readonly afterMs: number; readonly max: number } | null): Promise<boolean> {
    let query = this.db
      .selectFrom('invites')
      .select('user_external_id')
      .where('connection_id', '=', this.connectionId)
      .where('status', '=', 'due');
    if (reminders !== null) {
      const before = new Date(now.getTime() - reminders.afterMs).toISOString();
      query = query.union(
        this.db
          .selectFrom('invites')
          .select('user_external_id')
          .where('connection_id', '=', this.connectionId)
          .where('status', '=', 'sent')
          .where('reminders', '<', reminders.max)
          .where('last_sent_at', '<=', before),
      );
    }
    return (await query.limit(1).executeTakeFirst()) !== undefined;
  }

  /** Sends the mail server accepted since `since` (the rate limit's window). */
  async sentSince(since: Date): Promise<number> {
    const row = await this.db
      .selectFrom('invite_sends')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('connection_id', '=', this.connectionId)
      .where('sent_at', '>=', since.toISOString())
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function refusalOf(row: InvitesTable, active: boolean, request: SendRequest): string | null {
  if (!active) return 'deactivated in the app: invites go to active people only';
  if (row.status === 'due') return `send ${row.send_number} is already due: it goes out with the next run`;
  if (request.kind === 'invite' && row.sends > 0) {
    return `already invited (${row.sends} sent, last at ${row.last_sent_at ?? '?'}): use \`dirsync invites resend\``;
  }
  if (request.kind === 'resend' && row.sends === 0) return 'never invited: use `dirsync invites send`';
  if (request.force) return null;
  if (row.status === 'accepted') return `joined the app at ${row.accepted_at ?? '?'}: --force to send anyway`;
  if (request.kind === 'resend' && row.last_sent_at !== null) {
    const next = new Date(row.last_sent_at).getTime() + request.cooldownMs;
    if (next > request.now.getTime()) {
      return `last sent at ${row.last_sent_at}: not again before ${new Date(next).toISOString()} (INVITE_RESEND_COOLDOWN), or use --force`;
    }
  }
  return null;
}

function entryOf(row: InvitesTable, login: string, active: boolean): InviteEntry {
  const state: InviteState = !active
    ? 'blocked'
    : row.status === 'accepted'
      ? 'accepted'
      : row.sends > 0
        ? 'sent'
        : 'not-invited';
  return {
    userExternalId: row.user_external_id,
    login,
    email: row.email,
    displayName: row.display_name,
    state,
    sends: row.sends,
    lastSentAt: row.last_sent_at,
    acceptedAt: row.accepted_at,
    reminders: row.reminders,
    due: row.status === 'due' ? { sendNumber: row.send_number, kind: inviteKindOf(row.send_kind) } : null,
  };
}
