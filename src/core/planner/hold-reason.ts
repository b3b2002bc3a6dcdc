import type { SourceAnomaly, SourceDrop } from '../source-anomaly.js';
import { explainSourceAnomaly } from '../source-anomaly.js';
import { explainTrip } from './explain-plan.js';
import type { GuardTrip, PlanRejection } from './plan.js';

/** Why a stored plan is held: a guard it trips, or a full read that lost too much (DESIGN "Safety"). */
export type HoldReason =
  | { readonly kind: 'guard'; readonly trip: GuardTrip; readonly message: string }
  | { readonly kind: 'source-anomaly'; readonly drop: SourceDrop; readonly message: string };

export function guardHoldReasons(rejection: PlanRejection): HoldReason[] {
  return rejection.trips.map((trip) => ({ kind: 'guard', trip, message: explainTrip(trip) }));
}

export function anomalyHoldReasons(anomaly: SourceAnomaly): HoldReason[] {
  return anomaly.drops.map((drop) => ({
    kind: 'source-anomaly',
    drop,
    message: `the directory answered far less than the mirror holds: ${explainSourceAnomaly({ drops: [drop] })}`,
  }));
}

/**
 * What makes two holds of one connection the same hold, so that a worker running every 15 minutes keeps one plan
 * id while nothing changed instead of minting a new one each run (the operator may be typing `approve` on it):
 * the reasons' kinds, guards and subjects, and the destructive atoms. Counts and limits in the reasons do not
 * matter; the atoms carry what an approval covers.
 */
export function holdIdentity(reasons: readonly HoldReason[], atoms: readonly string[]): string {
  const parts = reasons
    .map((reason) =>
      reason.kind === 'guard'
        ? `guard:${reason.trip.guard}${reason.trip.guard === 'member-removals' ? `:${reason.trip.groupId}` : ''}`
        : `source-anomaly:${reason.drop.resource}`,
    )
    .sort();
  return JSON.stringify([parts, atoms]);
}
