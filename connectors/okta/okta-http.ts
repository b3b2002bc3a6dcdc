import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@okta/okta-sdk-nodejs';
import type { z } from 'zod';
import { ConnectorError } from '../connector-error.js';
import type { OktaCredentials } from './okta-config.js';
import { classifyOktaFailure, type OktaFailure, type OktaFailureContext } from './okta-failure.js';
import { parseOktaItems, type OktaPage } from './okta-items.js';
import type { HeaderReader, OktaRateGate } from './okta-rate-gate.js';
import type { OktaTokenRefusal } from './okta-token-refusal.js';

/** The slice of the SDK `Client` this module uses: its authenticated `fetch` (`client.http.http`). */
export type OktaSdkHttp = Pick<Client['http'], 'http'>;

/** The slice of a node-fetch `Response` read here. */
export interface OktaFetchResponse {
  readonly status: number;
  readonly url: string;
  readonly headers: HeaderReader;
  json(): Promise<unknown>;
}

export function isOktaFetchResponse(value: unknown): value is OktaFetchResponse {
  return (
    typeof value === 'object' &&
    value !== null &&
    'status' in value &&
    typeof value.status === 'number' &&
    'url' in value &&
    typeof value.url === 'string' &&
    'headers' in value &&
    typeof value.headers === 'object' &&
    value.headers !== null &&
    'get' in value.headers &&
    typeof value.headers.get === 'function' &&
    'json' in value &&
    typeof value.json === 'function'
  );
}

export interface OktaRetryPolicy {
  /** Retries of a 5xx or a reset connection, on top of the first attempt; default 4. */
  readonly maxRetries: number;
  /** First backoff; doubled per retry, with full jitter over its upper half; default 500 ms. */
  readonly baseDelayMs: number;
}

export const DEFAULT_OKTA_RETRY: OktaRetryPolicy = { maxRetries: 4, baseDelayMs: 500 };

export interface OktaListOptions {
  /** What a 404 means (see `OktaFailureContext`); default `org`. */
  readonly notFound?: OktaFailureContext['notFound'];
  /** Stop at the first empty page even if Okta offers `rel="next"` (System Log polling queries). */
  readonly stopAtEmptyPage?: boolean;
  /**
   * What an item that fails its schema does: `fail` the read (default: lists whose every item the read needs, such
   * as app assignments and System Log events), or `report` it in the page's `invalid` for the caller to isolate.
   */
  readonly invalidItems?: 'fail' | 'report';
}

/**
 * Cursor-paged GETs on the Okta management API through the SDK's authenticated HTTP layer (its auth, OAuth token
 * refresh and 429 retries), plus what the SDK lacks: the rate-limit reserve, retries of 5xx and reset connections
 * with jittered backoff, `Link rel="next"` paging restricted to the org, and zod parsing of every item.
 */
export class OktaHttp {
  constructor(
    private readonly sdk: OktaSdkHttp,
    private readonly settings: {
      readonly orgUrl: string;
      readonly credentials: OktaCredentials;
      readonly appId: string | undefined;
      readonly gate: OktaRateGate;
      readonly retry: OktaRetryPolicy;
      readonly onFailedRequest: () => void;
      readonly tokenRefusal: () => OktaTokenRefusal | undefined;
    },
  ) {}

