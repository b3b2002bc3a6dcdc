import type { OpHold } from './planner/op-hold.js';

/** Outbox statuses an op can be in while it is still to be done (the others are final: applied, skipped, …). */
export type OpenOpStatus = 'pending' | 'failed' | 'held' | 'parked' | 'unsupported';

/** The latest outbox row of a planned op's key, as far as the decision needs it. */
export interface StoredOpState {
  readonly status: OpenOpStatus;
  /** `dirsync approve <op-key>` approved it (`approved_at` is set). */
  readonly approved: boolean;
  /** A failed op is not attempted before this time; null: no wait. */
  readonly nextAttemptAtMs: number | null;
  /** Whether the planned op differs from the stored one: its subject changed in the IdP (read for parked ops). */
  readonly payloadChanged: boolean;
}

/**
 * What a run does with one planned op:
 * - `apply`: attempt it in this run; `approved` ops adopt a held account on purpose, `resetFailures` starts the
 *   op's failure count again (a parked op whose subject changed);
 * - `hold`: do not attempt it; store it as held with `hold` (null: keep the hold already stored);
 * - `wait`: a failed op whose next attempt is later than now;
 * - `park`: a parked op stays parked.
 */
export type EnqueueDecision =
  | { readonly action: 'apply'; readonly approved: boolean; readonly resetFailures: boolean }
  | { readonly action: 'hold'; readonly hold: OpHold | null }
  | { readonly action: 'wait'; readonly untilMs: number }
  | { readonly action: 'park' };

/**
 * Decides for one planned op from the latest open row of its key (undefined: none) and the hold the plan knows
 * for it, if any (a recycled identity seen at plan time). An approved op is never held again: the operator has
 * seen both identities and chose to adopt.
 */
export function enqueueDecision(
  stored: StoredOpState | undefined,
  hold: OpHold | undefined,
  nowMs: number,
): EnqueueDecision {
  const approved = stored?.approved ?? false;
  if (hold !== undefined && !approved) return { action: 'hold', hold };
  if (stored === undefined) return { action: 'apply', approved: false, resetFailures: false };
  switch (stored.status) {
    case 'pending':
    case 'unsupported':
      // Unsupported ops are asked again each run: the app's capabilities may have changed since.
      return { action: 'apply', approved, resetFailures: false };
    case 'held':
      return approved ? { action: 'apply', approved, resetFailures: false } : { action: 'hold', hold: null };
    case 'failed':
      return stored.nextAttemptAtMs !== null && stored.nextAttemptAtMs > nowMs
        ? { action: 'wait', untilMs: stored.nextAttemptAtMs }
        : { action: 'apply', approved, resetFailures: false };
    case 'parked':
      return stored.payloadChanged ? { action: 'apply', approved, resetFailures: true } : { action: 'park' };
  }
}
