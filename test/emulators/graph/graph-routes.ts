import { DEFAULT_GROUP_SELECT, DEFAULT_USER_SELECT } from './graph-directory-objects.js';
import { appRoleAssignedToRoute } from './graph-app-role-routes.js';
import type { GraphDeltaPage, GraphDeltaResource } from './graph-delta-engine.js';
import { GraphError } from './graph-error.js';
import type { JsonObject } from './graph-json.js';
import { listRoute, membersRoute } from './graph-list-routes.js';
import type { GraphMemberCast } from './graph-list-routes.js';
import { pageSizeOf } from './graph-paging.js';
import { contextUrl, notFound } from './graph-route-context.js';
import type { GraphRouteContext, GraphRouteRequest, GraphRouteResponse } from './graph-route-context.js';
import { GraphSelectError, parseSelect, projectObject } from './graph-select.js';

/** Application permissions that allow reading each resource (https://learn.microsoft.com/graph/permissions-reference). */
const READ_ROLES: Readonly<Record<Collection, readonly string[]>> = {
  users: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  servicePrincipals: [
    'Application.Read.All',
    'Application.ReadWrite.All',
    'Application.ReadWrite.OwnedBy',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  groups: [
    'GroupMember.Read.All',
    'Group.Read.All',
    'Group.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
};

type Collection = 'users' | 'groups' | 'servicePrincipals';

/** Audiences Graph accepts: its app id URI, its app id, and this emulator's own origin. */
const GRAPH_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];

const DELTA_SEGMENTS = new Set(['delta', 'delta()', 'microsoft.graph.delta', 'microsoft.graph.delta()']);

/** Answers one Graph v1.0 request, or throws a `GraphError`. */
export function routeGraphRequest(context: GraphRouteContext, request: GraphRouteRequest): GraphRouteResponse {
  const segments = request.path
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeURIComponent);
  const [collection, second, third, ...rest] = segments;
  if (collection !== 'users' && collection !== 'groups' && collection !== 'servicePrincipals') {
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${collection ?? ''}'.`);
  }
  if (request.method !== 'GET') {
    throw new GraphError(405, 'Request_BadRequest', `The emulator only serves GET on /${collection}.`);
  }
  authorize(context, request, collection);
  try {
    if (collection === 'servicePrincipals') {
      if (second !== undefined && third === 'appRoleAssignedTo' && rest.length === 0) {
        return appRoleAssignedToRoute(context, request, second);
      }
      throw new GraphError(400, 'BadRequest', `The emulator serves /servicePrincipals/{id}/appRoleAssignedTo only.`);
    }
    if (second === undefined) return listRoute(context, request, collection);
    if (DELTA_SEGMENTS.has(second.toLowerCase()) && third === undefined) return delta(context, request, collection);
    if (third === undefined) return single(context, request, collection, second);
    if (collection === 'groups' && (third === 'members' || third === 'transitiveMembers') && rest.length <= 1) {
      return membersRoute(context, request, second, third, memberCast(rest[0]));
    }
  } catch (error) {
    if (error instanceof GraphSelectError) throw new GraphError(400, 'Request_BadRequest', error.message);
    throw error;
  }
  throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${third}'.`);
}

function authorize(context: GraphRouteContext, request: GraphRouteRequest, collection: Collection): void {
  const match = /^Bearer\s+(\S+)$/i.exec(request.authorization ?? '');
  if (match === null) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
  const claims = context.signer.verify(match[1]!);
  if (claims === undefined) {
    throw new GraphError(401, 'InvalidAuthenticationToken', 'IDX14100: JWT is not well formed, there are no dots (.).');
  }
  const origin = new URL(context.baseUrl).origin;
  if (!GRAPH_AUDIENCES.includes(claims.aud) && claims.aud !== origin) {
    throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
  }
  if (claims.exp * 1000 <= context.now().getTime()) {
    throw new GraphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
  }
  if (!claims.roles.some((role) => READ_ROLES[collection].includes(role))) {
    throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
}

function single(
  context: GraphRouteContext,
  request: GraphRouteRequest,
  collection: 'users' | 'groups',
  key: string,
): GraphRouteResponse {
  const record =
    collection === 'users'
      ? (context.store.user(key) ??
        context.store.users().find((user) => user.userPrincipalName.toLowerCase() === key.toLowerCase()))
      : context.store.group(key);
  if (record === undefined) throw notFound(key);
  const select = parseSelect(request.query.get('$select'), collection === 'users' ? 'user' : 'group');
  const properties = select ?? (collection === 'users' ? DEFAULT_USER_SELECT : DEFAULT_GROUP_SELECT);
  const body: JsonObject = { '@odata.context': `${contextUrl(context, collection, select)}/$entity` };
  return { status: 200, body: { ...body, ...projectObject(record, properties) }, headers: {} };
}

function delta(
  context: GraphRouteContext,
  request: GraphRouteRequest,
  resource: GraphDeltaResource,
): GraphRouteResponse {
  const size = pageSizeOf(request.prefer, null, context.deltaPageSize);
  const deltaToken = request.query.get('$deltatoken');
  const skipToken = request.query.get('$skiptoken');
  let page: GraphDeltaPage | undefined;
  if (deltaToken === 'latest') {
    // "Sync from now" for directory objects: https://learn.microsoft.com/graph/delta-query-overview
    page = context.delta.latest(resource, parseDeltaSelect(request, resource));
  } else if (deltaToken !== null || skipToken !== null) {
    page = context.delta.resume(resource, (deltaToken ?? skipToken)!, size.size);
  } else {
    page = context.delta.start(resource, parseDeltaSelect(request, resource), size.size);
  }
  if (page === undefined) {
    // Synchronization reset (https://learn.microsoft.com/graph/delta-query-overview#synchronization-reset):
    // 410 Gone, with a Location the client may follow to start a full round again.
    throw new GraphError(
      410,
      'syncStateNotFound',
      'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
      { location: `${context.baseUrl}/${resource}/delta` },
    );
  }
  const link = `${context.baseUrl}/${resource}/delta`;
  const body: JsonObject = { '@odata.context': contextUrl(context, resource, page.select), value: page.value };
  if (page.skipToken !== undefined) body['@odata.nextLink'] = `${link}?$skiptoken=${page.skipToken}`;
  if (page.deltaToken !== undefined) body['@odata.deltaLink'] = `${link}?$deltatoken=${page.deltaToken}`;
  const headers: Record<string, string> = {};
  if (size.preferenceApplied !== undefined) headers['preference-applied'] = size.preferenceApplied;
  return { status: 200, body, headers };
}

function parseDeltaSelect(request: GraphRouteRequest, resource: GraphDeltaResource): string[] | null {
  return resource === 'users'
    ? parseSelect(request.query.get('$select'), 'user')
    : parseSelect(request.query.get('$select'), 'group', ['members']);
}

/** The OData cast segment of a member list (`microsoft.graph.user`), if any; Graph refuses a type groups cannot hold. */
function memberCast(segment: string | undefined): GraphMemberCast {
  if (segment === undefined) return undefined;
  const type = segment.toLowerCase();
  if (type === 'microsoft.graph.user') return 'user';
  if (type === 'microsoft.graph.group') return 'group';
  throw new GraphError(
    400,
    'Request_UnsupportedQuery',
    `The emulator casts members to microsoft.graph.user or group only.`,
  );
}