  /** Every page of `path?query`, each item parsed by `schema`; nothing when a 404 is to be skipped. */
  async *list<T>(
    path: string,
    query: Readonly<Record<string, string>>,
    schema: z.ZodType<T>,
    options: OktaListOptions = {},
    signal?: AbortSignal,
  ): AsyncGenerator<OktaPage<T>, void, undefined> {
    const first = new URL(`${this.settings.orgUrl}${path}`);
    for (const [name, value] of Object.entries(query)) first.searchParams.set(name, value);
    const context: OktaFailureContext = {
      orgUrl: this.settings.orgUrl,
      credentials: this.settings.credentials,
      appId: this.settings.appId,
      request: `GET ${path}`,
      notFound: options.notFound ?? 'org',
    };
    const seen = new Set<string>();
    let url: string | undefined = first.href;
    while (url !== undefined) {
      seen.add(url);
      signal?.throwIfAborted();
      const page = await this.#get(url, context, signal);
      if (page === undefined) return;
      const items = parseOktaItems(page.body, schema);
      const invalid = options.invalidItems === 'report' ? undefined : items?.invalid[0];
      if (items === undefined || invalid !== undefined) {
        const where = invalid === undefined ? ': not a list' : ` at ${invalid.index}.${invalid.reason}`;
        throw new ConnectorError(
          'bad_response',
          `Okta at ${this.settings.orgUrl} answered ${context.request} with an unexpected shape${where}`,
        );
      }
      yield items;
      if (options.stopAtEmptyPage === true && items.items.length + items.invalid.length === 0) return;
      const next = this.#nextPage(page.link, url, first.origin, context);
      // A next link that repeats would loop forever: the list ends there.
      url = next === undefined || seen.has(next) ? undefined : next;
    }
  }

  /**
   * The `rel="next"` page to read, only on the org's own origin (scheme, host and port): the SDK would send the token
   * to whatever URL it is given, so a link elsewhere fails the read, naming where it pointed (without its query).
   */
  #nextPage(link: string | null, current: string, origin: string, context: OktaFailureContext): string | undefined {
    const next = nextLink(link);
    if (next === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(next, current);
    } catch {
      throw new ConnectorError(
        'bad_response',
        `Okta at ${this.settings.orgUrl} answered ${context.request} with an unreadable Link rel="next"`,
      );
    }
    if (url.origin !== origin) {
      throw new ConnectorError(
        'bad_response',
        `Okta at ${this.settings.orgUrl} answered ${context.request} with a Link rel="next" to ${url.origin}${url.pathname}, ` +
          `another origin than OKTA_CLIENT_ORGURL (${origin}): dirsync sends the Okta credentials to no other origin, ` +
          'so the read stops and changes nothing; check that OKTA_CLIENT_ORGURL is the URL the org itself answers on',
      );
    }
    return url.href;
  }

  async #get(
    url: string,
    context: OktaFailureContext,
    signal: AbortSignal | undefined,
  ): Promise<{ body: unknown; link: string | null } | undefined> {
    const { retry, gate } = this.settings;
    for (let attempt = 0; ; attempt += 1) {
      await gate.wait(url, signal);
      let failure: OktaFailure;
      try {
        // A fresh object per attempt: the SDK writes into it (url, auth headers). No abort signal in it: the SDK's
        // executor deep-copies the request to retry a 429, and node-fetch refuses the copied signal.
        const init = { url, method: 'get', headers: { Accept: 'application/json' } };
        const response: unknown = await this.sdk.http(url, init);
        if (!isOktaFetchResponse(response)) {
          throw new ConnectorError('bad_response', `the Okta SDK returned no HTTP response for ${context.request}`);
        }
        return { body: await response.json(), link: response.headers.get('link') };
      } catch (error) {
        failure = classifyOktaFailure(error, { ...context, tokenRefusal: this.settings.tokenRefusal() });
      }
      if (failure.kind === 'not_found') return undefined;
      if (failure.kind === 'fatal') throw failure.error;
      if (failure.status === undefined) this.settings.onFailedRequest();
      if (attempt >= retry.maxRetries) {
        throw new ConnectorError(
          'unavailable',
          `Okta at ${this.settings.orgUrl} did not answer ${context.request}: ${failure.summary} — retried ${retry.maxRetries} times`,
          { cause: failure.cause },
        );
      }
      const ceiling = retry.baseDelayMs * 2 ** attempt;
      await sleep(
        ceiling / 2 + Math.random() * (ceiling / 2),
        undefined,
        signal === undefined ? undefined : { signal },
      );
    }
  }
}

/** The `rel="next"` target of a (possibly comma-joined) `Link` header. */
export function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(/,\s*(?=<)/)) {
    const match = /^<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}
