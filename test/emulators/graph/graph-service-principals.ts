import { randomUUID } from 'node:crypto';
import type { GraphDirectoryStore } from './graph-directory-store.js';
import type { JsonObject } from './graph-json.js';

/** An enterprise application's service principal, limited to what its assignments show. */
export interface GraphServicePrincipalRecord {
  /** The Object ID: what `GRAPH_SERVICE_PRINCIPAL_ID` names. */
  readonly id: string;
  /** The application (client) id, which is not the Object ID. */
  readonly appId: string;
  readonly displayName: string;
}

/** The app role an assignment without a specific role holds ("default access"), per appRoleAssignment. */
export const DEFAULT_APP_ROLE_ID = '00000000-0000-0000-0000-000000000000';

/** The properties of an `appRoleAssignment` (https://learn.microsoft.com/graph/api/resources/approleassignment). */
export const APP_ROLE_ASSIGNMENT_PROPERTIES = [
  'id',
  'deletedDateTime',
  'appRoleId',
  'createdDateTime',
  'principalDisplayName',
  'principalId',
  'principalType',
  'resourceDisplayName',
  'resourceId',
] as const;

interface Assignment {
  readonly id: string;
  readonly principalId: string;
  readonly appRoleId: string;
  readonly createdDateTime: string;
}

/**
 * Enterprise applications and who is assigned to them: what `GET /servicePrincipals/{id}/appRoleAssignedTo` lists.
 * A test creates a service principal, then assigns users, groups or other service principals to it. Assignments of
 * principals deleted since are not listed (Entra removes them with the principal).
 */
export class GraphServicePrincipalStore {
  readonly #directory: GraphDirectoryStore;
  readonly #now: () => Date;
  readonly #principals = new Map<string, GraphServicePrincipalRecord>();
  readonly #assignments = new Map<string, Assignment[]>();

  constructor(directory: GraphDirectoryStore, now: () => Date) {
    this.#directory = directory;
    this.#now = now;
  }

  create(seed: {
    readonly displayName: string;
    readonly id?: string;
    readonly appId?: string;
  }): GraphServicePrincipalRecord {
    const record = { id: seed.id ?? randomUUID(), appId: seed.appId ?? randomUUID(), displayName: seed.displayName };
    if (this.#principals.has(record.id)) throw new Error(`service principal ${record.id} exists`);
    this.#principals.set(record.id, record);
    this.#assignments.set(record.id, []);
    return record;
  }

  get(id: string): GraphServicePrincipalRecord | undefined {
    return this.#principals.get(id);
  }

  /**
   * Assigns a user, a group or a service principal to the application, with `appRoleId` (default: the default
   * access role). The same principal may hold several roles: one assignment each.
   */
  assign(servicePrincipalId: string, principalId: string, appRoleId = DEFAULT_APP_ROLE_ID): void {
    const assignments = this.#assignments.get(servicePrincipalId);
    if (assignments === undefined) throw new Error(`no service principal ${servicePrincipalId}`);
    if (this.#principal(principalId) === undefined)
      throw new Error(`no live user, group or service principal ${principalId}`);
    if (assignments.some((a) => a.principalId === principalId && a.appRoleId === appRoleId)) return;
    // Graph's assignment ids are opaque base64url strings.
    const id = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
    assignments.push({ id, principalId, appRoleId, createdDateTime: this.#now().toISOString() });
  }

  /** Removes every assignment of the principal to the application. */
  unassign(servicePrincipalId: string, principalId: string): void {
    const assignments = this.#assignments.get(servicePrincipalId);
    if (assignments === undefined) throw new Error(`no service principal ${servicePrincipalId}`);
    const kept = assignments.filter((a) => a.principalId !== principalId);
    if (kept.length === assignments.length) throw new Error(`${principalId} is not assigned to ${servicePrincipalId}`);
    this.#assignments.set(servicePrincipalId, kept);
  }

  /** The application's assignments as Graph shows them, oldest first; undefined for an unknown service principal. */
  assignedTo(servicePrincipalId: string): JsonObject[] | undefined {
    const resource = this.#principals.get(servicePrincipalId);
    const assignments = this.#assignments.get(servicePrincipalId);
    if (resource === undefined || assignments === undefined) return undefined;
    const out: JsonObject[] = [];
    for (const assignment of assignments) {
      const principal = this.#principal(assignment.principalId);
      if (principal === undefined) continue;
      out.push({
        id: assignment.id,
        deletedDateTime: null,
        appRoleId: assignment.appRoleId,
        createdDateTime: assignment.createdDateTime,
        principalDisplayName: principal.displayName,
        principalId: assignment.principalId,
        principalType: principal.type,
        resourceDisplayName: resource.displayName,
        resourceId: resource.id,
      });
    }
    return out;
  }

  #principal(id: string): { type: 'User' | 'Group' | 'ServicePrincipal'; displayName: string | null } | undefined {
    const user = this.#directory.user(id);
    if (user !== undefined) return { type: 'User', displayName: user.displayName };
    const group = this.#directory.group(id);
    if (group !== undefined) return { type: 'Group', displayName: group.displayName };
    const principal = this.#principals.get(id);
    return principal === undefined ? undefined : { type: 'ServicePrincipal', displayName: principal.displayName };
  }
}
