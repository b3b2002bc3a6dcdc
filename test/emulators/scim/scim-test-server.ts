import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GROUP_SCHEMA, GROUP_SCHEMA_URN, USER_SCHEMA, USER_SCHEMA_URN } from './scim-core-schemas.js';
import { performScimBulk } from './scim-bulk.js';
import { ScimError, toScimError } from './scim-error.js';
import { ScimFaultInjector } from './scim-fault-injector.js';
import type { ScimFault, ScimRequestInfo } from './scim-fault-injector.js';
import { parseJson } from './scim-json.js';
import type { JsonObject, JsonValue } from './scim-json.js';
import { scimGroupRecordSchema, scimUserRecordSchema } from './scim-records.js';
import type { ScimGroupRecord, ScimSeedGroup, ScimSeedUser, ScimUserRecord } from './scim-records.js';
import { ScimRequestLog } from './scim-request-log.js';
import type { ScimLoggedRequest, ScimRequestMatch } from './scim-request-log.js';
import { routeScimRequest } from './scim-routes.js';
import type {
  ScimAttributeParameters,
  ScimBulkLimits,
  ScimProviderDialect,
  ScimProviderMode,
  ScimResponse,
  ScimRouteContext,
} from './scim-routes.js';
import { ScimStore } from './scim-store.js';

export interface ScimTestServerOptions {
  /** The bearer token clients must send; default `scim-test-token`. */
  readonly token?: string;
  /** Default `strict`. */
  readonly mode?: ScimProviderMode;
  /**
   * An app's own SCIM slice: `dovetail` behaves as Dovetail's documented API (filters on `userName`/`displayName`,
   * group PATCH that only adds members by id, no group PUT/DELETE, `role` and the `workspaceAdmin` extension).
   */
  readonly dialect?: ScimProviderDialect;
  /** The most resources one list response holds (ServiceProviderConfig `filter.maxResults`); 50 strict, 10 limited. */
  readonly maxPageSize?: number;
  /** Default `/scim/v2`. */
  readonly basePath?: string;
  /** Default true; false makes `/ServiceProviderConfig` a 404, as on apps that never implemented it. */
  readonly serviceProviderConfig?: boolean;
  /**
   * Default true; false makes `/ServiceProviderConfig` say `patch.supported: false` and PATCH answer 501, as on
   * apps whose SCIM API only creates (and deletes).
   */
  readonly patch?: boolean;
  /**
   * `attributes` / `excludedAttributes` (RFC 7644 §3.9): `honour` (default), `ignore`, or `{ refuse: ['PATCH'] }`
   * to answer 400 `invalidValue` to a request of those methods that carries one (see `ScimAttributeParameters`).
   */
  readonly attributeParameters?: ScimAttributeParameters;
  /**
   * `POST /Bulk` (RFC 7644 §3.7) with these limits (`maxPayloadSize` in bytes of the request body), advertised in
   * `/ServiceProviderConfig`. Default: none, `bulk.supported: false` and `/Bulk` answers 501.
   */
  readonly bulk?: ScimBulkLimits;
  /** Default 0: a free port. */
  readonly port?: number;
  readonly now?: () => Date;
}

/**
 * A SCIM 2.0 service provider for tests (RFC 7643/7644) on `node:http`, 127.0.0.1: users and groups in memory,
 * bearer auth, filters, paging, PatchOp, uniqueness, RFC error bodies, fault injection, and a `limited` mode that
 * behaves like the SCIM API of a small SaaS app. Inspect what clients did with `requests()`, `users()`,
 * `groups()`; prepare state with `seedUser()` / `seedGroup()`.
 *
 * Users have the attributes of RFC 7643 §4.1 and the enterprise extension of §4.3 (`urn:…:enterprise:2.0:User`),
 * written in a POST or PUT body (the URN listed in `schemas`), a PATCH `value` under the URN key, or a PATCH path
 * `urn:…:enterprise:2.0:User:department`; the `dovetail` dialect has Dovetail's schema instead.
 *
 * `attributes` / `excludedAttributes` shape every resource answered (GET, list, POST, PUT, PATCH), unless
 * `attributeParameters` says otherwise.
 *
 * `POST /Bulk` (RFC 7644 §3.7) when the `bulk` option gives its limits (else 501): each operation is answered by
 * the same routing as the single request, `bulkId:` references and `failOnErrors` as `scim-bulk.ts` says, and
 * logged as that request too (`viaBulk: true`). Auth, Content-Type checks and faults apply to the outer request.
 *
 * Not implemented (ignored or 404): sorting, `/.search`, `/Me`, `/Schemas`, `/ResourceTypes`, the enterprise
 * `manager`, other schema extensions (an extension attribute is refused as unknown).
 */
