import type { OktaClock } from './okta-records.js';

export interface OktaRateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch seconds when the window resets, as in `X-Rate-Limit-Reset`. */
  resetEpochSeconds: number;
}

export interface OktaRateLimitOptions {
  /** Requests per window per endpoint family; default 600. */
  readonly limit?: number;
  /** Window length; default one minute, as Okta's per-minute buckets. Tests shorten it to stay fast. */
  readonly windowMs?: number;
  /** Per-family overrides, keyed by family (e.g. `/api/v1/users`). */
  readonly perFamily?: Readonly<Record<string, number>>;
}

/**
 * Fixed-window counters per endpoint family (Okta's buckets are per endpoint, per minute:
 * https://developer.okta.com/docs/reference/rate-limits/ and .../rl-best-practices/).
 */
export class OktaRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly perFamily: Readonly<Record<string, number>>;

  constructor(
    private readonly clock: OktaClock,
    options: OktaRateLimitOptions = {},
  ) {
    this.limit = options.limit ?? 600;
    this.windowMs = options.windowMs ?? 60_000;
    this.perFamily = { ...options.perFamily };
  }

  /** Counts one request against `family` and says whether it is within the limit. */
  take(family: string): OktaRateLimitDecision {
    const limit = this.perFamily[family] ?? this.limit;
    const now = this.clock.now().getTime();
    const windowStart = now - (now % this.windowMs);
    let window = this.windows.get(family);
    if (window === undefined || window.start !== windowStart) {
      window = { start: windowStart, count: 0 };
      this.windows.set(family, window);
    }
    window.count += 1;
    return {
      allowed: window.count <= limit,
      limit,
      remaining: Math.max(0, limit - window.count),
      resetEpochSeconds: Math.ceil((windowStart + this.windowMs) / 1000),
    };
  }
}

/** The bucket a path counts against: the first three segments (`/api/v1/users`, `/oauth2/v1/token`). */
export function endpointFamily(pathname: string): string {
  return pathname.split('/').slice(0, 4).join('/');
}
