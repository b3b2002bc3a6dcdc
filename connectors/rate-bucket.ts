import type { RateWindow } from './rate-budget.js';

/**
 * One key's window as a budget keeps it. Every request sent is counted in `remaining` as soon as it takes its slot,
 * so the count never lags behind requests still in flight (the server's headers only lower it further).
 */
export interface RateBucket {
  /** 0 while no answer has said the limit: requests go, and `remaining` counts them down from 0. */
  readonly limit: number;
  readonly remaining: number;
  readonly window: number;
  /** Epoch ms (of the budget's clock) when the window refills; 0 when unknown (no answer yet in this window). */
  readonly resetAt: number;
}

/** The bucket of a key no answer has been seen for yet. */
export const UNKNOWN_RATE_BUCKET: RateBucket = { limit: 0, remaining: 0, window: 0, resetAt: 0 };

/** How long to hold when the remainder is spent and no answer has said yet when the window resets. */
export const UNKNOWN_RESET_HOLD_MS = 250;

/**
 * Requests of a key that go before any answer has said its limit, in the first `UNKNOWN_RESET_HOLD_MS`: the rest
 * wait that long for the first answer. Without it, syncs starting at the same instant sent all their first requests
 * before any answer came back (four syncs, eight requests against a limit of six: a 429). Past that time requests
 * go again as before, so a key whose answers never carry rate-limit headers is not held up for good.
 */
export const UNKNOWN_LIMIT_REQUESTS = 2;

/**
 * Takes a slot: the state after the take and how long to hold (0: the request goes and was counted). The rules are
 * written once here; `RedisRateBudget` runs the same rules in Lua.
 */
export function takeRateSlot(
  bucket: RateBucket,
  now: number,
  reserveShare: number,
): { readonly bucket: RateBucket; readonly holdMs: number } {
  if (bucket.limit === 0) {
    // While the limit is unknown, `resetAt` is when the first request's grace for an answer ends.
    const graceEnds = bucket.resetAt > 0 ? bucket.resetAt : now + UNKNOWN_RESET_HOLD_MS;
    if (bucket.remaining <= -UNKNOWN_LIMIT_REQUESTS && now < graceEnds) {
      return { bucket: { ...bucket, resetAt: graceEnds }, holdMs: graceEnds - now };
    }
    return { bucket: { ...bucket, remaining: bucket.remaining - 1, resetAt: graceEnds }, holdMs: 0 };
  }
  // A window over: the next one starts full; its first answer says when it resets.
  const current =
    bucket.resetAt > 0 && now >= bucket.resetAt ? { ...bucket, remaining: bucket.limit, resetAt: 0 } : bucket;
  const reserve = Math.max(1, Math.ceil(current.limit * reserveShare));
  if (current.remaining <= reserve) {
    return { bucket: current, holdMs: current.resetAt > 0 ? current.resetAt - now : UNKNOWN_RESET_HOLD_MS };
  }
  return { bucket: { ...current, remaining: current.remaining - 1 }, holdMs: 0 };
}

/**
 * Merges an answer into a bucket. Within one window the smaller remainder wins (the bucket counts requests the
 * server has not seen yet; the server counts other clients); the first answer ever takes off the requests sent
 * before it; a later window replaces the bucket, except that the slots taken since the last one ran out still count;
 * an answer from an earlier window is ignored.
 */
export function observeRateWindow(bucket: RateBucket, observed: RateWindow, now: number): RateBucket {
  const resetAt = now + Math.max(0, observed.resetInMs);
  const fresh = { limit: observed.limit, remaining: observed.remaining, window: observed.window, resetAt };
  if (bucket.limit === 0)
    return { ...fresh, remaining: Math.min(observed.remaining, observed.limit + bucket.remaining) };
  if (observed.window < bucket.window) return bucket;
  if (observed.window === bucket.window || bucket.resetAt === 0) {
    return { ...fresh, remaining: Math.min(bucket.remaining, observed.remaining) };
  }
  return fresh;
}
