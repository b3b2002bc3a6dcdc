import { compileScimFilter } from './compile-scim-filter.js';
import type { ScimPredicate } from './compile-scim-filter.js';
import { GROUP_SCHEMA, USER_SCHEMA } from './scim-core-schemas.js';
import { ScimError } from './scim-error.js';
import { parseScimFilter } from './scim-filter.js';
import type { ScimFilter } from './scim-filter.js';
import { isJsonObject } from './scim-json.js';
import type { JsonObject, JsonValue } from './scim-json.js';
import {
  checkDovetailFilter,
  checkDovetailPatch,
  checkDovetailUser,
  DOVETAIL_USER_SCHEMA,
} from './scim-dovetail-rules.js';
import { checkLimitedFilter, checkLimitedPatch } from './scim-limited-rules.js';
import { parseScimPatchRequest } from './scim-patch-request.js';
import type { ScimHttpMethod } from './scim-fault-injector.js';
import { ScimProjection } from './scim-projection.js';
import type { ScimResourceSchema } from './scim-resource-schema.js';
import type { ScimStore } from './scim-store.js';

/** `strict`: RFC 7643/7644 as written. `limited`: the small SaaS app (see `scim-limited-rules.ts`). */
export type ScimProviderMode = 'strict' | 'limited';

/** An app's own SCIM slice over the mode: `dovetail` (see `scim-dovetail-rules.ts`). */
export type ScimProviderDialect = 'dovetail';

/**
 * What `attributes` / `excludedAttributes` (RFC 7644 §3.9) do: `honour` shapes every resource answered (see
 * `ScimProjection`); `ignore` answers whole resources, as apps that never implemented them; `{ refuse: [methods] }`
 * answers a request of those methods that carries either with 400 `invalidValue` naming it, before anything is
 * read or written, as apps that check their query parameters (and `honour` on the other methods).
 */
export type ScimAttributeParameters = 'honour' | 'ignore' | { readonly refuse: readonly ScimHttpMethod[] };

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

/** `/Bulk` (RFC 7644 §3.7) as the provider offers it: its `maxOperations` and `maxPayloadSize` (bytes). */
export interface ScimBulkLimits {
  readonly maxOperations: number;
  readonly maxPayloadSize: number;
}

export interface ScimRouteContext {
  readonly store: ScimStore;
  readonly mode: ScimProviderMode;
  readonly maxPageSize: number;
  readonly baseUrl: string;
  /** When false, `/ServiceProviderConfig` answers 404, as it does on apps that never implemented it. */
  readonly serviceProviderConfig: boolean;
  /** When false, `/ServiceProviderConfig` says so and PATCH answers 501. */
  readonly patchSupported: boolean;
  readonly dialect: ScimProviderDialect | undefined;
  readonly attributeParameters: ScimAttributeParameters;
  /** What `/ServiceProviderConfig` says of `/Bulk`; undefined: not supported (`/Bulk` itself is the server's). */
  readonly bulk: ScimBulkLimits | undefined;
}

