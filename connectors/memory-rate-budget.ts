import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_RATE_RESERVE_SHARE, type RateBudget, type RateWindow } from './rate-budget.js';
import { observeRateWindow, takeRateSlot, UNKNOWN_RATE_BUCKET, type RateBucket } from './rate-bucket.js';

/** A `RateBudget` for this process alone (the CLI, tests, and the worker while Redis is unreachable). */
export class MemoryRateBudget implements RateBudget {
  readonly #buckets = new Map<string, RateBucket>();

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
}
