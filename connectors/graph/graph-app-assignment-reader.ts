import type { DirectoryChange } from '../../src/core/model/directory-change.js';
import { ConnectorError } from '../connector-error.js';
import type { GraphConfig } from './graph-config.js';
import { APP_ASSIGNMENTS_PERMISSION, graphStatusOf } from './graph-failure.js';
import type { GraphHttp } from './graph-http.js';
import { graphListPages } from './graph-list-pages.js';
import { graphReadFailure } from './graph-read-failure.js';
import type { GraphSelection } from './graph-selection.js';
import { graphGroupChange, graphInvalidEntryChange, graphUserChange, isCompleteGraphUser } from './graph-to-model.js';
import {
  GROUP_PROPERTIES,
  graphAppRoleAssignmentSchema,
  graphGroupEntrySchema,
  graphMemberEntrySchema,
  graphUserEntrySchema,
} from './graph-wire.js';

/**
 * Most ids in one `$filter=id in (…)`: Graph limits an `in` clause to 15 expressions by default
 * (filter-query-parameter, "Operators"), so 100 assigned users cost 7 requests instead of 100 `GET /users/{id}`.
 */
export const GRAPH_IDS_PER_FILTER = 15;

export interface GraphAppAssignmentReaderOptions {
  readonly http: GraphHttp;
  readonly config: GraphConfig;
  /** GRAPH_SERVICE_PRINCIPAL_ID: the enterprise application's Object ID. */
  readonly servicePrincipalId: string;
  readonly selection: GraphSelection;
  /** `$top` of the assignment and member lists (Graph's largest is 999). */
  readonly pageSize: number;
}

interface Assigned {
  readonly users: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
}

/**
 * The directory of one enterprise application (DESIGN "Policy → Users in scope"): what
 * `GET /servicePrincipals/{id}/appRoleAssignedTo` assigns. An assigned group is read with its direct members, and
 * its user members are in scope: "all direct members of the group are considered assigned"
 * (group-post-approleassignments). Entra does not cascade an assignment to nested groups, so a nested group's id
 * stands among the members (the policy may flatten it) but neither it nor its users are read. A user reached through
 * several assignments is reported once. Service principals assigned to the app are no directory users: left out.
 *
 * Delta queries cannot be scoped to an application, so every read is a full one: what it does not report, the mirror
 * removes.
 */
export class GraphAppAssignmentReader {
  readonly #options: GraphAppAssignmentReaderOptions;

  constructor(options: GraphAppAssignmentReaderOptions) {
    this.#options = options;
  }

  async *read(signal?: AbortSignal): AsyncGenerator<DirectoryChange[], void, undefined> {
    const assigned = await this.#assignments(signal);
    const read = new Set<string>();
    for (const batch of batches([...assigned.groups])) {
      const { changes, found } = await this.#groups(batch, signal);
      yield changes;
      for (const groupId of found) yield* this.#members(groupId, read, signal);
    }
    const direct = [...assigned.users].filter((id) => !read.has(id));
    for (const batch of batches(direct)) yield await this.#users(batch, signal);
  }

  async #assignments(signal: AbortSignal | undefined): Promise<Assigned> {
    const { servicePrincipalId, pageSize } = this.#options;
    const path = `/servicePrincipals/${encodeURIComponent(servicePrincipalId)}/appRoleAssignedTo`;
    const what = 'servicePrincipals/{id}/appRoleAssignedTo';
    const users = new Set<string>();
    const groups = new Set<string>();
    try {
      for await (const page of this.#list(`${path}?$top=${pageSize}`, what, signal)) {
        for (const value of page) {
          const assignment = graphAppRoleAssignmentSchema.safeParse(value);
          if (!assignment.success) {
            // Who is assigned decides who is deactivated: no read goes on from a list dirsync cannot read whole.
            throw new ConnectorError(
              'bad_response',
              `Microsoft Graph ${what} of GRAPH_SERVICE_PRINCIPAL_ID=${servicePrincipalId} answered an assignment ` +
                'without a usable principalId or principalType, so who is assigned is unknown: the read stops',
              { cause: assignment.error },
            );
          }
          const { principalId, principalType } = assignment.data;
          if (principalType.toLowerCase() === 'user') users.add(principalId);
          else if (principalType.toLowerCase() === 'group') groups.add(principalId);
        }
      }
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      if (graphStatusOf(error) === 404) {
        throw new ConnectorError(
          'config',
          `GRAPH_SERVICE_PRINCIPAL_ID=${servicePrincipalId} is not a service principal in tenant ` +
            `${this.#options.config.tenantId}: set it to the enterprise application's Object ID (Entra admin center → ` +
            'Enterprise applications → the app → Overview → Object ID), not its Application (client) ID',
          { cause: error },
        );
      }
      throw await graphReadFailure(error, this.#options.config, what, [APP_ASSIGNMENTS_PERMISSION]);
    }
    return { users, groups };
  }

