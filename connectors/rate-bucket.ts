import type { RateWindow } from './rate-budget.js';

/** One key's window as a budget keeps it. `resetAt` 0: the last known window is over and the next one's reset unknown. */
export interface RateBucket {
  readonly limit: number;
  readonly remaining: number;
  readonly window: number;
  /** Epoch ms (of the budget's clock) when the window refills; 0 when unknown. */
  readonly resetAt: number;
}

/** How long to hold when the remainder is spent and no response has said yet when the window resets. */
export const UNKNOWN_RESET_HOLD_MS = 250;

/**
 * The rules of a shared window, written once in TypeScript; `RedisRateBudget` runs the same rules in Lua.
 * `take` returns the state after the take and how long to hold (0: the request goes and was counted).
 */
export function takeRateSlot(
  bucket: RateBucket,
  now: number,
  reserveShare: number,
): { readonly bucket: RateBucket; readonly holdMs: number } {
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
 * Merges a response into a bucket. Within one window the smaller remainder wins (slots taken by requests still in
 * flight are not yet counted by the server); a later window replaces the bucket, except that the slots taken since
 * the last window ran out still count; an answer from an earlier window is ignored.
 */
export function observeRateWindow(bucket: RateBucket | undefined, observed: RateWindow, now: number): RateBucket {
  const resetAt = now + Math.max(0, observed.resetInMs);
  const fresh = { limit: observed.limit, remaining: observed.remaining, window: observed.window, resetAt };
  if (bucket === undefined) return fresh;
  if (observed.window < bucket.window) return bucket;
  if (observed.window === bucket.window || bucket.resetAt === 0) {
    return { ...fresh, remaining: Math.min(bucket.remaining, observed.remaining) };
  }
  return fresh;
}
