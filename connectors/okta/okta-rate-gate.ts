import { setTimeout as sleep } from 'node:timers/promises';

/** The slice of a fetch `Headers` the gate reads. */
export interface HeaderReader {
  get(name: string): string | null;
}

interface Bucket {
  readonly limit: number;
  readonly remaining: number;
  /** Local epoch ms when the bucket refills. */
  readonly resetAt: number;
}

/** Okta counts requests per endpoint family and minute; `/api/v1/users` for `/api/v1/users/…`. */
export function oktaRateFamily(url: string): string {
  return new URL(url).pathname.split('/').slice(0, 4).join('/');
}

/**
 * Slows down BEFORE a 429: remembers `X-Rate-Limit-Limit`/`-Remaining`/`-Reset` per endpoint family and, when the
 * remainder falls below `reserveShare` of the limit, holds the next request of that family until the reset.
 * The reset is converted to local time through the response's `Date`, so skewed clocks do not matter.
 */
export class OktaRateGate {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly reserveShare = 0.1) {}

  observe(url: string, headers: HeaderReader): void {
    const limit = Number(headers.get('x-rate-limit-limit'));
    const remaining = Number(headers.get('x-rate-limit-remaining'));
    const reset = Number(headers.get('x-rate-limit-reset'));
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(reset) || limit <= 0) return;
    if (headers.get('x-rate-limit-limit') === null || headers.get('x-rate-limit-reset') === null) return;
    const serverNow = Date.parse(headers.get('date') ?? '');
    const untilReset = reset * 1000 - (Number.isNaN(serverNow) ? Date.now() : serverNow);
    this.#buckets.set(oktaRateFamily(url), { limit, remaining, resetAt: Date.now() + Math.max(0, untilReset) });
  }

  /** Resolves when a request to `url` may be sent without eating into the reserve. */
  async wait(url: string, signal?: AbortSignal): Promise<void> {
    const family = oktaRateFamily(url);
    const bucket = this.#buckets.get(family);
    if (bucket === undefined) return;
    const reserve = Math.max(1, Math.ceil(bucket.limit * this.reserveShare));
    const delay = bucket.resetAt - Date.now();
    if (bucket.remaining >= reserve || delay <= 0) return;
    await sleep(delay, undefined, signal === undefined ? undefined : { signal });
    // The bucket refilled; the next response will say how much is left.
    this.#buckets.delete(family);
  }
}
