import { explainOp, type ExplainContext, type OpExplanation } from './explain-op.js';
import type { Plan, PlanRejection } from './plan.js';

/** Every op of `plan` in words, in plan order (see `explainOp`). Held plans are explained too: they list who. */
export function explainPlan(plan: Plan, context: ExplainContext): OpExplanation[] {
  return plan.ops.map((op) => explainOp(op, context));
}

/**
 * Why a guard held the plan, as one line without advice (the caller says which flag or setting to change):
 * `would deactivate 40 of 120 active app users, more than the limit of 30`.
 */
export function explainRejection(rejection: PlanRejection): string {
  switch (rejection.reason) {
    case 'mass-deactivation':
      return (
        `would deactivate ${rejection.deactivations} of ${rejection.activeAppUsers} active app users, ` +
        `more than the limit of ${rejection.limit}`
      );
  }
}
