import type { GraphAccessTokenSigner } from './graph-access-token.js';
import type { GraphDeltaEngine } from './graph-delta-engine.js';
import type { GraphDirectoryStore } from './graph-directory-store.js';
import { GraphError } from './graph-error.js';
import type { JsonObject } from './graph-json.js';
import { decodeListSkipToken, encodeListSkipToken, pageSizeOf } from './graph-paging.js';
import type { GraphListState } from './graph-paging.js';
import type { GraphServicePrincipalStore } from './graph-service-principals.js';

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
  readonly servicePrincipals: GraphServicePrincipalStore;
  readonly delta: GraphDeltaEngine;
  readonly signer: GraphAccessTokenSigner;
  /** `https://127.0.0.1:PORT/v1.0`: the base of `@odata.nextLink` and `@odata.deltaLink`. */
  readonly baseUrl: string;
  readonly now: () => Date;
  readonly listPageSize: number;
  readonly deltaPageSize: number;
}

/**
 * Where a plain list request stands: the state its `$skiptoken` carries, or a first page as its query asks (`$top`,
 * else the emulator's list page size).
 */
export function listStateOf(
  context: GraphRouteContext,
  request: GraphRouteRequest,
  first: () => Pick<GraphListState, 'select' | 'ids'>,
): GraphListState {
  const skip = request.query.get('$skiptoken');
  if (skip === null) {
    const size = pageSizeOf(undefined, request.query.get('$top'), context.listPageSize).size;
    return { offset: 0, size, ...first() };
  }
  const state = decodeListSkipToken(skip);
  if (state === undefined) throw new GraphError(400, 'Request_BadRequest', 'Invalid $skiptoken.');
  return state;
}

/** One page of `items` (the whole list, projected) with an `@odata.nextLink` to `path` when more follow. */
export function listAnswer(
  context: GraphRouteContext,
  state: GraphListState,
  items: readonly JsonObject[],
  path: string,
  odataContext: string,
): GraphRouteResponse {
  const value = items.slice(state.offset, state.offset + state.size);
  const body: JsonObject = { '@odata.context': odataContext, value };
  if (state.offset + state.size < items.length) {
    const token = encodeListSkipToken({ ...state, offset: state.offset + state.size });
    body['@odata.nextLink'] = `${context.baseUrl}${path}?$skiptoken=${token}`;
  }
  return { status: 200, body, headers: {} };
}

export function contextUrl(context: GraphRouteContext, collection: string, select: readonly string[] | null): string {
  return `${context.baseUrl}/$metadata#${collection}${select === null ? '' : `(${select.join(',')})`}`;
}

/** Graph's 404 for an id that names no object. */
export function notFound(id: string): GraphError {
  return new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}
