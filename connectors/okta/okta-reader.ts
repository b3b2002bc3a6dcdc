import type { DirectoryChange } from '../../src/core/model/directory-change.js';
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
    for await (const page of this.#allUsers(signal)) yield userChanges(page);
    const groups: OktaGroup[] = [];
    for await (const page of this.http.list(
      '/api/v1/groups',
      { limit: GROUPS_LIMIT },
      oktaGroupSchema,
      REPORT,
      signal,
    )) {
      groups.push(...page.items);
      yield groupChanges(page);
    }
    for (const group of groups) yield* this.#members(group.id, signal);
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
    for (const group of changedGroups) yield* this.#members(group.id, signal);
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
    for await (const page of this.#allUsers(signal)) yield userChanges(assignedOnly(page, userIds));
    const groups: OktaGroup[] = [];
    for await (const page of this.http.list(
      '/api/v1/groups',
      { limit: GROUPS_LIMIT },
      oktaGroupSchema,
      REPORT,
      signal,
    )) {
      const assigned = assignedOnly(page, groupIds);
      groups.push(...assigned.items);
      yield groupChanges(assigned);
    }
    for (const group of groups) yield* this.#members(group.id, signal);
  }

  async *#allUsers(signal?: AbortSignal): AsyncGenerator<OktaPage<OktaUser>, void, undefined> {
    const queries = [{ limit: USERS_LIMIT }, { search: 'status eq "DEPROVISIONED"', limit: USERS_LIMIT }];
    for (const query of queries) yield* this.http.list('/api/v1/users', query, oktaUserSchema, REPORT, signal);
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
