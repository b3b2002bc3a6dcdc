import type { Kysely } from 'kysely';
import { opSubjectType } from '../core/why/op-subject-type.js';
import type { Database } from './database.js';

/** How a query matched a subject, from the most specific to the least. */
export type SubjectMatch = 'id' | 'app id' | 'login' | 'email' | 'display name';

/** A user or group a query names. */
export interface SubjectCandidate {
  readonly type: 'user' | 'group';
  /** The IdP id (the app's `externalId`). */
  readonly id: string;
  /** A user's login (empty when only the outbox knows the user); null for groups. */
  readonly userName: string | null;
  readonly displayName: string;
  readonly matchedBy: SubjectMatch;
  /** Where the match was found: the mirror (what the IdP says), the known app state, or only the outbox. */
  readonly foundIn: 'mirror' | 'app' | 'outbox';
}

/** Finds the users and groups of one connection that an operator's words name (`dirsync why <user-or-group>`). */
export class SubjectFinder {
  private constructor(
    private readonly db: Kysely<Database>,
    private readonly connectionId: string,
  ) {}

  static for(db: Kysely<Database>, connectionId: string): SubjectFinder {
    return new SubjectFinder(db, connectionId);
  }

  /**
   * The subjects `query` names: by IdP id (or the app's id), else by login, else by e-mail, else by display name
   * (case-insensitive, as logins are compared everywhere), in the mirror and, for objects the IdP no longer has,
   * in the known app state. Only the most specific kind of match counts: a login beats someone else's display
   * name. Several candidates mean the query is ambiguous; none, that it names nothing.
   */
  async find(query: string): Promise<SubjectCandidate[]> {
    const text = query.trim();
    if (text === '') return [];
    const byId = await this.findById(text);
    if (byId.length > 0) return byId;
    const wanted = fold(text);
    const [idpUsers, appUsers, idpGroups, appGroups] = await Promise.all([
      this.usersNamed('idp_users', 'id', wanted),
      this.usersNamed('app_users', 'external_id', wanted),
      this.groupsNamed('idp_groups', 'id', wanted),
      this.groupsNamed('app_groups', 'external_id', wanted),
    ]);
    const tiers: readonly [SubjectMatch, (row: NamedRow) => string | null][] = [
      ['login', (row) => row.userName],
      ['email', (row) => row.email],
      ['display name', (row) => row.displayName],
    ];
    for (const [matchedBy, value] of tiers) {
      const found = new Candidates();
      for (const [rows, foundIn] of [
        [[...idpUsers, ...idpGroups], 'mirror'],
        [[...appUsers, ...appGroups], 'app'],
      ] as const) {
        for (const row of rows) {
          const candidate = value(row);
          if (candidate !== null && fold(candidate) === wanted) found.add(candidateOf(row, matchedBy, foundIn));
        }
      }
      if (found.size > 0) return found.list();
    }
    return [];
  }

  private async findById(text: string): Promise<SubjectCandidate[]> {
    const c = this.connectionId;
    const [idpUser, idpGroup, appUsers, appGroups] = await Promise.all([
      this.db
        .selectFrom('idp_users')
        .select(['id', 'user_name', 'display_name'])
        .where('connection_id', '=', c)
        .where('id', '=', text)
        .executeTakeFirst(),
      this.db
        .selectFrom('idp_groups')
        .select(['id', 'display_name'])
        .where('connection_id', '=', c)
        .where('id', '=', text)
        .executeTakeFirst(),
      this.db
        .selectFrom('app_users')
        .select(['external_id', 'app_id', 'user_name', 'display_name'])
        .where('connection_id', '=', c)
        .where((eb) => eb.or([eb('external_id', '=', text), eb('app_id', '=', text)]))
        .execute(),
      this.db
        .selectFrom('app_groups')
        .select(['external_id', 'app_id', 'display_name'])
        .where('connection_id', '=', c)
        .where((eb) => eb.or([eb('external_id', '=', text), eb('app_id', '=', text)]))
        .execute(),
    ]);
    const found = new Candidates();
    if (idpUser !== undefined) found.add(user(idpUser.id, idpUser.user_name, idpUser.display_name, 'id', 'mirror'));
    if (idpGroup !== undefined) found.add(group(idpGroup.id, idpGroup.display_name, 'id', 'mirror'));
    for (const row of appUsers) {
      const matchedBy = row.external_id === text ? 'id' : 'app id';
      found.add(user(row.external_id, row.user_name, row.display_name, matchedBy, 'app'));
    }
    for (const row of appGroups) {
      found.add(group(row.external_id, row.display_name, row.external_id === text ? 'id' : 'app id', 'app'));
    }
    // The IdP's ids are what operators paste from logs: an app id that happens to equal an IdP id loses.
    const exact = found.list().filter((candidate) => candidate.matchedBy === 'id');
    if (exact.length > 0) return exact;
    if (found.size > 0) return found.list();
    return this.findInOutbox(text);
  }

