import { ScimError, toScimError } from './scim-error.js';
import { isJsonObject } from './scim-json.js';
import type { JsonObject, JsonValue } from './scim-json.js';
import type { ScimBulkLimits, ScimResponse, ScimRouteRequest } from './scim-routes.js';

// `POST /Bulk` (RFC 7644 §3.7): the operations of one request, each answered in order as the single request it
// stands for, by the same routing. What is the emulator's own reading of the RFC:
// - A malformed bulk request (schemas, `Operations`, an operation's `method`/`path`/`data`, a POST without a
//   `bulkId`, a `bulkId` used twice) is a 400 `invalidSyntax` for the whole request, before anything is performed;
//   a request over `maxPayloadSize` bytes or of more than `maxOperations` operations is a 413 (§3.7.4).
// - `bulkId:<id>` (§3.7.2): any string value in an operation's `data`, and any segment of its `path`, that is
//   exactly that, is replaced by the id the earlier POST with that `bulkId` created. A reference to a POST that
//   failed, comes later, or does not exist fails the operation with 409 `invalidValue`: the RFC lets a provider
//   answer 409 (Conflict) to a reference it could not resolve, and this one does not try a second pass for
//   circular references.
// - `failOnErrors` (§3.7.3): after that many failed operations, the rest are neither performed nor answered.

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

const BULK_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
type ScimBulkMethod = (typeof BULK_METHODS)[number];

const BULK_ID_PREFIX = 'bulkId:';

/** One operation of a bulk request, as read (references not yet resolved). */
interface ScimBulkOperation {
  readonly method: ScimBulkMethod;
  readonly bulkId: string | undefined;
  readonly version: string | undefined;
  readonly path: string;
  readonly data: JsonValue | undefined;
}

export interface ScimBulkHandlers {
  /** Answers one operation as the single request it stands for; a failure is thrown (as a `ScimError`). */
  readonly route: (request: ScimRouteRequest) => ScimResponse;
  /** Each operation performed, in order: the request it stood for (references resolved) and its answer. */
  readonly performed: (request: ScimRouteRequest, answer: ScimResponse) => void;
}

/**
 * Answers a `POST /Bulk`: 200 with a BulkResponse of one result per operation performed, or a thrown `ScimError`
 * for a request refused as a whole (nothing performed). `text` is the raw body (its UTF-8 size is what
 * `maxPayloadSize` limits), `body` the parsed one.
 */
export function performScimBulk(
  limits: ScimBulkLimits,
  baseUrl: string,
  text: string,
  body: JsonValue | undefined,
  handlers: ScimBulkHandlers,
): ScimResponse {
  // RFC 7644 §3.7.4: a request over either limit (maxPayloadSize, maxOperations) is answered 413.
  if (Buffer.byteLength(text, 'utf8') > limits.maxPayloadSize) {
    throw new ScimError(413, `The size of the bulk operation exceeds the maxPayloadSize (${limits.maxPayloadSize})`);
  }
  if (!isJsonObject(body)) throw syntax('The body must be a JSON object');
  const request = body;
  const schemas = member(request, 'schemas');
  if (!Array.isArray(schemas) || !schemas.includes(BULK_REQUEST_SCHEMA)) {
    throw syntax(`"schemas" must contain "${BULK_REQUEST_SCHEMA}"`);
  }
  const entries = member(request, 'Operations');
  if (!Array.isArray(entries)) throw syntax('"Operations" must be an array');
  const failOnErrors = failOnErrorsOf(member(request, 'failOnErrors'));
  if (entries.length > limits.maxOperations) {
    throw new ScimError(413, `The number of operations exceeds maxOperations (${limits.maxOperations})`);
  }
  const operations = entries.map((entry, index) => parseOperation(entry, index));
  const bulkIds = new Set<string>();
  for (const { bulkId } of operations) {
    if (bulkId === undefined) continue;
    if (bulkIds.has(bulkId)) throw syntax(`The bulkId ${JSON.stringify(bulkId)} is used twice`);
    bulkIds.add(bulkId);
  }

  /** bulkId → the id its POST created; undefined when that POST failed. */
  const created = new Map<string, string | undefined>();
  const results: JsonValue[] = [];
  let errors = 0;
  for (const operation of operations) {
    const { routed, answer } = perform(operation, created, handlers);
    handlers.performed(routed, answer);
    const failed = answer.status >= 400;
    if (operation.method === 'POST' && operation.bulkId !== undefined) {
      created.set(operation.bulkId, failed ? undefined : createdId(answer));
    }
    results.push(resultOf(operation, routed, answer, baseUrl));
    if (failed && ++errors >= failOnErrors) break;
  }
  return { status: 200, body: { schemas: [BULK_RESPONSE_SCHEMA], Operations: results } };
}

function perform(
  operation: ScimBulkOperation,
  created: ReadonlyMap<string, string | undefined>,
  handlers: ScimBulkHandlers,
): { readonly routed: ScimRouteRequest; readonly answer: ScimResponse } {
  let routed: ScimRouteRequest = {
    method: operation.method,
    path: operation.path,
    query: new URLSearchParams(),
    body: operation.method === 'DELETE' ? undefined : operation.data,
    ifMatch: operation.version,
  };
  try {
    const path = resolvePath(operation.path, created);
    const data = routed.body === undefined ? undefined : resolveReferences(routed.body, created);
    routed = { ...routed, path, body: data };
    return { routed, answer: handlers.route(routed) };
  } catch (error) {
    const scimError = toScimError(error);
    return { routed, answer: { status: scimError.status, body: scimError.toBody(), headers: scimError.headers } };
  }
}

/**
 * RFC 7644 §3.7.3: `location` for every operation but a failed POST (on success the resource's `meta.location`),
 * `version` when the resource has one, `status` as a string, and `response` (the error body) only on failure.
 */
