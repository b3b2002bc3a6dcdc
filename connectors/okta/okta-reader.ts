import type { DirectoryChange } from '../../src/core/model/directory-change.js';
import type { OktaHttp } from './okta-http.js';
import {
  OKTA_GROUP_DELETED_EVENT,
  OKTA_USER_DELETED_EVENT,
  oktaGroupToModel,
  oktaLogEventToChanges,
  oktaUserToModel,
} from './okta-to-model.js';
import {
  oktaAssignmentSchema,
  oktaGroupSchema,
  oktaLogEventSchema,
  oktaUserSchema,
  type OktaGroup,
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
    for await (const users of this.#allUsers(signal)) yield users.map((user) => ({ type: 'user', user }));
    const groups: OktaGroup[] = [];
    for await (const page of this.http.list('/api/v1/groups', { limit: GROUPS_LIMIT }, oktaGroupSchema, {}, signal)) {
      groups.push(...page);
      yield page.map((group) => ({ type: 'group', group: oktaGroupToModel(group) }));
    }
    for (const group of groups) yield* this.#members(group.id, signal);
  }

  /** What changed after `since` (less the overlap), with deletions from the System Log up to `until`. */
  async *changedSince(since: Date, until: Date, signal?: AbortSignal): AsyncGenerator<Changes, void, undefined> {
    const from = new Date(since.getTime() - OKTA_OVERLAP_MS).toISOString();
    const users = { search: `lastUpdated gt "${from}"`, limit: USERS_LIMIT };
    for await (const page of this.http.list('/api/v1/users', users, oktaUserSchema, {}, signal)) {
      yield page.map((user) => ({ type: 'user', user: oktaUserToModel(user) }));
    }
    const groupFilter = `lastUpdated gt "${from}" or lastMembershipUpdated gt "${from}"`;
    const changedGroups: OktaGroup[] = [];
    const groupQuery = { filter: groupFilter, limit: GROUPS_LIMIT };
    for await (const page of this.http.list('/api/v1/groups', groupQuery, oktaGroupSchema, {}, signal)) {
      changedGroups.push(...page);
      yield page.map((group) => ({ type: 'group', group: oktaGroupToModel(group) }));
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
      yield page.flatMap(oktaLogEventToChanges);
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
      for (const { id } of page) userIds.add(id);
    }
    const groupIds = new Set<string>();
    for await (const page of this.http.list(
      `${app}/groups`,
      { limit: '200' },
      oktaAssignmentSchema,
      appOptions,
      signal,
    )) {
      for (const { id } of page) groupIds.add(id);
    }
    // An app user's own status says only whether the assignment is active: the user objects carry the real one.
    // Listing the org's users costs one request per 200 users, whatever the size of the app.
    for await (const users of this.#allUsers(signal)) {
      yield users.filter((user) => userIds.has(user.id)).map((user) => ({ type: 'user', user }));
    }
    const groups: OktaGroup[] = [];
    for await (const page of this.http.list('/api/v1/groups', { limit: GROUPS_LIMIT }, oktaGroupSchema, {}, signal)) {
      const assigned = page.filter((group) => groupIds.has(group.id));
      groups.push(...assigned);
      yield assigned.map((group) => ({ type: 'group', group: oktaGroupToModel(group) }));
    }
    for (const group of groups) yield* this.#members(group.id, signal);
  }

  async *#allUsers(signal?: AbortSignal) {
    const queries = [{ limit: USERS_LIMIT }, { search: 'status eq "DEPROVISIONED"', limit: USERS_LIMIT }];
    for (const query of queries) {
      for await (const page of this.http.list('/api/v1/users', query, oktaUserSchema, {}, signal)) {
        yield page.map(oktaUserToModel);
      }
    }
  }

  /** `members.replace` per page of a group's members; nothing if the group vanished meanwhile (the log says so). */
  async *#members(groupId: string, signal?: AbortSignal): AsyncGenerator<Changes, void, undefined> {
    const path = `/api/v1/groups/${encodeURIComponent(groupId)}/users`;
    let first = true;
    const options = { notFound: 'skip' } as const;
    for await (const page of this.http.list(path, { limit: MEMBERS_LIMIT }, oktaUserSchema, options, signal)) {
      // An empty first page still replaces: the group has no members.
      if (page.length > 0 || first) yield [{ type: 'members.replace', groupId, memberIds: page.map((u) => u.id) }];
      first = false;
    }
  }
}
