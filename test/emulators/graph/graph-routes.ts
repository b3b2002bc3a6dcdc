import { DEFAULT_GROUP_SELECT, DEFAULT_USER_SELECT, GROUP_PROPERTIES } from './graph-directory-objects.js';
import type { GraphDirectoryStore } from './graph-directory-store.js';
import type { GraphAccessTokenSigner } from './graph-access-token.js';
import type { GraphDeltaEngine, GraphDeltaPage, GraphDeltaResource } from './graph-delta-engine.js';
import { GraphError } from './graph-error.js';
import type { JsonObject } from './graph-json.js';
import { decodeListSkipToken, encodeListSkipToken, pageSizeOf } from './graph-paging.js';
import { GraphSelectError, parseSelect, projectObject } from './graph-select.js';

export interface GraphRouteRequest {
  readonly method: string;
  /** Path under `/v1.0`, e.g. `/users/delta`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly prefer: string | undefined;
  readonly authorization: string | undefined;
}

export interface GraphRouteResponse {
  readonly status: number;
  readonly body: JsonObject;
  readonly headers: Readonly<Record<string, string>>;
}

export interface GraphRouteContext {
  readonly store: GraphDirectoryStore;
  readonly delta: GraphDeltaEngine;
  readonly signer: GraphAccessTokenSigner;
  /** `https://127.0.0.1:PORT/v1.0`: the base of `@odata.nextLink` and `@odata.deltaLink`. */
  readonly baseUrl: string;
  readonly now: () => Date;
  readonly listPageSize: number;
  readonly deltaPageSize: number;
}

/** Application permissions that allow reading each resource (https://learn.microsoft.com/graph/permissions-reference). */
const READ_ROLES: Readonly<Record<'users' | 'groups', readonly string[]>> = {
  users: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  groups: [
    'GroupMember.Read.All',
    'Group.Read.All',
    'Group.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
};

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
  if (collection !== 'users' && collection !== 'groups') {
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${collection ?? ''}'.`);
  }
  if (request.method !== 'GET') {
    throw new GraphError(405, 'Request_BadRequest', `The emulator only serves GET on /${collection}.`);
  }
  authorize(context, request, collection);
  try {
    if (second === undefined) return list(context, request, collection);
    if (DELTA_SEGMENTS.has(second.toLowerCase()) && third === undefined) return delta(context, request, collection);
    if (third === undefined) return single(context, request, collection, second);
    if (collection === 'groups' && third === 'members' && rest.length === 0) return members(context, request, second);
  } catch (error) {
    if (error instanceof GraphSelectError) throw new GraphError(400, 'Request_BadRequest', error.message);
    throw error;
  }
  throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${third}'.`);
}

function authorize(context: GraphRouteContext, request: GraphRouteRequest, collection: 'users' | 'groups'): void {
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

function list(
  context: GraphRouteContext,
  request: GraphRouteRequest,
  collection: 'users' | 'groups',
): GraphRouteResponse {
  const kind = collection === 'users' ? 'user' : 'group';
  const skip = request.query.get('$skiptoken');
  const state =
    skip === null
      ? {
          offset: 0,
          select: parseSelect(request.query.get('$select'), kind),
          size: pageSizeOf(undefined, request.query.get('$top'), context.listPageSize).size,
        }
      : decodeListSkipToken(skip);
  if (state === undefined) throw new GraphError(400, 'Request_BadRequest', 'Invalid $skiptoken.');
  const records = collection === 'users' ? context.store.users() : context.store.groups();
  const properties = state.select ?? (collection === 'users' ? DEFAULT_USER_SELECT : DEFAULT_GROUP_SELECT);
  const value = records
    .slice(state.offset, state.offset + state.size)
    .map((record) => projectObject(record, properties));
  const body: JsonObject = { '@odata.context': contextUrl(context, collection, state.select), value };
  if (state.offset + state.size < records.length) {
    const token = encodeListSkipToken(state.offset + state.size, state.select, state.size);
    body['@odata.nextLink'] = `${context.baseUrl}/${collection}?$skiptoken=${token}`;
  }
  return { status: 200, body, headers: {} };
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

function members(context: GraphRouteContext, request: GraphRouteRequest, groupId: string): GraphRouteResponse {
  const refs = context.store.members(groupId);
  if (refs === undefined) throw notFound(groupId);
  const select = parseSelect(request.query.get('$select'), 'user', GROUP_PROPERTIES);
  const skip = request.query.get('$skiptoken');
  const size = pageSizeOf(undefined, request.query.get('$top'), context.listPageSize).size;
  const state = skip === null ? { offset: 0, select, size } : decodeListSkipToken(skip);
  if (state === undefined) throw new GraphError(400, 'Request_BadRequest', 'Invalid $skiptoken.');
  const value: JsonObject[] = [];
  for (const ref of refs.slice(state.offset, state.offset + state.size)) {
    const record = ref.type === 'user' ? context.store.user(ref.id) : context.store.group(ref.id);
    if (record === undefined) continue;
    const properties = state.select ?? (ref.type === 'user' ? DEFAULT_USER_SELECT : DEFAULT_GROUP_SELECT);
    value.push({ '@odata.type': `#microsoft.graph.${ref.type}`, ...projectObject(record, properties) });
  }
  const body: JsonObject = { '@odata.context': `${context.baseUrl}/$metadata#directoryObjects`, value };
  if (state.offset + state.size < refs.length) {
    const token = encodeListSkipToken(state.offset + state.size, state.select, state.size);
    body['@odata.nextLink'] = `${context.baseUrl}/groups/${groupId}/members?$skiptoken=${token}`;
  }
  return { status: 200, body, headers: {} };
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

function contextUrl(context: GraphRouteContext, collection: string, select: readonly string[] | null): string {
  return `${context.baseUrl}/$metadata#${collection}${select === null ? '' : `(${select.join(',')})`}`;
}

function notFound(id: string): GraphError {
  return new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}
