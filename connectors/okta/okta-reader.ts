import type { DirectoryChange } from '../../src/core/model/directory-change.js';
import { readAheadInOrder, type PagedSource } from '../read-ahead.js';
import type { OktaHttp } from './okta-http.js';
import type { OktaPage } from './okta-items.js';
import {
  OKTA_GROUP_DELETED_EVENT,
  OKTA_USER_DELETED_EVENT,
  oktaGroupToModel,
  oktaInvalidItemToChange,
  oktaLogEventToChanges,
  oktaUserToModel,
} from './okta-to-model.js';
import {
  oktaAssignmentSchema,
  oktaGroupSchema,
  oktaLogEventSchema,
  oktaUserSchema,
  type OktaGroup,
  type OktaUser,
} from './okta-wire.js';

/** Okta's eventually consistent search may lag; re-reading a minute is harmless. */
export const OKTA_OVERLAP_MS = 60_000;

// Page sizes: the Users API allows 200, group members 1000, the System Log 1000. Groups are asked 200 at a time so a
// yielded page stays at a few hundred changes.
const USERS_LIMIT = '200';
const GROUPS_LIMIT = '200';
const MEMBERS_LIMIT = '1000';
const LOGS_LIMIT = '1000';

type Changes = DirectoryChange[];

/**
 * Independent lists (the users, the groups, each group's members) are read up to four at a time, each page requested
 * while the one before it is processed. Okta counts concurrent requests per org (75 on Workforce plans, 35 on the
 * Integrator Free plan) and says even bulk loads rarely need more than 10; four leaves room for everything else.
 */
const READ_AHEAD = { concurrency: 4, ahead: 2 } as const;

// Users and groups are read item by item: one object Okta sends malformed is isolated, the rest of the page is read.
const REPORT = { invalidItems: 'report' } as const;

/** The request sequences of a full and of an incremental read, as pages of changes. */
export class OktaReader {
  constructor(
    private readonly http: OktaHttp,
    private readonly appId: string | undefined,
  ) {}

  /** Every user (the default list hides DEPROVISIONED ones: they are searched for), group and membership. */
  async *full(signal?: AbortSignal): AsyncGenerator<Changes, void, undefined> {
    if (this.appId !== undefined) {
      yield* this.#fullForApp(this.appId, signal);
      return;
    }
    const groups: OktaGroup[] = [];
    yield* readAheadInOrder([...this.#allUsers((page) => page), (s) => this.#groups(groups, (page) => page, s)], {
      ...READ_AHEAD,
      signal,
    });
    yield* this.#membersOf(groups, signal);
  }

  /** What changed after `since` (less the overlap), with deletions from the System Log up to `until`. */
  async *changedSince(since: Date, until: Date, signal?: AbortSignal): AsyncGenerator<Changes, void, undefined> {
    const from = new Date(since.getTime() - OKTA_OVERLAP_MS).toISOString();
    const users = { search: `lastUpdated gt "${from}"`, limit: USERS_LIMIT };
    for await (const page of this.http.list('/api/v1/users', users, oktaUserSchema, REPORT, signal)) {
      yield userChanges(page);
    }
    const groupFilter = `lastUpdated gt "${from}" or lastMembershipUpdated gt "${from}"`;
    const changedGroups: OktaGroup[] = [];
    const groupQuery = { filter: groupFilter, limit: GROUPS_LIMIT };
    for await (const page of this.http.list('/api/v1/groups', groupQuery, oktaGroupSchema, REPORT, signal)) {
      changedGroups.push(...page.items);
      yield groupChanges(page);
    }
    yield* this.#membersOf(changedGroups, signal);
    const logs = {
      since: from,
      until: until.toISOString(),
      filter: `eventType eq "${OKTA_USER_DELETED_EVENT}" or eventType eq "${OKTA_GROUP_DELETED_EVENT}"`,
      limit: LOGS_LIMIT,
    };
    const options = { stopAtEmptyPage: true };
    for await (const page of this.http.list('/api/v1/logs', logs, oktaLogEventSchema, options, signal)) {
      yield page.items.flatMap(oktaLogEventToChanges);
    }
  }