  /** The assigned groups of one batch that still exist, as changes (a malformed one isolated), and their ids. */
  async #groups(
    ids: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<{ changes: DirectoryChange[]; found: string[] }> {
    const url = `/groups?$filter=${idFilter(ids)}&$select=id,${GROUP_PROPERTIES.join(',')}`;
    const changes: DirectoryChange[] = [];
    const found: string[] = [];
    for (const value of await this.#all(url, 'groups', signal)) {
      const parsed = graphGroupEntrySchema.safeParse(value);
      if (!parsed.success) {
        const change = graphInvalidEntryChange('group', value, parsed.error);
        changes.push(change);
        if (change.type === 'group.isolated') found.push(change.id);
        continue;
      }
      const entry = parsed.data;
      found.push(entry.id);
      if (typeof entry.displayName === 'string') {
        changes.push(graphGroupChange({ ...entry, displayName: entry.displayName }));
      } else {
        changes.push({ type: 'group.isolated', id: entry.id, field: 'displayName', reason: 'displayName: absent' });
      }
    }
    return { changes, found };
  }

  /**
   * The group's direct members, by OData cast: its users, whole (`members/microsoft.graph.user` with the user
   * `$select`, so a member costs no request of its own) and reported unless `read` has them already, then its nested
   * groups by id. `members.replace` per page (an empty first page still replaces). Nothing when the group vanished
   * meanwhile.
   */
  async *#members(
    groupId: string,
    read: Set<string>,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<DirectoryChange[], void, undefined> {
    const { pageSize, selection } = this.#options;
    const base = `/groups/${encodeURIComponent(groupId)}/members`;
    const what = 'groups/{id}/members';
    let first = true;
    try {
      const users = `${base}/microsoft.graph.user?$select=${selection.user.join(',')}&$top=${pageSize}`;
      for await (const page of this.#list(users, what, signal)) {
        const changes: DirectoryChange[] = [];
        const memberIds = page.map((value) => memberId(value, groupId));
        for (const [index, id] of memberIds.entries()) {
          if (read.has(id)) continue;
          read.add(id);
          changes.push(this.#userChange(page[index]));
        }
        if (memberIds.length > 0 || first) changes.push({ type: 'members.replace', groupId, memberIds });
        first = false;
        yield changes;
      }
      for await (const page of this.#list(`${base}/microsoft.graph.group?$select=id&$top=${pageSize}`, what, signal)) {
        const memberIds = page.map((value) => memberId(value, groupId));
        if (memberIds.length > 0) yield [{ type: 'members.replace', groupId, memberIds }];
      }
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      if (graphStatusOf(error) === 404) return;
      throw await graphReadFailure(error, this.#options.config, what);
    }
  }

  /** The directly assigned users of one batch that still exist (and were not read as group members). */
  async #users(ids: readonly string[], signal: AbortSignal | undefined): Promise<DirectoryChange[]> {
    const url = `/users?$filter=${idFilter(ids)}&$select=${this.#options.selection.user.join(',')}`;
    return (await this.#all(url, 'users', signal)).map((value) => this.#userChange(value));
  }

  /** A user Graph answered whole, with its attributes; isolated when malformed, or when a selected property is absent. */
  #userChange(value: unknown): DirectoryChange {
    const select = this.#options.selection.user;
    const parsed = graphUserEntrySchema.safeParse(value);
    if (!parsed.success) return graphInvalidEntryChange('user', value, parsed.error);
    const entry = parsed.data;
    if (entry['@removed'] === undefined && isCompleteGraphUser(entry, select, 'full')) {
      return graphUserChange(entry, select);
    }
    const missing = select.find((name) => !Object.hasOwn(entry, name)) ?? '@removed';
    return { type: 'user.isolated', id: entry.id, field: missing, reason: `${missing}: absent` };
  }

  async #all(url: string, what: string, signal: AbortSignal | undefined): Promise<unknown[]> {
    const values: unknown[] = [];
    try {
      for await (const page of this.#list(url, what, signal)) values.push(...page);
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      throw await graphReadFailure(error, this.#options.config, what);
    }
    return values;
  }

  #list(url: string, what: string, signal: AbortSignal | undefined): AsyncGenerator<readonly unknown[], void> {
    const { http, config } = this.#options;
    return graphListPages(http, url, { what, graphBaseUrl: config.graphBaseUrl, ...(signal ? { signal } : {}) });
  }
}

/**
 * The id of a member entry. The members of an assigned group are who is in scope: an entry without a usable id makes
 * that unknowable, and the read stops.
 */
function memberId(value: unknown, groupId: string): string {
  const member = graphMemberEntrySchema.safeParse(value);
  if (member.success) return member.data.id;
  throw new ConnectorError(
    'bad_response',
    `Microsoft Graph groups/{id}/members of assigned group ${groupId} answered a member without a usable id, so who ` +
      'is in scope is unknown: the read stops',
    { cause: member.error },
  );
}

/** `id in ('a','b')`, URL-encoded; a quote inside an id is doubled, as OData string literals escape it. */
function idFilter(ids: readonly string[]): string {
  const literals = ids.map((id) => `'${id.replaceAll("'", "''")}'`);
  return encodeURIComponent(`id in (${literals.join(',')})`);
}

function batches(ids: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let start = 0; start < ids.length; start += GRAPH_IDS_PER_FILTER) {
    out.push(ids.slice(start, start + GRAPH_IDS_PER_FILTER));
  }
  return out;
}