export interface ScimRouteRequest {
  readonly method: string;
  /** Under the base URL, e.g. `/Users/<id>`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: JsonValue | undefined;
  readonly ifMatch: string | undefined;
}

export interface ScimResponse {
  readonly status: number;
  readonly body?: JsonValue;
  readonly headers?: Readonly<Record<string, string>>;
}

const COLLECTIONS: Readonly<Record<string, ScimResourceSchema>> = { Users: USER_SCHEMA, Groups: GROUP_SCHEMA };

/** Answers one authenticated request; failures are thrown as `ScimError`. */
export function routeScimRequest(context: ScimRouteContext, request: ScimRouteRequest): ScimResponse {
  const segments = request.path.split('/').slice(1);
  const [collection, rawId, extra] = segments;
  if (collection === 'ServiceProviderConfig' && rawId === undefined && context.serviceProviderConfig) {
    if (request.method !== 'GET') throw methodNotAllowed(request.method, 'GET');
    return { status: 200, body: serviceProviderConfig(context) };
  }
  const core = collection === undefined ? undefined : COLLECTIONS[collection];
  const dovetail = context.dialect === 'dovetail';
  const schema = dovetail && core === USER_SCHEMA ? DOVETAIL_USER_SCHEMA : core;
  if (schema === undefined || extra !== undefined || rawId === '') {
    throw ScimError.notFound(`No endpoint ${request.path}`);
  }
  const projection = projectionOf(context, schema, request);
  if (rawId === undefined) {
    if (request.method === 'GET') return list(context, schema, request.query, projection);
    if (request.method === 'POST') return create(context, schema, request.body, projection);
    throw methodNotAllowed(request.method, 'GET, POST');
  }
  const id = decodeURIComponent(rawId);
  const { store } = context;
  // A group's members are read only when the answer holds them (see `ScimReadOptions`).
  const read = { members: projection?.selects('members') ?? true };
  if (dovetail && schema === GROUP_SCHEMA && (request.method === 'PUT' || request.method === 'DELETE')) {
    throw new ScimError(501, `This provider does not support ${request.method} on groups`);
  }
  if (dovetail && request.method === 'PUT') checkDovetailUser(schema, request.body);
  switch (request.method) {
    case 'GET':
      return resourceResponse(200, store.get(schema, id, read), projection);
    case 'PUT':
      // RFC 7644 §3.12: 501 "Service provider does not support the request operation".
      if (context.mode === 'limited') throw new ScimError(501, 'This provider does not support PUT; use PATCH');
      return resourceResponse(200, store.replace(schema, id, request.body ?? null, request.ifMatch, read), projection);
    case 'PATCH': {
      if (!context.patchSupported) throw new ScimError(501, 'This provider does not support PATCH');
      const operations = parseScimPatchRequest(request.body ?? null);
      if (context.mode === 'limited') checkLimitedPatch(schema, operations);
      if (dovetail) checkDovetailPatch(schema, operations);
      // RFC 7644 §3.5.2 allows 200 with the resource or 204; the limited mode takes the terse one.
      const terse = context.mode === 'limited';
      const patched = store.patch(schema, id, operations, request.ifMatch, { members: read.members && !terse });
      return terse ? { status: 204 } : resourceResponse(200, patched, projection);
    }
    case 'DELETE':
      store.delete(schema, id, request.ifMatch);
      return { status: 204 };
    default:
      throw methodNotAllowed(request.method, 'GET, PUT, PATCH, DELETE');
  }
}

/** The request's projection as the server's `attributeParameters` treat it; a refused one is thrown. */
function projectionOf(
  context: ScimRouteContext,
  schema: ScimResourceSchema,
  request: ScimRouteRequest,
): ScimProjection | undefined {
  const setting = context.attributeParameters;
  if (setting === 'ignore') return undefined;
  if (setting !== 'honour' && setting.refuse.some((method) => method === request.method)) {
    const named = ['attributes', 'excludedAttributes'].find((name) => request.query.has(name));
    if (named !== undefined) {
      throw ScimError.badRequest(
        'invalidValue',
        `The query parameter "${named}" is not supported on ${request.method}`,
      );
    }
  }
  return ScimProjection.of(request.query, schema);
}

function create(
  context: ScimRouteContext,
  schema: ScimResourceSchema,
  body: JsonValue | undefined,
  projection: ScimProjection | undefined,
): ScimResponse {
  const value = body ?? null;
  const hasMembers = isJsonObject(value) && Object.keys(value).some((key) => key.toLowerCase() === 'members');
  if (context.mode === 'limited' && schema === GROUP_SCHEMA && hasMembers) {
    throw ScimError.badRequest('invalidSyntax', 'This provider does not take members on create; add them by PATCH');
  }
  if (context.dialect === 'dovetail') checkDovetailUser(schema, value);
  const created = context.store.create(schema, value, { members: projection?.selects('members') ?? true });
  const response = resourceResponse(201, created, projection);
  // RFC 7644 §3.3: the Location header of a 201 is the resource's meta.location.
  return { ...response, headers: { ...response.headers, Location: metaOf(created, 'location') } };
}

function list(
  context: ScimRouteContext,
  schema: ScimResourceSchema,
  query: URLSearchParams,
  projection: ScimProjection | undefined,
): ScimResponse {
  const filterText = query.get('filter');
  let predicate: ScimPredicate | undefined;
  let predicateReadsMembers = false;
  if (filterText !== null) {
    const filter = parseScimFilter(filterText);
    predicateReadsMembers = filterPaths(filter).some((path) => /members/i.test(path));
    if (context.mode === 'limited') checkLimitedFilter(schema, filter);
    if (context.dialect === 'dovetail') checkDovetailFilter(schema, filter);
    predicate = compileScimFilter(filter, { schema, attributes: schema.attributes });
  }
  // RFC 7644 §3.4.2.4: startIndex is 1-based and "less than 1 SHALL be interpreted as 1"; a negative count
  // "SHALL be interpreted as 0"; the provider caps the page at its own maximum.
  const startIndex = Math.max(1, integerParameter(query, 'startIndex') ?? 1);
  const wanted = integerParameter(query, 'count') ?? context.maxPageSize;
  const count = Math.min(Math.max(0, wanted), context.maxPageSize);
  const { total, resources } = context.store.page(schema, predicate, startIndex - 1, count, {
    members: projection?.selects('members') ?? true,
    predicateReadsMembers,
  });
  const body: JsonObject = {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: projection === undefined ? resources : resources.map((resource) => projection.apply(resource)),
  };
  return { status: 200, body };
}

/** Every attribute path a filter names (conservatively: a path that names members in any way says "members"). */
function filterPaths(filter: ScimFilter): string[] {
  switch (filter.kind) {
    case 'compare':
    case 'present':
      return [filter.path];
    case 'valuePath':
      return [filter.path, ...filterPaths(filter.filter)];
    case 'and':
    case 'or':
      return [...filterPaths(filter.left), ...filterPaths(filter.right)];
    case 'not':
      return filterPaths(filter.filter);
  }
}

function integerParameter(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d{1,9}$/.test(raw)) throw ScimError.badRequest('invalidValue', `"${name}" must be an integer`);
  return Number(raw);
}

