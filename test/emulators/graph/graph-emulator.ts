import { randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createThrowawayCa } from '../tls/throwaway-ca.js';
import type { ThrowawayCa } from '../tls/throwaway-ca.js';
import { EntraTokenService } from './entra-token-service.js';
import type { EntraAppRegistration } from './entra-token-service.js';
import { GraphAccessTokenSigner } from './graph-access-token.js';
import { GraphDeltaEngine } from './graph-delta-engine.js';
import { GraphDirectoryStore } from './graph-directory-store.js';
import { GraphError } from './graph-error.js';
import { GraphFaultInjector } from './graph-fault-injector.js';
import { GraphIdentityBudget } from './graph-identity-budget.js';
import type { GraphBudgetVerdict, GraphIdentityBudgetOptions } from './graph-identity-budget.js';
import type {
  GraphLinkForgery,
  GraphRedirectFault,
  GraphRequestInfo,
  GraphRequestMatch,
  GraphSlowFault,
  GraphThrottleFault,
} from './graph-fault-injector.js';
import type { JsonObject } from './graph-json.js';
import { GraphRequestLog } from './graph-request-log.js';
import type { GraphLoggedRequest } from './graph-request-log.js';
import { routeGraphRequest } from './graph-routes.js';
import { GraphServicePrincipalStore } from './graph-service-principals.js';

export interface GraphEmulatorOptions {
  /** Page size of list queries without `$top`; default 100. */
  readonly listPageSize?: number;
  /** Page size of delta queries without `Prefer: odata.maxpagesize`; default 100. */
  readonly deltaPageSize?: number;
  /** Most members in one group object's `members@delta`; default 100. */
  readonly membersPerDeltaObject?: number;
  /** `expires_in` of access tokens; default 3599. */
  readonly tokenLifetimeSeconds?: number;
  /**
   * Enforce the identity service's budget per application+tenant pair (`GraphIdentityBudget`): documented costs,
   * `x-ms-resource-unit` / `x-ms-throttle-limit-percentage`, 429 with `Retry-After` past it. Default off.
   */
  readonly identityBudget?: GraphIdentityBudgetOptions;
  readonly now?: () => Date;
}

export interface GraphEmulatorEndpoints {
  /** For `ClientSecretCredential`'s `authorityHost` (with `disableInstanceDiscovery: true`). */
  readonly authorityHost: string;
  /**
   * `https://127.0.0.1:PORT/v1.0`. The Graph client appends its `defaultVersion` itself, so give it the origin
   * (`new URL(graphBaseUrl).origin`) as `baseUrl`, and the hostname `127.0.0.1` (no port) in `customHosts`.
   */
  readonly graphBaseUrl: string;
  /** PEM of the CA that signed the server certificate: a client process trusts it via `NODE_EXTRA_CA_CERTS`. */
  readonly caPath: string;
}

/**
 * Entra ID's token service and Microsoft Graph v1.0 (users, groups, direct and transitive members, delta, and the
 * assignments of enterprise applications) for tests, over HTTPS on 127.0.0.1 with a throwaway CA, so the real
 * `@azure/identity` and `@microsoft/microsoft-graph-client` run against it unmodified. One server: the authority at
 * `/{tenant}/...`, Graph at `/v1.0/...`.
 *
 * The directory is changed with `directory` (every change is seen by the next delta round; a group is nested in
 * another with `addMember`); enterprise applications and their assigned users and groups with `servicePrincipals`;
 * app registrations with `registerApp`; faults with `throttleNext` / `slowNext` / `redirectNext` /
 * `forgeLinksNext`; the identity service's throttling with the `identityBudget` option; what clients did is in
 * `requests()` (429s included: `countRequests({ status: 429 })`).
 */
