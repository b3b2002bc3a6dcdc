import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createThrowawayCa, type ThrowawayCa } from '../tls/throwaway-ca.js';
import { OktaAuth } from './okta-auth.js';
import { oktaErrorBody } from './okta-error-body.js';
import { OktaFaultInjector } from './okta-faults.js';
import { OktaRateLimiter, endpointFamily, type OktaRateLimitOptions } from './okta-rate-limiter.js';
import { systemOktaClock, type OktaClock } from './okta-records.js';
import { OktaRequestLog } from './okta-request-log.js';
import { requiredScopeFor, routeOktaGet } from './okta-routes.js';
import { OktaStore } from './okta-store.js';

export interface OktaOrgEmulatorOptions {
  /** The SSWS API token the org accepts; default `emulator-api-token`. */
  readonly apiToken?: string;
  /** Time source for timestamps, rate-limit windows, `Date` headers and token expiry; default the system clock. */
  readonly clock?: OktaClock;
  readonly rateLimit?: OktaRateLimitOptions;
}

export interface OktaOrgEndpoint {
  /** `https://127.0.0.1:<port>`, the SDK's `orgUrl`. */
  readonly orgUrl: string;
  /** PEM file of the CA that signed the server certificate: give it to a child process as NODE_EXTRA_CA_CERTS. */
  readonly caPath: string;
  /** The same CA as text, for an in-process `https.Agent({ ca })`. */
  readonly caPem: string;
}

/**
 * An Okta org over real HTTPS for tests of code that uses `@okta/okta-sdk-nodejs`: Users, Groups, App assignments
 * and System Log reads, SSWS and OAuth 2.0 client-credentials auth, per-endpoint rate limits and injected faults.
 * Drive its state through `store`, its failures through `faults`, and assert on `requests`.
 */
export class OktaOrgEmulator {
  readonly clock: OktaClock;
  readonly store: OktaStore;
  readonly faults = new OktaFaultInjector();
  readonly requests = new OktaRequestLog();
  /** Requests being served right now, and the most there ever were at once (Okta limits them per org). */
  readonly concurrency = { now: 0, max: 0 };
  readonly auth: OktaAuth;
  readonly apiToken: string;
  private readonly limiter: OktaRateLimiter;
  private server: Server | undefined;
  private ca: ThrowawayCa | undefined;
  private endpoint: OktaOrgEndpoint | undefined;

  constructor(options: OktaOrgEmulatorOptions = {}) {
    this.clock = options.clock ?? systemOktaClock;
    this.apiToken = options.apiToken ?? 'emulator-api-token';
    this.store = new OktaStore(this.clock);
    this.auth = new OktaAuth(this.clock, this.apiToken);
    this.limiter = new OktaRateLimiter(this.clock, options.rateLimit);
  }

  /** The org URL and CA once started. */
  get orgUrl(): string {
    if (this.endpoint === undefined) throw new Error('OktaOrgEmulator is not started');
    return this.endpoint.orgUrl;
  }

  async start(): Promise<OktaOrgEndpoint> {
    if (this.endpoint !== undefined) return this.endpoint;
    const ca = createThrowawayCa();
    this.ca = ca;
    const server = createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
      // A request counts from its arrival until its answer is written.
      this.concurrency.now += 1;
      this.concurrency.max = Math.max(this.concurrency.max, this.concurrency.now);
      this.handle(req, res)
        .catch((error: unknown) => {
          if (!res.headersSent) {
            this.send(req, res, 500, oktaErrorBody('E0000009', 'Internal Server Error', [String(error)]));
          }
        })
        .finally(() => {
          this.concurrency.now -= 1;
        });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    this.endpoint = { orgUrl: `https://127.0.0.1:${port}`, caPath: ca.caPath, caPem: ca.caPem };
    return this.endpoint;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.endpoint = undefined;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
    this.ca?.remove();
    this.ca = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const orgUrl = this.orgUrl;
    const url = new URL(req.url ?? '/', orgUrl);
    const method = req.method ?? 'GET';
    const fault = this.faults.take(url.pathname);
    if (fault?.type === 'reset') {
      this.requests.record({ method, path: url.pathname + url.search, status: 0 });
      req.socket.destroy();
      return;
    }
    if (fault?.type === 'delay') await sleep(fault.ms);
    const decision = this.limiter.take(endpointFamily(url.pathname));
    res.setHeader('x-rate-limit-limit', String(decision.limit));
    res.setHeader('x-rate-limit-remaining', String(decision.remaining));
    res.setHeader('x-rate-limit-reset', String(decision.resetEpochSeconds));
    // The SDK waits X-Rate-Limit-Reset − Date + 1 s before retrying a 429, so Date follows the same clock.
    res.setHeader('date', this.clock.now().toUTCString());
    res.setHeader('x-okta-request-id', randomBytes(12).toString('base64url'));
    if (fault?.type === 'status') {
      this.send(req, res, fault.status, oktaErrorBody('E0000009', 'Internal Server Error'));
      return;
    }
    if (fault?.type === 'redirect') {
      res.setHeader('location', fault.location);
      this.send(req, res, fault.status, {});
      return;
    }
    if (!decision.allowed) {
      // https://developer.okta.com/docs/reference/error-codes/#E0000047
      this.send(req, res, 429, oktaErrorBody('E0000047', 'API call exceeded rate limit due to too many requests.'));
      return;
    }
    if (method === 'POST' && url.pathname === '/oauth2/v1/token') {
      const form = new URLSearchParams(await readBody(req));
      const reply = this.auth.issueToken(form, `${orgUrl}/oauth2/v1/token`);
      for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
      this.send(req, res, reply.status, reply.body);
      return;
    }
    const scope = requiredScopeFor(url.pathname);
    if (scope === undefined) {
      this.send(req, res, 404, oktaErrorBody('E0000007', `Not found: Resource not found: ${url.pathname}`));
      return;
    }
    const denied = this.auth.authorize(req.headers.authorization, scope, orgUrl, url.pathname);
    if (denied !== undefined) {
      for (const [name, value] of Object.entries(denied.headers)) res.setHeader(name, value);
      this.send(req, res, denied.status, denied.body);
      return;
    }
    if (method !== 'GET') {
      this.send(req, res, 405, oktaErrorBody('E0000022', 'The endpoint does not support the provided HTTP method'));
      return;
    }
    const reply = routeOktaGet(this.store, orgUrl, url, this.clock.now());
    const links =
      fault?.type === 'link'
        ? [...(reply.links ?? []).filter((link) => !/rel="?next"?/.test(link)), `<${fault.next}>; rel="next"`]
        : reply.links;
    if (links !== undefined) res.setHeader('link', links);
    this.send(req, res, reply.status, reply.body);
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
    const url = new URL(req.url ?? '/', 'https://emulator.invalid');
    this.requests.record({ method: req.method ?? 'GET', path: url.pathname + url.search, status });
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
