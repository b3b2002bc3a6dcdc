import ky, { isHTTPError, isTimeoutError } from 'ky';
import type { Options } from 'ky';
import type { z } from 'zod';
import { redirectLocation } from '../../core/redirect-location.js';
import { TargetError } from '../target-error.js';
import { scimErrorSchema } from './scim-schemas.js';
import type { ResolvedScimTargetConfig, ScimFetch } from './scim-target-config.js';
import { isUnknownOutcome } from './unknown-outcome.js';

export type ScimMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** An answer the caller has to judge (2xx, 404, 409, other 4xx); 401/403 and exhausted retries are thrown. */
export interface ScimHttpResponse {
  readonly status: number;
  /** The parsed JSON body; `undefined` when empty or not JSON. */
  readonly body: unknown;
  readonly text: string;
}

export interface ScimRequestOptions {
  readonly query?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  /**
   * For a request that must not be sent twice blindly (a create): after the backoff that follows an attempt whose
   * outcome is unknown (5xx, timeout, connection dropped; see `unknown-outcome.ts`), looks for what that attempt
   * would have made. A resource found is the answer (a 200 with it as the body) and nothing is sent again;
   * `undefined` sends the request again. Without it, every retryable failure is simply sent again.
   */
  readonly findLanded?: () => Promise<unknown>;
}

/**
 * SCIM over HTTP with ky: bearer auth, SCIM media types, retries of 429/5xx/timeouts/connection errors with
 * jittered exponential backoff honouring `Retry-After`, and every failure turned into a `TargetError` whose
 * message names what to do and never holds the token.
 */
export class ScimHttp {
  readonly #config: ResolvedScimTargetConfig;
  readonly #fetch: ScimFetch;

  constructor(config: ResolvedScimTargetConfig) {
    this.#config = config;
    this.#fetch = this.#timedFetch.bind(this);
  }

  get displayUrl(): string {
    return this.#config.displayUrl;
  }