export class ScimTestServer {
  readonly token: string;
  readonly mode: ScimProviderMode;
  readonly maxPageSize: number;
  readonly #basePath: string;
  readonly #options: ScimTestServerOptions;
  readonly #store: ScimStore;
  readonly #faults = new ScimFaultInjector();
  readonly #log = new ScimRequestLog();
  #server: Server | undefined;
  #baseUrl: string | undefined;

  constructor(options: ScimTestServerOptions = {}) {
    this.#options = options;
    this.token = options.token ?? 'scim-test-token';
    this.mode = options.mode ?? 'strict';
    this.maxPageSize = options.maxPageSize ?? (this.mode === 'strict' ? 50 : 10);
    this.#basePath = (options.basePath ?? '/scim/v2').replace(/\/+$/, '');
    const bulk = options.bulk;
    if (bulk !== undefined && !(isPositiveInteger(bulk.maxOperations) && isPositiveInteger(bulk.maxPayloadSize))) {
      throw new RangeError(`bulk limits must be positive integers, got ${JSON.stringify(bulk)}`);
    }
    const now = options.now ?? (() => new Date());
    this.#store = new ScimStore({ baseUrl: () => this.baseUrl, now });
  }

  /** Listens and returns the base URL, e.g. `http://127.0.0.1:PORT/scim/v2`. */
  async start(): Promise<string> {
    if (this.#server !== undefined) throw new Error('ScimTestServer is already started');
    const server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        response.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    this.#server = server;
    this.#baseUrl = `http://127.0.0.1:${port}${this.#basePath}`;
    return this.#baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    await new Promise<void>((resolve, reject) => {
      server.close((error) => {
        if (error === undefined) resolve();
        else reject(error);
      });
      // Keep-alive connections of a client would otherwise hold close() open for seconds.
      server.closeAllConnections();
    });
  }

  get baseUrl(): string {
    if (this.#baseUrl === undefined) throw new Error('ScimTestServer is not started');
    return this.#baseUrl;
  }

  /** Makes the next matching request(s) fail (see `ScimFault`). */
  failNext(fault: ScimFault): void {
    this.#faults.arm(fault);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** How many more requests the armed faults will fail. */
  pendingFaults(): number {
    return this.#faults.pending();
  }

  requests(match?: ScimRequestMatch): readonly ScimLoggedRequest[] {
    return this.#log.entries(match);
  }

  countRequests(match?: ScimRequestMatch): number {
    return this.#log.count(match);
  }

  /**
   * The `POST /Users` answered 201 for this userName (case-insensitive), `/Bulk` operations included: more than 1
   * is a duplicate create.
   */
  createdCount(userName: string): number {
    return this.#log.createdCount(userName);
  }

  clearRequests(): void {
    this.#log.clear();
  }

  users(): ScimUserRecord[] {
    return this.#store.list(USER_SCHEMA).map((user) => scimUserRecordSchema.parse(user));
  }

  groups(): ScimGroupRecord[] {
    return this.#store.list(GROUP_SCHEMA).map((group) => scimGroupRecordSchema.parse(group));
  }

  user(id: string): ScimUserRecord | undefined {
    const user = this.#store.find(USER_SCHEMA, id);
    return user === undefined ? undefined : scimUserRecordSchema.parse(user);
  }

  userByName(userName: string): ScimUserRecord | undefined {
    const id = this.#store.idByName(USER_SCHEMA, userName);
    return id === undefined ? undefined : this.user(id);
  }

  group(id: string): ScimGroupRecord | undefined {
    const group = this.#store.find(GROUP_SCHEMA, id);
    return group === undefined ? undefined : scimGroupRecordSchema.parse(group);
  }

  groupByName(displayName: string): ScimGroupRecord | undefined {
    const id = this.#store.idByName(GROUP_SCHEMA, displayName);
    return id === undefined ? undefined : this.group(id);
  }

  /** Creates a user directly, as if someone had made it in the app: it is not in the request log. */
  seedUser(seed: ScimSeedUser): ScimUserRecord {
    const body: JsonObject = { schemas: [USER_SCHEMA_URN], userName: seed.userName, active: seed.active ?? true };
    if (seed.externalId !== undefined) body['externalId'] = seed.externalId;
    if (seed.displayName !== undefined) body['displayName'] = seed.displayName;
    const name: JsonObject = {};
    if (seed.givenName !== undefined) name['givenName'] = seed.givenName;
    if (seed.familyName !== undefined) name['familyName'] = seed.familyName;
    if (Object.keys(name).length > 0) body['name'] = name;
    if (seed.email !== undefined) body['emails'] = [{ value: seed.email, type: 'work', primary: true }];
    const attributes = seed.attributes ?? {};
    Object.assign(body, attributes);
    // An extension's attributes come with its URN in `schemas` (RFC 7643 §3), as a client would send them.
    body['schemas'] = [USER_SCHEMA_URN, ...Object.keys(attributes).filter((key) => key.startsWith('urn:'))];
    return scimUserRecordSchema.parse(this.#store.create(USER_SCHEMA, body));
  }

  seedGroup(seed: ScimSeedGroup): ScimGroupRecord {
    const body: JsonObject = { schemas: [GROUP_SCHEMA_URN], displayName: seed.displayName };
    if (seed.externalId !== undefined) body['externalId'] = seed.externalId;
    if (seed.memberIds !== undefined) body['members'] = seed.memberIds.map((value) => ({ value }));
    return scimGroupRecordSchema.parse(this.#store.create(GROUP_SCHEMA, body));
  }

  /** Forgets every user, group, logged request and armed fault. */
  reset(): void {
    this.#store.clear();
    this.#log.clear();
    this.#faults.clear();
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = (request.method ?? 'GET').toUpperCase();
    const text = await readBody(request);
    const body = text === '' ? undefined : parseJson(text);
    const path = url.pathname.startsWith(`${this.#basePath}/`) ? url.pathname.slice(this.#basePath.length) : undefined;
    const info: ScimRequestInfo = { method, path: path ?? url.pathname, query: url.searchParams, body };
    let answer: ScimResponse;
    let lateFault: ScimFault | undefined;
    try {
      if (path === undefined) throw ScimError.notFound(`No endpoint ${url.pathname}`);
      this.#authenticate(request.headers.authorization);
      const fault = this.#faults.take(info);
      if (fault !== undefined && fault.afterApply !== true) {
        this.#answerFault(fault, info, response);
        return;
      }
      lateFault = fault;
      checkBody(request, text, body);
      answer =
        path === '/Bulk'
          ? this.#bulk(method, text, body)
          : routeScimRequest(this.#routeContext(), {
              method,
              path,
              query: url.searchParams,
              body,
              ifMatch: request.headers['if-match'],
            });
    } catch (error) {
      answer = errorResponse(error);
    }
    // An afterApply fault hides the real answer, success or failure: the client never hears it.
    if (lateFault !== undefined) this.#answerFault(lateFault, info, response);
    else this.#send(response, info, answer);
  }

  #routeContext(): ScimRouteContext {
    return {
      store: this.#store,
      mode: this.mode,
      maxPageSize: this.maxPageSize,
      baseUrl: this.baseUrl,
      serviceProviderConfig: this.#options.serviceProviderConfig ?? true,
      patchSupported: this.#options.patch ?? true,
      dialect: this.#options.dialect,
      attributeParameters: this.#options.attributeParameters ?? 'honour',
      bulk: this.#options.bulk,
    };
  }

  /**
   * `POST /Bulk`: every operation through the same routing as a single request. Each is logged as that request
   * (`viaBulk: true`) as soon as it is answered, so the operations come in the log BEFORE the outer `POST /Bulk`,
   * which is logged once its own answer is sent (or dropped, by an `afterApply` fault).
   */
  #bulk(method: string, text: string, body: JsonValue | undefined): ScimResponse {
    const limits = this.#options.bulk;
    // RFC 7644 §3.12: 501 "Service provider does not support the request operation".
    if (limits === undefined) throw new ScimError(501, 'This provider does not support bulk operations (/Bulk)');
    if (method !== 'POST') {
      throw new ScimError(405, `${method} is not allowed here (allowed: POST)`, undefined, { Allow: 'POST' });
    }
    const context = this.#routeContext();
    return performScimBulk(limits, this.baseUrl, text, body, {
      route: (operation) => routeScimRequest(context, operation),
      performed: (operation, answer) => {
        this.#log.record({
          method: operation.method,
          path: operation.path,
          query: {},
          status: answer.status,
          requestBody: operation.body,
          responseBody: answer.body,
          responseBytes: 0,
          viaBulk: true,
        });
      },
    });
  }

  #authenticate(authorization: string | undefined): void {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (match?.[1] === this.token) return;
    // RFC 6750 §3: a missing token gets the bare challenge; a wrong one says invalid_token.
    const challenge = `Bearer realm="scim-test-server"${match === null ? '' : ', error="invalid_token"'}`;
    throw new ScimError(401, 'The bearer token is missing or invalid', undefined, { 'WWW-Authenticate': challenge });
  }

  #answerFault(fault: ScimFault, info: ScimRequestInfo, response: ServerResponse): void {
    if (fault.status === 'reset') {
      this.#record(info, 'reset', undefined);
      response.socket?.destroy();
      return;
    }
    if (fault.status === 'hang') {
      // No answer at all: the client's timeout is what ends the request (stop() closes the socket at the latest).
      this.#record(info, 'hang', undefined);
      return;
    }
    const retryAfter = fault.retryAfter ?? fault.retryAfterSeconds?.toString();
    const error = new ScimError(fault.status, fault.detail ?? `Injected fault: ${String(fault.status)}`, undefined, {
      ...(retryAfter === undefined ? {} : { 'Retry-After': retryAfter }),
      ...(fault.location === undefined ? {} : { Location: fault.location }),
    });
    this.#send(response, info, errorResponse(error));
  }

  #send(response: ServerResponse, info: ScimRequestInfo, answer: ScimResponse): void {
    const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
    const headers: Record<string, string> = { ...answer.headers };
    if (payload !== '') headers['Content-Type'] = 'application/scim+json; charset=utf-8';
    response.writeHead(answer.status, headers);
    response.end(payload);
    this.#record(info, answer.status, answer.body, Buffer.byteLength(payload));
  }

  #record(
    info: ScimRequestInfo,
    status: number | 'reset' | 'hang',
    responseBody: JsonValue | undefined,
    responseBytes = 0,
  ): void {
    this.#log.record({
      method: info.method,
      path: info.path,
      query: Object.fromEntries(info.query),
      status,
      requestBody: info.body,
      responseBody,
      responseBytes,
    });
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** RFC 7644 §3.1/§8.1: bodies are JSON (`application/scim+json`, and `application/json` is accepted). */
function checkBody(request: IncomingMessage, text: string, body: JsonValue | undefined): void {
  if (text === '') return;
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/(?:scim\+)?json\s*(?:;|$)/i.test(type)) {
    throw new ScimError(415, `Content-Type must be application/scim+json, not ${JSON.stringify(type)}`);
  }
  if (body === undefined) throw ScimError.badRequest('invalidSyntax', 'The body is not valid JSON');
}

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value > 0;
}

function errorResponse(error: unknown): ScimResponse {
  const scimError = toScimError(error);
  return { status: scimError.status, body: scimError.toBody(), headers: scimError.headers };
}