function serviceProviderConfig(context: ScimRouteContext): JsonObject {
  const strict = context.mode === 'strict';
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    patch: { supported: context.patchSupported },
    bulk:
      context.bulk === undefined
        ? { supported: false, maxOperations: 0, maxPayloadSize: 0 }
        : { supported: true, maxOperations: context.bulk.maxOperations, maxPayloadSize: context.bulk.maxPayloadSize },
    // RFC 7643 §5: maxResults is "the maximum number of resources returned in a response".
    filter: { supported: true, maxResults: context.maxPageSize },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: strict },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with a bearer token (Authorization: Bearer <token>)',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${context.baseUrl}/ServiceProviderConfig`,
    },
  };
}

/** The resource as the projection shapes it; its `ETag` is the whole resource's version, whatever the body holds. */
function resourceResponse(status: number, resource: JsonObject, projection: ScimProjection | undefined): ScimResponse {
  const body = projection === undefined ? resource : projection.apply(resource);
  return { status, body, headers: { ETag: metaOf(resource, 'version') } };
}

function metaOf(resource: JsonObject, key: 'location' | 'version'): string {
  const meta = resource['meta'];
  const value = isJsonObject(meta) ? meta[key] : undefined;
  return typeof value === 'string' ? value : '';
}

function methodNotAllowed(method: string, allow: string): ScimError {
  return new ScimError(405, `${method} is not allowed here (allowed: ${allow})`, undefined, { Allow: allow });
}