  async request(method: ScimMethod, path: string, options: ScimRequestOptions = {}): Promise<ScimHttpResponse> {
    let response: Response;
    let text: string;
    try {
      response = await ky(path, this.#kyOptions(method, options));
      text = await response.text();
    } catch (error) {
      throw await this.#unavailable(error, method, path);
    }
    const body = parseJson(text);
    if (response.status >= 300 && response.status < 400) {
      // Sent with `redirect: 'manual'`: a redirect would re-send the token and the person's data to its Location.
      const where = redirectLocation(response.headers.get('location'), response.url || this.#config.displayUrl);
      throw new TargetError(
        'config',
        `${this.displayUrl} answered ${method} /${path} with HTTP ${response.status}, a redirect to ${where}; dirsync follows no redirects: set APP_SCIM_URL to the final URL`,
        { status: response.status, detail: `redirect to ${where}` },
      );
    }
    if (response.status === 401 || response.status === 403) {
      const hint = response.status === 403 ? 'give it the right to manage users and groups' : 'issue a new one';
      throw new TargetError(
        'auth',
        `APP_SCIM_TOKEN is rejected by ${this.displayUrl}: ${this.#detail(body, text)} (HTTP ${response.status}); ${hint} in the app and set APP_SCIM_TOKEN`,
        { status: response.status, detail: this.#detail(body, text) },
      );
    }
    return { status: response.status, body, text };
  }

  /** Parses a body dirsync needs; a body that does not fit is a `bad_response`. */
  parse<T>(response: ScimHttpResponse, schema: z.ZodType<T>, action: string): T {
    const result = schema.safeParse(response.body);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const where = issue === undefined ? '' : ` (${issue.path.join('.') || 'body'}: ${issue.message})`;
    throw new TargetError(
      'bad_response',
      `${this.displayUrl} answered ${action} with HTTP ${response.status} and a body that is not the SCIM resource expected${where}`,
      { status: response.status, detail: this.#detail(response.body, response.text) },
    );
  }

  /** The error for an answer the caller cannot go on with: 404 `not_found`, other 4xx `rejected`. */
  failure(response: ScimHttpResponse, action: string): TargetError {
    const detail = this.#detail(response.body, response.text);
    const scimType = scimErrorSchema.safeParse(response.body).data?.scimType;
    const code = `HTTP ${response.status}${scimType === undefined || scimType === null ? '' : `, ${scimType}`}`;
    if (response.status === 404) {
      return new TargetError(
        'not_found',
        `${this.displayUrl} has no such object to ${action} (${code}: ${detail}); it was probably deleted in the app outside dirsync`,
        { status: 404, detail },
      );
    }
    if (response.status >= 400 && response.status < 500) {
      return new TargetError('rejected', `${this.displayUrl} refused to ${action}: ${detail} (${code})`, {
        status: response.status,
        detail,
      });
    }
    return new TargetError('bad_response', `${this.displayUrl} answered ${action} with unexpected HTTP ${code}`, {
      status: response.status,
      detail,
    });
  }

  /** A server's SCIM `detail` (or the start of whatever it sent), with the token removed should it echo it. */
  #detail(body: unknown, text: string): string {
    const error = scimErrorSchema.safeParse(body).data;
    const raw = error?.detail ?? error?.scimType ?? text.replace(/\s+/g, ' ').trim().slice(0, 300);
    return this.#redact(raw === '' ? 'no detail given' : raw);
  }

  #redact(text: string): string {
    return text.split(this.#config.token).join('[redacted]');
  }

  #kyOptions(method: ScimMethod, options: ScimRequestOptions): Options {
    const config = this.#config;
    const headers: Record<string, string> = {
      authorization: `Bearer ${config.token}`,
      accept: 'application/scim+json, application/json;q=0.9',
      'user-agent': config.userAgent,
    };
    if (options.json !== undefined) headers['content-type'] = 'application/scim+json';
    return {
      method,
      prefixUrl: `${config.displayUrl}/`,
      headers,
      ...(options.json === undefined ? {} : { json: options.json }),
      // Spaces as %20, not "+": not every SCIM server decodes "+" in a filter as a space.
      ...(options.query === undefined ? {} : { searchParams: encodeQuery(options.query) }),
      timeout: config.timeoutMs,
      // DESIGN "Safety → Outbound requests": the token and the data go to APP_SCIM_URL's server only.
      redirect: 'manual',
      fetch: this.#fetch,
      // Only the answers worth retrying are thrown (and so retried by ky); the rest are judged by the caller.
      throwHttpErrors: isRetryableStatus,
      retry: {
        limit: config.retry.limit,
        // POST and PATCH too: a create is sent again only after `findLanded` found nothing; `replace` and `add`
        // land the same state twice; a repeated member `remove` meets noTarget, which ScimTarget takes as done.
        methods: ['get', 'post', 'put', 'patch', 'delete'],
        statusCodes: [429, 500, 502, 503, 504],
        retryOnTimeout: true,
        // ky's own wait is zeroed: the real wait happens in beforeRetry, through the injectable sleep.
        delay: () => 0,
        shouldRetry: ({ error }) => this.#shouldRetry(error),
      },
      hooks: {
        beforeRetry: [
          async ({ error, retryCount }) => {
            if (isHTTPError(error)) await error.response.body?.cancel();
            await config.sleep(this.#waitMs(error, retryCount));
            // DESIGN, Safety: a create whose outcome is unknown is looked up before it is sent again.
            if (options.findLanded === undefined || !isUnknownOutcome(error)) return undefined;
            const landed = await options.findLanded();
            return landed === undefined ? undefined : Response.json(landed);
          },
        ],
      },
    };
  }

  #shouldRetry(error: Error): boolean {
    if (isHTTPError(error)) {
      const after = retryAfterMs(error.response.headers.get('retry-after'));
      return isRetryableStatus(error.response.status) && (after ?? 0) <= this.#config.retry.maxRetryAfterMs;
    }
    return isTimeoutError(error) || error instanceof TypeError;
  }

  #waitMs(error: Error, retryCount: number): number {
    const after = isHTTPError(error) ? retryAfterMs(error.response.headers.get('retry-after')) : undefined;
    if (after !== undefined) return after;
    const { baseDelayMs, maxDelayMs } = this.#config.retry;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retryCount - 1));
    // "Equal jitter": at least half the step, so that clients spread out yet still back off.
    return ceiling / 2 + (this.#config.random() * ceiling) / 2;
  }

  async #unavailable(error: unknown, method: ScimMethod, path: string): Promise<TargetError> {
    const what = `${method} /${path}`;
    const again = 'the op stays pending; try again later';
    if (isHTTPError(error)) {
      const status = error.response.status;
      const text = await error.response.text().catch(() => '');
      const detail = this.#detail(parseJson(text), text);
      const retryAfter = retryAfterMs(error.response.headers.get('retry-after'));
      const why =
        retryAfter !== undefined && retryAfter > this.#config.retry.maxRetryAfterMs
          ? `asks to wait ${Math.ceil(retryAfter / 1000)} s`
          : `still failing after ${this.#config.retry.limit} retries`;
      return new TargetError(
        'unavailable',
        `${this.displayUrl} answered ${what} with HTTP ${status} (${detail}), ${why}; ${again}`,
        {
          status,
          detail,
          ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
        },
      );
    }
    if (isTimeoutError(error)) {
      return new TargetError(
        'unavailable',
        `${this.displayUrl} did not answer ${what} within ${this.#config.timeoutMs} ms, ${this.#config.retry.limit} retries included; ${again}`,
      );
    }
    if (error instanceof TypeError) {
      // fetch's TypeError carries the socket error (ECONNREFUSED, ENOTFOUND…) as its cause; no request, no headers.
      const cause: unknown = error.cause;
      const reason = cause instanceof Error ? cause.message : error.message;
      return new TargetError(
        'unavailable',
        `Cannot reach ${this.displayUrl} (${what}): ${this.#redact(reason)}; ${again}`,
        {
          cause,
        },
      );
    }
    throw error;
  }

  async #timedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const started = performance.now();
    const url = new URL(input instanceof Request ? input.url : input);
    const method = input instanceof Request ? input.method : (init?.method ?? 'GET');
    const path = url.pathname.slice(this.#config.baseUrl.pathname.replace(/\/+$/, '').length);
    const report = (status: number | undefined): void => {
      try {
        this.#config.onRequest?.({ method, path, status, durationMs: performance.now() - started });
      } catch {
        // A failing counter must not fail the sync.
      }
    };
    try {
      const response = await this.#config.fetch(input, init);
      report(response.status);
      return response;
    } catch (error) {
      report(undefined);
      throw error;
    }
  }
}

// 501 Not Implemented is an answer, not an outage (RFC 9110 §15.6.2): the app does not do that request at all, which
// the caller judges (a filter or a form the app's dialect lacks).
function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501);
}

/** `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from now. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Every HTTP-date form starts with a day name; Date.parse alone would read "-5" as a year.
  const date = /^[A-Za-z]{3}/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function encodeQuery(query: Readonly<Record<string, string>>): string {
  return Object.entries(query)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
}

/** A body as JSON, or `undefined` when it is empty or not JSON (an app's error pages are often HTML). */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