  /** The app's users (direct and through groups) and assigned groups, with their real status and members. */
  async *#fullForApp(appId: string, signal?: AbortSignal): AsyncGenerator<Changes, void, undefined> {
    const app = `/api/v1/apps/${encodeURIComponent(appId)}`;
    const userIds = new Set<string>();
    const appOptions = { notFound: 'app' } as const;
    for await (const page of this.http.list(
      `${app}/users`,
      { limit: '500' },
      oktaAssignmentSchema,
      appOptions,
      signal,
    )) {
      for (const { id } of page.items) userIds.add(id);
    }
    const groupIds = new Set<string>();
    for await (const page of this.http.list(
      `${app}/groups`,
      { limit: '200' },
      oktaAssignmentSchema,
      appOptions,
      signal,
    )) {
      for (const { id } of page.items) groupIds.add(id);
    }
    // An app user's own status says only whether the assignment is active: the user objects carry the real one.
    // Listing the org's users costs one request per 200 users, whatever the size of the app.
    const groups: OktaGroup[] = [];
    yield* readAheadInOrder(
      [
        ...this.#allUsers((page) => assignedOnly(page, userIds)),
        (s) => this.#groups(groups, (page) => assignedOnly(page, groupIds), s),
      ],
      { ...READ_AHEAD, signal },
    );
    yield* this.#membersOf(groups, signal);
  }

  /** The org's users (the default list, then the DEPROVISIONED search), as sources of change pages. */
  #allUsers(select: (page: OktaPage<OktaUser>) => OktaPage<OktaUser>): PagedSource<Changes>[] {
    const queries = [{ limit: USERS_LIMIT }, { search: 'status eq "DEPROVISIONED"', limit: USERS_LIMIT }];
    return queries.map((query) => (signal) => this.#users(query, select, signal));
  }

  async *#users(
    query: Readonly<Record<string, string>>,
    select: (page: OktaPage<OktaUser>) => OktaPage<OktaUser>,
    signal: AbortSignal,
  ): AsyncGenerator<Changes, void, undefined> {
    for await (const page of this.http.list('/api/v1/users', query, oktaUserSchema, REPORT, signal)) {
      yield userChanges(select(page));
    }
  }

  /** The org's groups as change pages; those `select` keeps are collected in `into` for their members. */
  async *#groups(
    into: OktaGroup[],
    select: (page: OktaPage<OktaGroup>) => OktaPage<OktaGroup>,
    signal: AbortSignal,
  ): AsyncGenerator<Changes, void, undefined> {
    const query = { limit: GROUPS_LIMIT };
    for await (const page of this.http.list('/api/v1/groups', query, oktaGroupSchema, REPORT, signal)) {
      const selected = select(page);
      into.push(...selected.items);
      yield groupChanges(selected);
    }
  }

  /** The member pages of `groups`, several groups read at once, yielded group by group in the given order. */
  #membersOf(groups: readonly OktaGroup[], signal: AbortSignal | undefined): AsyncGenerator<Changes, void, undefined> {
    const sources = groups.map(
      (group): PagedSource<Changes> =>
        (s) =>
          this.#members(group.id, s),
    );
    return readAheadInOrder(sources, { ...READ_AHEAD, signal });
  }

  /**
   * `members.replace` per page of a group's members; nothing if the group vanished meanwhile (the log says so).
   * Only each member's id is read: a member whose user object is malformed is still a member (the user itself is
   * isolated where the users are read). A member entry without an id makes the list unknowable: the group is
   * isolated, its members stay as the mirror knew them.
   */
  async *#members(groupId: string, signal?: AbortSignal): AsyncGenerator<Changes, void, undefined> {
    const path = `/api/v1/groups/${encodeURIComponent(groupId)}/users`;
    let first = true;
    const options = { notFound: 'skip', ...REPORT } as const;
    for await (const page of this.http.list(path, { limit: MEMBERS_LIMIT }, oktaAssignmentSchema, options, signal)) {
      const invalid = page.invalid[0];
      if (invalid !== undefined) {
        const reason = `members: a member entry has no usable id (${invalid.reason}), so the member list is unknown`;
        yield [{ type: 'group.isolated', id: groupId, field: 'members', reason }];
        return;
      }
      // An empty first page still replaces: the group has no members.
      if (page.items.length > 0 || first) {
        yield [{ type: 'members.replace', groupId, memberIds: page.items.map((u) => u.id) }];
      }
      first = false;
    }
  }
}

function userChanges(page: OktaPage<OktaUser>): Changes {
  return [
    ...page.items.map((user): DirectoryChange => ({ type: 'user', user: oktaUserToModel(user) })),
    ...page.invalid.map((item) => oktaInvalidItemToChange('user', item)),
  ];
}

function groupChanges(page: OktaPage<OktaGroup>): Changes {
  return [
    ...page.items.map((group): DirectoryChange => ({ type: 'group', group: oktaGroupToModel(group) })),
    ...page.invalid.map((item) => oktaInvalidItemToChange('group', item)),
  ];
}

/** The objects of a page assigned to the app; a malformed one without an id may be one of them (it is counted). */
function assignedOnly<T extends { readonly id: string }>(
  page: OktaPage<T>,
  assigned: ReadonlySet<string>,
): OktaPage<T> {
  return {
    items: page.items.filter((item) => assigned.has(item.id)),
    invalid: page.invalid.filter((item) => item.id === undefined || assigned.has(item.id)),
  };
}