export class GraphEmulator {
  /** Users, groups and memberships: mutate it to make changes the next delta round reports. */
  readonly directory = new GraphDirectoryStore();
  /** Enterprise applications (service principals) and who is assigned to them (`appRoleAssignedTo`). */
  readonly servicePrincipals: GraphServicePrincipalStore;
  /** Graph requests (not token requests) being served right now, and the most there ever were at once. */
  readonly concurrency = { now: 0, max: 0 };
  readonly #options: GraphEmulatorOptions;
  readonly #now: () => Date;
  readonly #signer = new GraphAccessTokenSigner();
  readonly #delta: GraphDeltaEngine;
  readonly #tokens: EntraTokenService;
  readonly #faults = new GraphFaultInjector();
  readonly #log = new GraphRequestLog();
  readonly #budget: GraphIdentityBudget | undefined;
  #server: Server | undefined;
  #ca: ThrowawayCa | undefined;
  #endpoints: GraphEmulatorEndpoints | undefined;

  constructor(options: GraphEmulatorOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.servicePrincipals = new GraphServicePrincipalStore(this.directory, this.#now);
    this.#budget =
      options.identityBudget === undefined
        ? undefined
        : new GraphIdentityBudget(options.identityBudget, () => this.#now().getTime());
    this.#delta = new GraphDeltaEngine(this.directory, { membersPerObject: options.membersPerDeltaObject ?? 100 });
    this.#tokens = new EntraTokenService({
      signer: this.#signer,
      authorityHost: () => this.endpoints.authorityHost,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
      now: this.#now,
    });
  }

  async start(): Promise<GraphEmulatorEndpoints> {
    if (this.#server !== undefined) throw new Error('GraphEmulator is already started');
    const ca = createThrowawayCa();
    const server = createServer({ key: ca.key, cert: ca.cert }, (request, response) => {
      // A Graph request (not a token request) counts from its arrival until its answer is written.
      const counted = request.url?.startsWith('/v1.0/') === true;
      if (counted) {
        this.concurrency.now += 1;
        this.concurrency.max = Math.max(this.concurrency.max, this.concurrency.now);
      }
      this.#handle(request, response)
        .catch((error: unknown) => {
          response.destroy(error instanceof Error ? error : new Error(String(error)));
        })
        .finally(() => {
          if (counted) this.concurrency.now -= 1;
        });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    this.#server = server;
    this.#ca = ca;
    const origin = `https://127.0.0.1:${port}`;
    this.#endpoints = { authorityHost: origin, graphBaseUrl: `${origin}/v1.0`, caPath: ca.caPath };
    return this.#endpoints;
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
      server.closeAllConnections();
    });
    this.#ca?.remove();
    this.#ca = undefined;
  }

  get endpoints(): GraphEmulatorEndpoints {
    if (this.#endpoints === undefined) throw new Error('GraphEmulator is not started');
    return this.#endpoints;
  }

  /** Registers an app (and so its tenant): client secret and/or certificate, and its application permissions. */
  registerApp(app: EntraAppRegistration): void {
    this.#tokens.registerApp(app);
  }

  /** Every delta and skip token issued so far becomes unknown: the next use answers 410 Gone. */
  expireDeltaTokens(): void {
    this.#delta.expireAll();
  }

  /** Answers the next matching request(s) with 429/503/504 and `Retry-After`. */
  throttleNext(fault: GraphThrottleFault): void {
    this.#faults.throttle(fault);
  }

  /** Delays the next matching request(s). */
  slowNext(fault: GraphSlowFault): void {
    this.#faults.slow(fault);
  }

  /** Answers the next matching request(s) with a redirect (301/302/303/307/308) to `location`. */
  redirectNext(fault: GraphRedirectFault): void {
    this.#faults.redirect(fault);
  }

  /** Answers the next matching Graph request(s) normally, with a forged `@odata.nextLink` and/or `@odata.deltaLink`. */
  forgeLinksNext(fault: GraphLinkForgery): void {
    this.#faults.forgeLinks(fault);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  pendingFaults(): number {
    return this.#faults.pending();
  }

  requests(match: GraphRequestMatch & { readonly status?: number } = {}): readonly GraphLoggedRequest[] {
    return this.#log.entries(match);
  }

  countRequests(match: GraphRequestMatch & { readonly status?: number } = {}): number {
    return this.#log.entries(match).length;
  }

  clearRequests(): void {
    this.#log.clear();
  }

  /** The identity budget's verdict on a GET by a token this emulator issued; undefined when not enforced. */
  #charge(
    info: GraphRequestInfo,
    path: string,
    query: URLSearchParams,
    authorization: string | undefined,
  ): GraphBudgetVerdict | undefined {
    if (this.#budget === undefined || info.method !== 'GET') return undefined;
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const claims = token === undefined ? undefined : this.#signer.verify(token);
    // An unauthenticated request is refused by the routes before it reaches the directory: Graph does not charge it.
    if (claims === undefined) return undefined;
    return this.#budget.charge(claims.tid, claims.appid, path, query);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = request.url ?? '/';
    const parsed = new URL(url, 'https://127.0.0.1');
    const info: GraphRequestInfo = {
      service: parsed.pathname.startsWith('/v1.0/') ? 'graph' : 'token',
      method: (request.method ?? 'GET').toUpperCase(),
      url,
    };
    const delayMs = this.#faults.takeDelayMs(info);
    if (delayMs > 0) await sleep(delayMs);
    const requestId = randomUUID();
    const clientRequestId = header(request, 'client-request-id') ?? requestId;
    const answer = this.#answer(info, parsed, body, request, requestId, clientRequestId);
    this.#log.record({ ...info, status: answer.status });
    response.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'request-id': requestId,
      'client-request-id': clientRequestId,
      ...answer.headers,
    });
    response.end(JSON.stringify(answer.body));
  }

