import { MemoryRateBudget } from '../memory-rate-budget.js';
import type { RateBudget, RateWindow } from '../rate-budget.js';

/** The slice of a fetch `Headers` the gate reads. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** Okta counts requests per endpoint family and minute; `/api/v1/users` for `/api/v1/users/…`. */
export function oktaRateFamily(url: string): string {
  return new URL(url).pathname.split('/').slice(0, 4).join('/');
}

/** The budget key of a request: the org's host and the endpoint family (`okta:acme.okta.com:/api/v1/users`). */
export function oktaRateKey(url: string): string {
  return `okta:${new URL(url).host}:${oktaRateFamily(url)}`;
}

/**
 * `X-Rate-Limit-Limit`/`-Remaining`/`-Reset` as a window. The reset is an epoch second of the org's clock; it is
 * turned into a delay through the same response's `Date`, so a skewed local clock does not matter.
 */
export function oktaRateWindow(headers: HeaderReader): RateWindow | undefined {
  const limitHeader = headers.get('x-rate-limit-limit');
  const resetHeader = headers.get('x-rate-limit-reset');
  if (limitHeader === null || resetHeader === null) return undefined;
  const limit = Number(limitHeader);
  const remaining = Number(headers.get('x-rate-limit-remaining'));
  const reset = Number(resetHeader);
  if (!Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(reset) || limit <= 0) return undefined;
  const serverNow = Date.parse(headers.get('date') ?? '');
  const resetInMs = reset * 1000 - (Number.isNaN(serverNow) ? Date.now() : serverNow);
  return { limit, remaining, window: reset, resetInMs: Math.max(0, resetInMs) };
}

/**
 * Slows down BEFORE a 429: every request takes a slot of its endpoint family's budget, and every response's
 * `X-Rate-Limit-*` headers teach the budget what Okta counted. When the remainder falls to the reserve (10 % of the
 * limit by default), the next request of that family holds until the reset. With a `RedisRateBudget` the budget is
 * the org's, shared by every worker reading it; by default it is this process's alone.
 */
export class OktaRateGate {
  constructor(private readonly budget: RateBudget = new MemoryRateBudget()) {}

  /** Learns from a response (never rejects: a budget's failures are its own). */
  observe(url: string, headers: HeaderReader): Promise<void> {
    const window = oktaRateWindow(headers);
    return window === undefined ? Promise.resolve() : this.budget.observe(oktaRateKey(url), window);
  }

  /** Resolves when a request to `url` may be sent without eating into the reserve, and counts it. */
  wait(url: string, signal?: AbortSignal): Promise<void> {
    return this.budget.take(oktaRateKey(url), signal);
  }
}
