import type { z } from 'zod';
import { redirectLocation } from '../../core/redirect-location.js';
import { TargetError } from '../target-error.js';
import { scimErrorSchema } from './scim-schemas.js';
import type { ResolvedScimTargetConfig } from './scim-target-config.js';
import type { ScimSend, ScimWireResponse } from './scim-wire.js';
import { isAnswerTimeout, isUnknownOutcome, wireErrorCode } from './unknown-outcome.js';

/** An attempt that got no answer: the transport failure's code and message. */
interface NoAnswer {
  readonly code: string;
  readonly reason: string;
}

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
  /** A JSON body serialized already (a bulk weighs its operations against the app's `maxPayloadSize`). */
  readonly jsonText?: string;
  /**
   * For a request that must not be sent twice blindly (a create): after the backoff that follows an attempt whose
   * outcome is unknown (5xx, timeout, connection dropped; see `unknown-outcome.ts`), looks for what that attempt
   * would have made. A resource found is the answer (a 200 with it as the body) and nothing is sent again;
   * `undefined` sends the request again. Without it, every retryable failure is simply sent again.
   */
  readonly findLanded?: () => Promise<unknown>;
}

/**
 * SCIM over HTTP (undici): bearer auth, SCIM media types, retries of 429/5xx/timeouts/dropped connections with
 * jittered exponential backoff honouring `Retry-After`, and every failure turned into a `TargetError` whose
 * message names what to do and never holds the token.
 */
export class ScimHttp {
  readonly #config: ResolvedScimTargetConfig;
  readonly #send: ScimSend;
  /** The base path without its trailing slash, to report paths under it. */
  readonly #basePath: string;

  constructor(config: ResolvedScimTargetConfig) {
    this.#config = config;
    this.#send = config.send;
    this.#basePath = config.baseUrl.pathname.replace(/\/+$/, '');
  }

  get displayUrl(): string {
    return this.#config.displayUrl;
  }

  async request(method: ScimMethod, path: string, options: ScimRequestOptions = {}): Promise<ScimHttpResponse> {
    const wire = this.#wireRequest(method, path, options);
    const { retry } = this.#config;
    // The retry loop is ours rather than a library's: before a create is sent again, `findLanded` must look for
    // what the lost attempt made, and no retry library has that step (ky's beforeRetry did, over fetch).
    for (let retries = 0; ; retries++) {
      const attempt = await this.#attempt(wire);
      if ('status' in attempt && !isRetryableStatus(attempt.status)) return this.#judge(method, path, attempt);
      const retryAfter = 'status' in attempt ? retryAfterMs(attempt.header('retry-after') ?? null) : undefined;
      if (retries >= retry.limit || (retryAfter ?? 0) > retry.maxRetryAfterMs) {
        throw this.#unavailable(attempt, retryAfter, method, path);
      }
      await this.#config.sleep(retryAfter ?? this.#backoffMs(retries + 1));
      // DESIGN, Safety: a create whose outcome is unknown is looked up before it is sent again.
      if (options.findLanded !== undefined && isUnknownOutcome(attempt)) {
        const landed = await options.findLanded();
        if (landed !== undefined) return { status: 200, body: landed, text: JSON.stringify(landed) };
      }
    }
  }

  /** One attempt: the answer, or the code of the transport failure; anything else (a defect) is thrown. */
  async #attempt(wire: Parameters<ScimSend>[0]): Promise<ScimWireResponse | NoAnswer> {
    const started = performance.now();
    const path = wire.url.pathname.slice(this.#basePath.length);
    const report = (status: number | undefined): void => {
      try {
        this.#config.onRequest?.({ method: wire.method, path, status, durationMs: performance.now() - started });
      } catch {
        // A failing counter must not fail the sync.
      }
    };
    try {
      const response = await this.#send(wire);
      report(response.status);
      return response;
    } catch (error) {
      report(undefined);
      const code = wireErrorCode(error);
      if (code === undefined) throw error;
      return { code, reason: error instanceof Error ? error.message : code };
    }
  }

  #judge(method: ScimMethod, path: string, response: ScimWireResponse): ScimHttpResponse {
    const { status, text } = response;
    const body = parseJson(text);
    if (status >= 300 && status < 400) {
      // No redirect is followed: it would re-send the token and the person's data to its Location.
      const url = `${this.#config.displayUrl}/${path}`;
      const where = redirectLocation(response.header('location') ?? null, url);
      throw new TargetError(
        'config',
        `${this.displayUrl} answered ${method} /${path} with HTTP ${status}, a redirect to ${where}; dirsync follows no redirects: set APP_SCIM_URL to the final URL`,
        { status, detail: `redirect to ${where}` },
      );
    }
    if (status === 401 || status === 403) {
      const hint = status === 403 ? 'give it the right to manage users and groups' : 'issue a new one';
      throw new TargetError(
        'auth',
        `APP_SCIM_TOKEN is rejected by ${this.displayUrl}: ${this.#detail(body, text)} (HTTP ${status}); ${hint} in the app and set APP_SCIM_TOKEN`,
        { status, detail: this.#detail(body, text) },
      );
    }
    return { status, body, text };
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

  #wireRequest(method: ScimMethod, path: string, options: ScimRequestOptions): Parameters<ScimSend>[0] {
    const config = this.#config;
    const headers: Record<string, string> = {
      authorization: `Bearer ${config.token}`,
      accept: 'application/scim+json, application/json;q=0.9',
      'user-agent': config.userAgent,
    };
    const body = options.jsonText ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
    if (body !== undefined) headers['content-type'] = 'application/scim+json';
    // Spaces as %20, not "+": not every SCIM server decodes "+" in a filter as a space.
    const encoded = options.query === undefined ? '' : encodeQuery(options.query);
    const query = encoded === '' ? '' : `?${encoded}`;
    return {
      method,
      url: new URL(`${config.displayUrl}/${path}${query}`),
      headers,
      body,
      timeoutMs: config.timeoutMs,
    };
  }

  #backoffMs(retry: number): number {
    const { baseDelayMs, maxDelayMs } = this.#config.retry;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
    // "Equal jitter": at least half the step, so that clients spread out yet still back off.
    return ceiling / 2 + (this.#config.random() * ceiling) / 2;
  }

  #unavailable(
    attempt: ScimWireResponse | NoAnswer,
    retryAfter: number | undefined,
    method: ScimMethod,
    path: string,
  ): TargetError {
    const what = `${method} /${path}`;
    const again = 'the op stays pending; try again later';
    if ('status' in attempt) {
      const { status, text } = attempt;
      const detail = this.#detail(parseJson(text), text);
      const why =
        retryAfter !== undefined && retryAfter > this.#config.retry.maxRetryAfterMs
          ? `asks to wait ${Math.ceil(retryAfter / 1000)} s`
          : `still failing after ${this.#config.retry.limit} retries`;
      return new TargetError(
        'unavailable',
        `${this.displayUrl} answered ${what} with HTTP ${status} (${detail}), ${why}; ${again}`,
        { status, detail, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) },
      );
    }
    if (isAnswerTimeout(attempt.code)) {
      return new TargetError(
        'unavailable',
        `${this.displayUrl} did not answer ${what} within ${this.#config.timeoutMs} ms, ${this.#config.retry.limit} retries included; ${again}`,
      );
    }
    return new TargetError(
      'unavailable',
      `Cannot reach ${this.displayUrl} (${what}): ${this.#redact(attempt.reason)} (${attempt.code}); ${again}`,
    );
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
