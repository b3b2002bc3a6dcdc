import { TargetError } from '../target-error.js';
import type { ScimDialectSetting } from './scim-dialect.js';
import { sendOverUndici } from './scim-wire.js';
import type { ScimSend } from './scim-wire.js';

/** How failed requests (429, 5xx, timeouts, connection errors) are retried. */
export interface ScimRetryOptions {
  /** Retries after the first attempt. Default 5. */
  readonly limit?: number;
  /** The first backoff; each retry doubles it, with jitter. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** The longest computed backoff. Default 30 s. */
  readonly maxDelayMs?: number;
  /**
   * The longest `Retry-After` waited out. A server asking for more makes the op fail now as `unavailable` (with
   * `retryAfterMs`), so the run stops instead of hanging. Default 120 s.
   */
  readonly maxRetryAfterMs?: number;
}

/** One HTTP attempt, for counting and logging. Never carries headers (the token is one). */
export interface ScimRequestEvent {
  readonly method: string;
  /** Under the base URL, without the query: `/Users`, `/Groups/<id>`. */
  readonly path: string;
  /** `undefined` when no response came (connection error, timeout). */
  readonly status: number | undefined;
  readonly durationMs: number;
}

export interface ScimTargetConfig {
  /** `APP_SCIM_URL`: the SCIM base URL, e.g. `https://app.example.com/scim/v2`. */
  readonly baseUrl: string;
  /** `APP_SCIM_TOKEN`: sent as `Authorization: Bearer …`, never shown. */
  readonly token: string;
  /** `SCIM_MAX_MEMBERS_PER_PATCH`: member changes per group PATCH. Default 100. */
  readonly maxMembersPerPatch?: number;
  /** `target.dialect` (`SCIM_DIALECT`): what the app can do, a preset and fields over it. Default `generic`. */
  readonly dialect?: ScimDialectSetting;
  readonly retry?: ScimRetryOptions;
  /** Per attempt. Default 30 s. */
  readonly timeoutMs?: number;
  /** Default `dirsync`. */
  readonly userAgent?: string;
  readonly onRequest?: (event: ScimRequestEvent) => void;
  /** Waits between retries; tests pass one that records instead of sleeping. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) for the jitter. */
  readonly random?: () => number;
  /** Wraps the sender of every attempt; tests use it to change what the app seems to answer. */
  readonly wrapSend?: (send: ScimSend) => ScimSend;
}

export interface ResolvedScimTargetConfig {
  readonly baseUrl: URL;
  /** The base URL as shown to the operator: no credentials, no trailing slash. */
  readonly displayUrl: string;
  readonly token: string;
  readonly maxMembersPerPatch: number;
  readonly dialect: ScimDialectSetting;
  readonly retry: Required<ScimRetryOptions>;
  readonly timeoutMs: number;
  readonly userAgent: string;
  readonly onRequest: ((event: ScimRequestEvent) => void) | undefined;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly send: ScimSend;
}

/** Checks the configuration and fills in the defaults; a bad one is a `config` TargetError. */
export function resolveScimTargetConfig(config: ScimTargetConfig): ResolvedScimTargetConfig {
  const baseUrl = parseBaseUrl(config.baseUrl);
  const displayUrl = `${baseUrl.origin}${baseUrl.pathname}`.replace(/\/+$/, '');
  if (config.token.trim() === '') {
    throw new TargetError('config', `APP_SCIM_TOKEN is empty: set the bearer token the app issued for ${displayUrl}`);
  }
  const maxMembersPerPatch = config.maxMembersPerPatch ?? 100;
  positiveInteger(maxMembersPerPatch, 'SCIM_MAX_MEMBERS_PER_PATCH');
  const dialect = config.dialect ?? { preset: 'generic', overrides: {} };
  const maxMembersPerRequest = dialect.overrides.maxMembersPerRequest;
  if (maxMembersPerRequest !== undefined) positiveInteger(maxMembersPerRequest, 'target.dialect.maxMembersPerRequest');
  const retry = {
    limit: config.retry?.limit ?? 5,
    baseDelayMs: config.retry?.baseDelayMs ?? 500,
    maxDelayMs: config.retry?.maxDelayMs ?? 30_000,
    maxRetryAfterMs: config.retry?.maxRetryAfterMs ?? 120_000,
  };
  for (const [name, value] of Object.entries(retry)) {
    if (!Number.isFinite(value) || value < 0) throw new TargetError('config', `SCIM retry.${name} must be >= 0`);
  }
  const timeoutMs = config.timeoutMs ?? 30_000;
  positiveInteger(timeoutMs, 'SCIM timeoutMs');
  return {
    baseUrl,
    displayUrl,
    token: config.token,
    maxMembersPerPatch,
    dialect,
    retry,
    timeoutMs,
    userAgent: config.userAgent ?? 'dirsync',
    onRequest: config.onRequest,
    sleep: config.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: config.random ?? Math.random,
    send: config.wrapSend === undefined ? sendOverUndici : config.wrapSend(sendOverUndici),
  };
}

function parseBaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    // Not echoed: a malformed value may hold a credential.
    throw new TargetError('config', 'APP_SCIM_URL is not a valid URL (expected e.g. https://app.example.com/scim/v2)', {
      cause: error,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TargetError('config', `APP_SCIM_URL must be an http(s) URL, not ${url.protocol}//…`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    // Credentials in the URL would leak into logs; the token goes in APP_SCIM_TOKEN.
    throw new TargetError(
      'config',
      `APP_SCIM_URL must be a plain base URL (no credentials, query or fragment), e.g. ${url.origin}${url.pathname}`,
    );
  }
  return url;
}

function positiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) throw new TargetError('config', `${name} must be a whole number >= 1`);
}