function resultOf(
  operation: ScimBulkOperation,
  routed: ScimRouteRequest,
  answer: ScimResponse,
  baseUrl: string,
): JsonObject {
  const result: JsonObject = { method: operation.method };
  if (operation.bulkId !== undefined) result['bulkId'] = operation.bulkId;
  const failed = answer.status >= 400;
  const meta = isJsonObject(answer.body) ? answer.body['meta'] : undefined;
  const location = failed
    ? resourceUrl(operation, routed, baseUrl)
    : ((isJsonObject(meta) ? nonEmpty(meta['location']) : undefined) ??
      nonEmpty(answer.headers?.['Location']) ??
      resourceUrl(operation, routed, baseUrl));
  if (location !== undefined) result['location'] = location;
  const version = failed
    ? undefined
    : ((isJsonObject(meta) ? nonEmpty(meta['version']) : undefined) ?? nonEmpty(answer.headers?.['ETag']));
  if (version !== undefined) result['version'] = version;
  result['status'] = String(answer.status);
  if (failed) result['response'] = answer.body ?? null;
  return result;
}

/** The URL an operation addressed; none for a POST (the resource it would have created has none). */
function resourceUrl(operation: ScimBulkOperation, routed: ScimRouteRequest, baseUrl: string): string | undefined {
  return operation.method === 'POST' ? undefined : `${baseUrl}${routed.path}`;
}

/** The id a successful POST created: the resource's `id`, or the last segment of its `Location`. */
function createdId(answer: ScimResponse): string | undefined {
  const id = isJsonObject(answer.body) ? answer.body['id'] : undefined;
  if (typeof id === 'string') return id;
  const location = answer.headers?.['Location'];
  return location === undefined ? undefined : location.slice(location.lastIndexOf('/') + 1);
}

function resolvePath(path: string, created: ReadonlyMap<string, string | undefined>): string {
  if (!path.includes(BULK_ID_PREFIX)) return path;
  return path
    .split('/')
    .map((segment) => (segment.startsWith(BULK_ID_PREFIX) ? resolveReference(segment, created) : segment))
    .join('/');
}

/** The value with every `bulkId:<id>` string replaced; copies only what holds one (the rest is shared). */
function resolveReferences(value: JsonValue, created: ReadonlyMap<string, string | undefined>): JsonValue {
  if (typeof value === 'string') return value.startsWith(BULK_ID_PREFIX) ? resolveReference(value, created) : value;
  if (Array.isArray(value)) {
    let copy: JsonValue[] | undefined;
    value.forEach((item, index) => {
      const resolved = resolveReferences(item, created);
      if (resolved === item) return;
      copy ??= [...value];
      copy[index] = resolved;
    });
    return copy ?? value;
  }
  if (isJsonObject(value)) {
    let copy: JsonObject | undefined;
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolveReferences(item, created);
      if (resolved === item) continue;
      copy ??= { ...value };
      copy[key] = resolved;
    }
    return copy ?? value;
  }
  return value;
}

function resolveReference(reference: string, created: ReadonlyMap<string, string | undefined>): string {
  const bulkId = reference.slice(BULK_ID_PREFIX.length);
  const id = created.get(bulkId);
  if (id !== undefined) return id;
  // RFC 7644 §3.7.2: a reference that cannot be resolved is a 409 (Conflict).
  throw new ScimError(
    409,
    created.has(bulkId)
      ? `The reference ${JSON.stringify(reference)} names a POST of this request that failed`
      : `The reference ${JSON.stringify(reference)} names no earlier POST of this request`,
    'invalidValue',
  );
}

function parseOperation(entry: JsonValue, index: number): ScimBulkOperation {
  const at = `Operations[${index}]`;
  if (!isJsonObject(entry)) throw syntax(`${at} must be an object`);
  const method = member(entry, 'method');
  const bulkMethod = BULK_METHODS.find((allowed) => allowed === method);
  if (bulkMethod === undefined) throw syntax(`${at}.method must be "POST", "PUT", "PATCH" or "DELETE"`);
  const path = member(entry, 'path');
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw syntax(`${at}.path must be a path under the base URL, such as "/Users" or "/Groups/<id>"`);
  }
  const bulkId = member(entry, 'bulkId');
  if (bulkId !== undefined && (typeof bulkId !== 'string' || bulkId === '')) {
    throw syntax(`${at}.bulkId must be a non-empty string`);
  }
  // RFC 7644 §3.7: bulkId is "REQUIRED when "method" is "POST"".
  if (bulkMethod === 'POST' && bulkId === undefined) throw syntax(`${at} is a POST without a bulkId`);
  const version = member(entry, 'version');
  if (version !== undefined && typeof version !== 'string') throw syntax(`${at}.version must be a string`);
  const data = member(entry, 'data');
  // RFC 7644 §3.7: data is "REQUIRED in a request when "method" is "POST", "PUT", or "PATCH"".
  if (bulkMethod !== 'DELETE' && !isJsonObject(data)) throw syntax(`${at}.data must be an object for a ${bulkMethod}`);
  return { method: bulkMethod, bulkId, version, path, data };
}

function failOnErrorsOf(value: JsonValue | undefined): number {
  if (value === undefined || value === null) return Number.POSITIVE_INFINITY;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw ScimError.badRequest('invalidValue', '"failOnErrors" must be an integer of at least 1');
  }
  return value;
}

/** Message attribute names are case-insensitive (RFC 7643 §2.1). */
function member(object: JsonObject, name: string): JsonValue | undefined {
  if (Object.hasOwn(object, name)) return object[name];
  const wanted = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : object[key];
}

function nonEmpty(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function syntax(detail: string): ScimError {
  return ScimError.badRequest('invalidSyntax', detail);
}
