import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desiredStateOf } from '../../../../src/core/desired-state.js';
import { EMPTY_APP_STATE } from '../../../../src/core/model/app-state.js';
import { planSync } from '../../../../src/core/planner/plan-sync.js';
import type { Policy } from '../../../../src/core/policy/policy.js';
import { directoryArb, policyArb } from '../arbitraries.js';
import { applyOps, planOptions } from '../builders.js';

const RUNS = { numRuns: 300 };
const options = planOptions({ invites: true, allowMassDeactivation: true });

/** The app after a first sync under `policy`. */
function syncedUnder(directory: Parameters<typeof desiredStateOf>[0], policy: Policy) {
  return applyOps(EMPTY_APP_STATE, planSync(desiredStateOf(directory, policy), EMPTY_APP_STATE, options).ops);
}

describe('policy changes (DESIGN "Policy": planned on the next run from the mirror)', () => {
  it('changing only the mapping and the roles yields only user updates', () => {
    fc.assert(
      fc.property(directoryArb, policyArb, policyArb, (directory, before, other) => {
        const app = syncedUnder(directory, before);
        const after: Policy = { ...before, mapping: other.mapping, roles: other.roles };
        const ops = planSync(desiredStateOf(directory, after), app, options).ops;
        expect(ops.filter((op) => op.kind !== 'user.update')).toEqual([]);
      }),
      RUNS,
    );
  });

  it('any policy change keeps every app user (deactivated at most) and plans nothing more once applied', () => {
    fc.assert(
      fc.property(directoryArb, policyArb, policyArb, (directory, before, after) => {
        const app = syncedUnder(directory, before);
        const desired = desiredStateOf(directory, after);
        const result = applyOps(app, planSync(desired, app, options).ops);
        for (const id of app.users.keys()) expect(result.users.has(id)).toBe(true);
        expect(planSync(desired, result, options).ops).toEqual([]);
      }),
      RUNS,
    );
  });

  it('a user out of scope is never active in the app, nor a member of any group', () => {
    fc.assert(
      fc.property(directoryArb, policyArb, policyArb, (directory, before, after) => {
        const app = syncedUnder(directory, before);
        const desired = desiredStateOf(directory, after);
        const result = applyOps(app, planSync(desired, app, options).ops);
        for (const user of result.users.values()) {
          if (!desired.users.has(user.externalId)) expect(user.active).toBe(false);
        }
        for (const members of result.members.values()) {
          for (const id of members) expect(desired.users.get(id)?.active).toBe(true);
        }
      }),
      RUNS,
    );
  });
});