  #answer(
    info: GraphRequestInfo,
    url: URL,
    body: string,
    request: IncomingMessage,
    requestId: string,
    clientRequestId: string,
  ): { status: number; body: JsonObject; headers: Readonly<Record<string, string>> } {
    const now = this.#now();
    try {
      const throttle = this.#faults.takeThrottle(info);
      if (throttle !== undefined) throw throttleError(throttle);
      const redirect = this.#faults.takeRedirect(info);
      if (redirect !== undefined) {
        return { status: redirect.status, body: {}, headers: { location: redirect.location } };
      }
      if (info.service === 'graph') {
        const path = url.pathname.slice('/v1.0'.length);
        const charged = this.#charge(info, path, url.searchParams, header(request, 'authorization'));
        if (charged?.throttled === true) {
          throw new GraphError(429, 'TooManyRequests', 'Too many requests. Please try again later.', charged.headers);
        }
        const routed = routeGraphRequest(
          {
            store: this.directory,
            servicePrincipals: this.servicePrincipals,
            delta: this.#delta,
            signer: this.#signer,
            baseUrl: this.endpoints.graphBaseUrl,
            now: this.#now,
            listPageSize: this.#options.listPageSize ?? 100,
            deltaPageSize: this.#options.deltaPageSize ?? 100,
          },
          {
            method: info.method,
            path,
            query: url.searchParams,
            prefer: header(request, 'prefer'),
            authorization: header(request, 'authorization'),
          },
        );
        const answer = { ...routed, headers: { ...routed.headers, ...charged?.headers } };
        const forgery = answer.status === 200 ? this.#faults.takeLinkForgery(info) : undefined;
        if (forgery === undefined) return answer;
        const body: JsonObject = { ...answer.body };
        if (forgery.nextLink !== undefined) body['@odata.nextLink'] = forgery.nextLink;
        if (forgery.deltaLink !== undefined) body['@odata.deltaLink'] = forgery.deltaLink;
        return { ...answer, body };
      }
      const answer = this.#tokens.handle({
        method: info.method,
        path: url.pathname,
        body,
        correlationId: header(request, 'client-request-id'),
      });
      if (answer === undefined) throw new GraphError(404, 'NotFound', `No endpoint at ${url.pathname}.`);
      return { ...answer, headers: { 'cache-control': 'no-store, no-cache' } };
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      return { status: error.status, body: error.body(requestId, clientRequestId, now), headers: error.headers };
    }
  }
}

function throttleError(fault: GraphThrottleFault): GraphError {
  // https://learn.microsoft.com/graph/throttling: 429 with a Retry-After (seconds) to wait before retrying.
  const headers: Record<string, string> =
    fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  if (fault.status === 429) {
    return new GraphError(429, 'TooManyRequests', 'Too many requests. Please try again later.', headers);
  }
  return new GraphError(fault.status, 'serviceNotAvailable', 'The service is temporarily unavailable.', headers);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
