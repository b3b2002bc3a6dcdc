import { describe, expect, it } from 'vitest';
import { desiredStateOf } from '../../../../src/core/desired-state.js';
import { explainOp } from '../../../../src/core/planner/explain-op.js';
import { explainPlan, explainRejection } from '../../../../src/core/planner/explain-plan.js';
import { DEFAULT_SCOPE } from '../../../../src/core/scope.js';
import { appStateOf, appUser, directoryOf, directoryUser, plan } from '../builders.js';

describe('explainPlan', () => {
  it('explains every op of the plan, in plan order, held plans included', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    const directory = directoryOf({
      users: ids.map((id) => directoryUser(id, { active: false, status: 'SUSPENDED' })),
    });
    const app = appStateOf({ users: ids.map((id) => appUser(id)) });
    const desired = desiredStateOf(directory, DEFAULT_SCOPE);
    const held = plan(desired, app, { deactivationLimit: { kind: 'count', count: 5 } });
    expect(held.rejected).not.toBeNull();
    const context = { idpName: 'Okta', directory, app, desired };
    const explanations = explainPlan(held, context);
    expect(explanations.map((e) => e.key)).toEqual(held.ops.map((op) => op.key));
    expect(explanations).toEqual(held.ops.map((op) => explainOp(op, context)));
    expect(explanations[0]?.summary).toBe('deactivate u00@example.com (Given-u00 Family-u00): SUSPENDED in Okta');
  });
});

describe('explainRejection', () => {
  it('says how many deactivations against which limit, in one line without advice', () => {
    const text = explainRejection({ reason: 'mass-deactivation', deactivations: 40, limit: 30, activeAppUsers: 120 });
    expect(text).toBe('would deactivate 40 of 120 active app users, more than the limit of 30');
    expect(text).not.toContain('\n');
  });
});
