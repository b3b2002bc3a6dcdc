import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEACTIVATION_LIMIT,
  MIN_SHARE_LIMIT,
  checkMassDeactivation,
  deactivationLimitFor,
} from '../../../../src/core/planner/guards.js';
import type { Op } from '../../../../src/core/planner/op.js';
import { appStateOf, appUser, desiredOf, desiredUser, opsOfKind, plan } from '../builders.js';

const ids = (count: number, prefix = 'u') =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

/** An app with `active` active users (and `inactive` inactive ones) where the directory lost `gone` of the active. */
function scenario(active: number, gone: number, inactive = 0) {
  const activeIds = ids(active);
  const app = appStateOf({
    users: [...activeIds.map((id) => appUser(id)), ...ids(inactive, 'x').map((id) => appUser(id, { active: false }))],
  });
  const desired = desiredOf({ users: activeIds.slice(gone).map((id) => desiredUser(id)) });
  return { app, desired };
}

function deactivations(count: number): Op[] {
  return ids(count).map((id) => ({ kind: 'user.deactivate', key: `user.deactivate:c:${id}@1`, externalId: id }));
}

describe('deactivationLimitFor', () => {
  it('defaults to 25% of the active app users', () => {
    expect(DEFAULT_DEACTIVATION_LIMIT).toEqual({ kind: 'share', percent: 25 });
  });

  it.each([
    [0, 10],
    [4, 10],
    [40, 10],
    [43, 10],
    [44, 11],
    [100, 25],
    [101, 25],
    [1000, 250],
  ])('with %i active app users allows %i deactivations by default (25%, never below 10)', (active, limit) => {
    expect(deactivationLimitFor(DEFAULT_DEACTIVATION_LIMIT, active)).toBe(limit);
  });

  it('never lets a share fall below 10', () => {
    expect(MIN_SHARE_LIMIT).toBe(10);
    expect(deactivationLimitFor({ kind: 'share', percent: 1 }, 200)).toBe(10);
  });

  it('takes a count limit as it is, even below the share floor', () => {
    expect(deactivationLimitFor({ kind: 'count', count: 3 }, 1000)).toBe(3);
    expect(deactivationLimitFor({ kind: 'count', count: 50 }, 4)).toBe(50);
    expect(deactivationLimitFor({ kind: 'count', count: 0 }, 100)).toBe(0);
  });
});

describe('checkMassDeactivation', () => {
  const app100 = appStateOf({ users: ids(100).map((id) => appUser(id)) });

  it('allows exactly as many deactivations as the limit', () => {
    expect(checkMassDeactivation(deactivations(25), app100, DEFAULT_DEACTIVATION_LIMIT)).toBeNull();
  });

  it('rejects one deactivation above the limit, saying how many, the limit and the active app users', () => {
    expect(checkMassDeactivation(deactivations(26), app100, DEFAULT_DEACTIVATION_LIMIT)).toEqual({
      reason: 'mass-deactivation',
      deactivations: 26,
      limit: 25,
      activeAppUsers: 100,
    });
  });

  it('counts only the active app users for a share', () => {
    const app = appStateOf({
      users: [...ids(40).map((id) => appUser(id)), ...ids(60, 'x').map((id) => appUser(id, { active: false }))],
    });
    expect(checkMassDeactivation(deactivations(11), app, { kind: 'share', percent: 25 })).toMatchObject({
      limit: 10,
      activeAppUsers: 40,
    });
  });

  it('counts only deactivations, not other ops', () => {
    const others: Op[] = ids(50).map((id) => ({
      kind: 'user.update',
      key: `user.update:c:${id}@1`,
      externalId: id,
      changes: { givenName: 'x' },
    }));
    expect(
      checkMassDeactivation([...others, ...deactivations(10)], appStateOf(), DEFAULT_DEACTIVATION_LIMIT),
    ).toBeNull();
  });

  it('honours a count limit: at the count allowed, above rejected', () => {
    expect(checkMassDeactivation(deactivations(3), app100, { kind: 'count', count: 3 })).toBeNull();
    expect(checkMassDeactivation(deactivations(4), app100, { kind: 'count', count: 3 })).toMatchObject({
      deactivations: 4,
      limit: 3,
    });
  });
});

describe('planSync: the mass-deactivation guard', () => {
  it('lets through a plan that deactivates exactly 25% of the active app users', () => {
    const { app, desired } = scenario(100, 25);
    const result = plan(desired, app);
    expect(result.rejected).toBeNull();
    expect(opsOfKind(result.ops, 'user.deactivate')).toHaveLength(25);
  });

  it('rejects a plan that deactivates more than 25% of the active app users, and still lists its ops', () => {
    const { app, desired } = scenario(100, 26);
    const result = plan(desired, app);
    expect(result.rejected).toEqual({ reason: 'mass-deactivation', deactivations: 26, limit: 25, activeAppUsers: 100 });
    expect(opsOfKind(result.ops, 'user.deactivate')).toHaveLength(26);
  });

  it('lets a small app lose up to 10 people at once', () => {
    const { app, desired } = scenario(10, 10);
    expect(plan(desired, app).rejected).toBeNull();
  });

  it('rejects 11 deactivations in an app of 11 active users', () => {
    const { app, desired } = scenario(11, 11);
    expect(plan(desired, app).rejected).toEqual({
      reason: 'mass-deactivation',
      deactivations: 11,
      limit: 10,
      activeAppUsers: 11,
    });
  });

  it('does not count inactive app users towards the share', () => {
    const { app, desired } = scenario(44, 12, 100);
    expect(plan(desired, app).rejected).toMatchObject({ limit: 11, activeAppUsers: 44, deactivations: 12 });
  });

  it('lets the plan through with allowMassDeactivation', () => {
    const { app, desired } = scenario(100, 100);
    const result = plan(desired, app, { allowMassDeactivation: true });
    expect(result.rejected).toBeNull();
    expect(opsOfKind(result.ops, 'user.deactivate')).toHaveLength(100);
  });

  it('honours a count limit from the options', () => {
    const { app, desired } = scenario(100, 6);
    expect(plan(desired, app, { deactivationLimit: { kind: 'count', count: 6 } }).rejected).toBeNull();
    expect(plan(desired, app, { deactivationLimit: { kind: 'count', count: 5 } }).rejected).toMatchObject({
      deactivations: 6,
      limit: 5,
    });
  });

  it('is not tripped by creates, updates or reactivations', () => {
    const app = appStateOf({ users: ids(20, 'x').map((id) => appUser(id, { active: false })) });
    const desired = desiredOf({
      users: [...ids(20, 'x').map((id) => desiredUser(id)), ...ids(50).map((id) => desiredUser(id))],
    });
    expect(plan(desired, app).rejected).toBeNull();
  });
});
