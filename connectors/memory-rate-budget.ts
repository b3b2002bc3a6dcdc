import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_RATE_RESERVE_SHARE, type RateBudget, type RateWindow, type RefillRate } from './rate-budget.js';
import { observeRateWindow, takeRateSlot, UNKNOWN_RATE_BUCKET, type RateBucket } from './rate-bucket.js';
import { holdRefillBucket, observeRefillRemaining, takeRefillUnits, type RefillBucket } from './refill-bucket.js';

/** A `RateBudget` for this process alone (the CLI, tests, and the worker while Redis is unreachable). */
export class MemoryRateBudget implements RateBudget {
  readonly #buckets = new Map<string, RateBucket>();
  readonly #refills = new Map<string, RefillBucket>();

  constructor(
    private readonly reserveShare = DEFAULT_RATE_RESERVE_SHARE,
    private readonly now: () => number = Date.now,
  ) {}

  async take(key: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const taken = takeRateSlot(this.#buckets.get(key) ?? UNKNOWN_RATE_BUCKET, this.now(), this.reserveShare);
      this.#buckets.set(key, taken.bucket);
      if (taken.holdMs <= 0) return;
      await sleep(taken.holdMs, undefined, signal === undefined ? undefined : { signal });
    }
  }

  observe(key: string, window: RateWindow): Promise<void> {
    this.#buckets.set(key, observeRateWindow(this.#buckets.get(key) ?? UNKNOWN_RATE_BUCKET, window, this.now()));
    return Promise.resolve();
  }

  async takeRefill(key: string, cost: number, rate: RefillRate, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const taken = takeRefillUnits(this.#refills.get(key), cost, rate, this.now(), this.reserveShare);
      this.#refills.set(key, taken.bucket);
      if (taken.holdMs <= 0) return;
      await sleep(taken.holdMs, undefined, signal === undefined ? undefined : { signal });
    }
  }

  observeRefill(key: string, remaining: number, rate: RefillRate): Promise<void> {
    this.#refills.set(key, observeRefillRemaining(this.#refills.get(key), remaining, rate, this.now()));
    return Promise.resolve();
  }

  holdRefill(key: string, ms: number, rate: RefillRate): Promise<void> {
    this.#refills.set(key, holdRefillBucket(this.#refills.get(key), ms, rate, this.now()));
    return Promise.resolve();
  }
}