  /** An id neither side knows any more (a user deleted in the IdP whose create had failed) may still have ops. */
  private async findInOutbox(id: string): Promise<SubjectCandidate[]> {
    const rows = await this.db
      .selectFrom('ops')
      .select('kind')
      .distinct()
      .where('connection_id', '=', this.connectionId)
      .where('subject', '=', id)
      .execute();
    const found = new Candidates();
    for (const row of rows) {
      const type = opSubjectType(row.kind);
      if (type === 'user') found.add(user(id, '', '', 'id', 'outbox'));
      if (type === 'group') found.add(group(id, '', 'id', 'outbox'));
    }
    return found.list();
  }

  /**
   * Users whose login, e-mail or display name may equal `wanted` (folded). An ASCII query is filtered by the
   * database (`lower()` folds ASCII alike on SQLite and PostgreSQL); any other is compared here only, as SQLite's
   * `lower()` leaves non-ASCII letters alone.
   */
  private async usersNamed(
    table: 'idp_users' | 'app_users',
    idColumn: 'id' | 'external_id',
    wanted: string,
  ): Promise<NamedRow[]> {
    let query = this.db
      .selectFrom(table)
      .select([`${idColumn} as id`, 'user_name', 'email', 'display_name'])
      .where('connection_id', '=', this.connectionId);
    if (isAscii(wanted)) {
      query = query.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['user_name']), '=', wanted),
          eb(eb.fn('lower', ['email']), '=', wanted),
          eb(eb.fn('lower', ['display_name']), '=', wanted),
        ]),
      );
    }
    const rows = await query.execute();
    return rows.map((row) => ({
      type: 'user',
      id: row.id,
      userName: row.user_name,
      email: row.email,
      displayName: row.display_name,
    }));
  }

  private async groupsNamed(
    table: 'idp_groups' | 'app_groups',
    idColumn: 'id' | 'external_id',
    wanted: string,
  ): Promise<NamedRow[]> {
    let query = this.db
      .selectFrom(table)
      .select([`${idColumn} as id`, 'display_name'])
      .where('connection_id', '=', this.connectionId);
    if (isAscii(wanted)) query = query.where((eb) => eb(eb.fn('lower', ['display_name']), '=', wanted));
    const rows = await query.execute();
    return rows.map((row) => ({
      type: 'group',
      id: row.id,
      userName: null,
      email: null,
      displayName: row.display_name,
    }));
  }
}

interface NamedRow {
  readonly type: 'user' | 'group';
  readonly id: string;
  readonly userName: string | null;
  readonly email: string | null;
  readonly displayName: string;
}

/** Candidates by type and id; for the same subject the mirror's names win over the app's. */
class Candidates {
  readonly #byKey = new Map<string, SubjectCandidate>();

  get size(): number {
    return this.#byKey.size;
  }

  add(candidate: SubjectCandidate): void {
    const key = `${candidate.type}:${candidate.id}`;
    const known = this.#byKey.get(key);
    if (known === undefined || (candidate.foundIn === 'mirror' && known.foundIn !== 'mirror')) {
      this.#byKey.set(key, candidate);
    }
  }

  list(): SubjectCandidate[] {
    return [...this.#byKey.values()];
  }
}

type FoundIn = SubjectCandidate['foundIn'];

function candidateOf(row: NamedRow, matchedBy: SubjectMatch, foundIn: FoundIn): SubjectCandidate {
  return row.type === 'user'
    ? user(row.id, row.userName ?? '', row.displayName, matchedBy, foundIn)
    : group(row.id, row.displayName, matchedBy, foundIn);
}

function user(
  id: string,
  userName: string,
  displayName: string,
  matchedBy: SubjectMatch,
  foundIn: FoundIn,
): SubjectCandidate {
  return { type: 'user', id, userName, displayName, matchedBy, foundIn };
}

function group(id: string, displayName: string, matchedBy: SubjectMatch, foundIn: FoundIn): SubjectCandidate {
  return { type: 'group', id, userName: null, displayName, matchedBy, foundIn };
}

/** Case folding as logins are compared everywhere (`toLowerCase`), after Unicode composition (NFC). */
function fold(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}
