/**
 * When a failed op is tried again, and when it stops being tried (DESIGN "Safety", Failures per op). Pure: the
 * caller passes the time in, as epoch milliseconds.
 *
 * The schedule, by the op's failure count after this failure:
 * - 1st failure: retried on the next run, whenever that is. Many refusals are passing (the app's own race, a
 *   record an operator is fixing while the run goes on), and an operator who fixed the data and runs `sync`
 *   again expects it to be tried.
 * - 2nd failure onwards: not before 5 min × 2^(failures − 2): 5 min, 10 min, 20 min, 40 min, … capped at 6 h, so
 *   an op that keeps failing costs the app a few requests a day, not one per scheduled run.
 * - the `maxAttempts`-th failure parks it: no retry until its subject changes in the IdP or `dirsync retry`.
 */

/** `DIRSYNC_MAX_OP_ATTEMPTS` when unset. */
export const DEFAULT_MAX_OP_ATTEMPTS = 5;

/** The wait after the second failure; it doubles with each failure after that. */
export const FIRST_BACKOFF_MS = 5 * 60_000;

/** No failed op waits longer than this between two attempts. */
export const MAX_BACKOFF_MS = 6 * 3_600_000;

/** How long an op that has failed `failures` times (≥ 1) waits before its next attempt. */
export function retryDelayMs(failures: number): number {
  if (!Number.isInteger(failures) || failures < 1) throw new RangeError(`failures must be ≥ 1, got ${failures}`);
  if (failures === 1) return 0;
  // 2^(failures − 2) overflows to Infinity long after the cap; Math.min takes care of it.
  return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (failures - 2));
}

/** What becomes of an op that just failed (not counting 409/429/5xx, which never reach this). */
export type AfterFailure =
  | { readonly status: 'failed'; readonly failures: number; readonly nextAttemptAtMs: number }
  | { readonly status: 'parked'; readonly failures: number };

/**
 * The op failed once more: `previousFailures` is its count before this failure, `maxAttempts` the connection's
 * `DIRSYNC_MAX_OP_ATTEMPTS` (an integer ≥ 1).
 */
export function afterFailure(previousFailures: number, maxAttempts: number, nowMs: number): AfterFailure {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be an integer ≥ 1, got ${maxAttempts}`);
  }
  const failures = Math.max(0, previousFailures) + 1;
  if (failures >= maxAttempts) return { status: 'parked', failures };
  return { status: 'failed', failures, nextAttemptAtMs: nowMs + retryDelayMs(failures) };
}
