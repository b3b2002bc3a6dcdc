import type { RefillRate } from './rate-budget.js';

/**
 * One key's token bucket as a budget keeps it, for IdPs that meter a refilling budget of units rather than
 * requests per window (Microsoft Graph's identity service: resource units, refilled over 10 s). Every request takes
 * its cost as it is sent, so the count never lags behind requests still in flight.
 */
export interface RefillBucket {
  /** Units left as of `at`; below 0 when the server said more was used than the bucket holds. */
  readonly tokens: number;
  /** Epoch ms (of the budget's clock) `tokens` was counted at. */
  readonly at: number;
  /** Epoch ms until which every request holds (a throttled answer's `Retry-After`); 0 when none. */
  readonly holdUntil: number;
}

/** Tokens refilled since `bucket.at`, capped at the capacity; a key never seen starts full. */
function refilled(bucket: RefillBucket | undefined, rate: RefillRate, now: number): number {
  if (bucket === undefined) return rate.capacity;
  const elapsed = Math.max(0, now - bucket.at);
  return Math.min(rate.capacity, bucket.tokens + (elapsed * rate.capacity) / rate.periodMs);
}

/**
 * Takes `cost` units: the state after the take and how long to hold (0: the request goes and was counted). A
 * request goes while the units left after it stay at or above the reserve; one costing more than the capacity
 * outside the reserve goes once that much is there (it could never go otherwise), and its excess is owed. The rules
 * are written once here; `RedisRateBudget` runs the same rules in Lua.
 */
export function takeRefillUnits(
  bucket: RefillBucket | undefined,
  cost: number,
  rate: RefillRate,
  now: number,
  reserveShare: number,
): { readonly bucket: RefillBucket; readonly holdMs: number } {
  const holdUntil = bucket?.holdUntil ?? 0;
  if (now < holdUntil)
    return { bucket: bucket ?? { tokens: rate.capacity, at: now, holdUntil }, holdMs: holdUntil - now };
  const tokens = refilled(bucket, rate, now);
  const reserve = Math.max(1, Math.ceil(rate.capacity * reserveShare));
  const need = Math.min(cost, rate.capacity - reserve);
  if (tokens - need < reserve) {
    const holdMs = Math.ceil(((reserve + need - tokens) * rate.periodMs) / rate.capacity);
    return { bucket: { tokens, at: now, holdUntil: 0 }, holdMs: Math.max(1, holdMs) };
  }
  return { bucket: { tokens: tokens - cost, at: now, holdUntil: 0 }, holdMs: 0 };
}

/**
 * What the server said is left (Graph: from `x-ms-throttle-limit-percentage`): the smaller count wins, since the
 * bucket counts requests the server has not seen yet and the server counts other clients of the same budget.
 */
export function observeRefillRemaining(
  bucket: RefillBucket | undefined,
  remaining: number,
  rate: RefillRate,
  now: number,
): RefillBucket {
  return { tokens: Math.min(refilled(bucket, rate, now), remaining), at: now, holdUntil: bucket?.holdUntil ?? 0 };
}

/**
 * Every request holds until `now + ms` (a throttled answer's `Retry-After`), and after that the bucket goes on
 * from what it counted: a hold never extends one already longer, nor outlives its own end.
 */
export function holdRefillBucket(
  bucket: RefillBucket | undefined,
  ms: number,
  rate: RefillRate,
  now: number,
): RefillBucket {
  const tokens = refilled(bucket, rate, now);
  return { tokens, at: now, holdUntil: Math.max(bucket?.holdUntil ?? 0, now + Math.max(0, ms)) };
}
