import { explainOp, type ExplainContext, type OpExplanation } from './explain-op.js';
import { GUARD_VARIABLES } from './guards.js';
import type { GuardTrip, Plan, PlanRejection } from './plan.js';

/** Every op of `plan` in words, in plan order (see `explainOp`). Held plans are explained too: they list who. */
export function explainPlan(plan: Plan, context: ExplainContext): OpExplanation[] {
  return plan.ops.map((op) => explainOp(op, context));
}

/**
 * Why the guards held the plan, one line per trip naming the setting that raises that guard, without other
 * advice (the caller says how to go on):
 * `would deactivate 40 of 120 active app users, more than the limit of 30 (DIRSYNC_MAX_DEACTIVATIONS)`.
 */
export function explainRejection(rejection: PlanRejection): string[] {
  return rejection.trips.map(explainTrip);
}

/** One guard trip in words, ending with the variable that raises it. */
export function explainTrip(trip: GuardTrip): string {
  const variable = GUARD_VARIABLES[trip.guard];
  switch (trip.guard) {
    case 'deactivations':
      return (
        `would deactivate ${trip.count} of ${trip.activeAppUsers} active app users, ` +
        `more than the limit of ${trip.limit} (${variable})`
      );
    case 'group-deletes':
      return (
        `would delete ${trip.count} of ${trip.appGroups} app groups, ` +
        `more than the limit of ${trip.limit} (${variable})`
      );
    case 'member-removals':
      return (
        `would remove ${trip.count} of ${trip.members} members from group ${trip.groupName} (${trip.groupId}), ` +
        `more than the limit of ${trip.limit} (${variable})`
      );
  }
}
