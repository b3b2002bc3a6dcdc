/**
 * What one response said about an IdP's request budget for one endpoint family (Okta's `X-Rate-Limit-*`), or a
 * throttled response's `Retry-After` as a window with nothing left.
 */
export interface RateWindow {
  /** Requests the window allows. */
  readonly limit: number;
  /** Requests left in the window once the observed request was counted. */
  readonly remaining: number;
  /**
   * The server's name for the window, larger for later windows (Okta: `X-Rate-Limit-Reset`, in epoch seconds), so an
   * answer that arrives late from a window already over cannot refill the current one.
   */
  readonly window: number;
  /** How long until the window refills, from when the response arrived (server time, so skew does not matter). */
  readonly resetInMs: number;
}

/**
 * A budget of units refilled continuously (a token bucket): `capacity` units at most, `capacity` more every
 * `periodMs` (Graph's identity service: 3 500 resource units per 10 s for a small tenant). The IdP documents it; no
 * answer states it.
 */
export interface RefillRate {
  readonly capacity: number;
  readonly periodMs: number;
}

/**
 * A request budget per key (an IdP tenant and endpoint family): a request first takes a slot, and every response
 * teaches the budget what the server counted. Implementations: `MemoryRateBudget` (this process) and
 * `RedisRateBudget` (every worker sharing a Redis).
 */
export interface RateBudget {
  /**
   * Resolves once a request on `key` may be sent without eating into the reserve (a share of the limit kept for
   * whoever else uses the tenant), and counts it; holds until the window's reset when the remainder is down to the
   * reserve. On a key no response has described yet, the first `UNKNOWN_LIMIT_REQUESTS` go at once and the rest wait
   * up to `UNKNOWN_RESET_HOLD_MS` for the first response, which says what the budget is. Rejects only when `signal`
   * aborts.
   */
  take(key: string, signal?: AbortSignal): Promise<void>;
  /** Learns from a response on `key`. Never rejects. */
  observe(key: string, window: RateWindow): Promise<void>;
  /**
   * Like `take` for a refilling budget (`RefillRate`): resolves once `cost` units of `key` can be spent without
   * eating into the reserve, or when a hold set by `holdRefill` ends, and counts them. Rejects only when `signal`
   * aborts.
   */
  takeRefill(key: string, cost: number, rate: RefillRate, signal?: AbortSignal): Promise<void>;
  /** The server said `remaining` units of `key` are left (fewer than counted: other clients). Never rejects. */
  observeRefill(key: string, remaining: number, rate: RefillRate): Promise<void>;
  /** Every `takeRefill` on `key` holds for `ms` from now (a throttled answer's `Retry-After`). Never rejects. */
  holdRefill(key: string, ms: number, rate: RefillRate): Promise<void>;
}

/** The share of each window's limit a budget leaves unused by default. */
export const DEFAULT_RATE_RESERVE_SHARE = 0.1;
