import { describe, expect, it } from 'vitest';
import { desiredStateOf } from '../../../../src/core/desired-state.js';
import { explainOp } from '../../../../src/core/planner/explain-op.js';
import { explainPlan, explainRejection } from '../../../../src/core/planner/explain-plan.js';
import { DEFAULT_GUARD_LIMITS } from '../../../../src/core/planner/guards.js';
import type { GuardTrip } from '../../../../src/core/planner/plan.js';
import { DEFAULT_POLICY } from '../../../../src/core/policy/policy.js';
import { appStateOf, appUser, directoryOf, directoryUser, plan } from '../builders.js';

describe('explainPlan', () => {
  it('explains every op of the plan, in plan order, held plans included', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    const directory = directoryOf({
      users: ids.map((id) => directoryUser(id, { active: false, status: 'SUSPENDED' })),
    });
    const app = appStateOf({ users: ids.map((id) => appUser(id)) });
    const desired = desiredStateOf(directory, DEFAULT_POLICY);
    const held = plan(desired, app, {
      guards: { ...DEFAULT_GUARD_LIMITS, deactivations: { kind: 'count', count: 5 } },
    });
    expect(held.rejected).not.toBeNull();
    const context = { idpName: 'Okta', directory, app, desired };
    const explanations = explainPlan(held, context);
    expect(explanations.map((e) => e.key)).toEqual(held.ops.map((op) => op.key));
    expect(explanations).toEqual(held.ops.map((op) => explainOp(op, context)));
    expect(explanations[0]?.summary).toBe('deactivate u00@example.com (Given-u00 Family-u00): SUSPENDED in Okta');
  });
});

describe('explainRejection', () => {
  const cases: { trip: GuardTrip; line: string }[] = [
    {
      trip: { guard: 'deactivations', count: 40, limit: 30, activeAppUsers: 120 },
      line: 'would deactivate 40 of 120 active app users, more than the limit of 30 (DIRSYNC_MAX_DEACTIVATIONS)',
    },
    {
      trip: { guard: 'group-deletes', count: 6, limit: 5, appGroups: 12 },
      line: 'would delete 6 of 12 app groups, more than the limit of 5 (DIRSYNC_MAX_GROUP_DELETES)',
    },
    {
      trip: { guard: 'member-removals', groupId: '00g-sales', groupName: 'Sales', count: 6, limit: 5, members: 10 },
      line:
        'would remove 6 of 10 members from group Sales (00g-sales), more than the limit of 5 ' +
        '(DIRSYNC_MAX_MEMBER_REMOVALS)',
    },
  ];

  it.each(cases)('says what $trip.guard would do, against which limit, naming the variable', ({ trip, line }) => {
    expect(explainRejection({ trips: [trip] })).toEqual([line]);
  });

  it('gives one line per trip, in the order of the trips, none with a line break', () => {
    const lines = explainRejection({ trips: cases.map((c) => c.trip) });
    expect(lines).toEqual(cases.map((c) => c.line));
    for (const line of lines) expect(line).not.toContain('\n');
  });
});
