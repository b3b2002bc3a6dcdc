import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GUARD_LIMITS,
  GUARD_VARIABLES,
  MIN_DEACTIVATIONS_LIMIT,
  MIN_GROUP_DELETES_LIMIT,
  MIN_GUARDED_GROUP_SIZE,
  checkDeactivations,
  checkGroupDeletes,
  checkGuards,
  checkMemberRemovals,
  limitFor,
  type GuardLimit,
} from '../../../../src/core/planner/guards.js';
import type { Op } from '../../../../src/core/planner/op.js';
import { appGroup, appStateOf, appUser, desiredGroup, desiredOf, desiredUser, opsOfKind, plan } from '../builders.js';

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

/** An app with `groups` groups of which the directory lost `gone`. */
function groupScenario(groups: number, gone: number) {
  const groupIds = ids(groups, 'g');
  const app = appStateOf({ groups: groupIds.map((id) => appGroup(id)) });
  const desired = desiredOf({ groups: groupIds.slice(gone).map((id) => desiredGroup(id)) });
  return { app, desired };
}

/** One group "g" of `members` people (all staying in the app) of which `removed` left the group. */
function memberScenario(members: number, removed: number) {
  const userIds = ids(members);
  const app = appStateOf({
    users: userIds.map((id) => appUser(id)),
    groups: [appGroup('g', { displayName: 'Sales' })],
    members: { g: userIds },
  });
  const desired = desiredOf({
    users: userIds.map((id) => desiredUser(id)),
    groups: [desiredGroup('g', userIds.slice(removed), 'Sales')],
  });
  return { app, desired };
}

const count = (n: number): GuardLimit => ({ kind: 'count', count: n });
const share = (percent: number): GuardLimit => ({ kind: 'share', percent });

describe('the guards’ defaults and limits', () => {
  it('defaults to 25% of active users, 25% of groups, 50% of a group’s members', () => {
    expect(DEFAULT_GUARD_LIMITS).toEqual({
      deactivations: share(25),
      groupDeletes: share(25),
      memberRemovals: share(50),
    });
    expect([MIN_DEACTIVATIONS_LIMIT, MIN_GROUP_DELETES_LIMIT, MIN_GUARDED_GROUP_SIZE]).toEqual([10, 5, 10]);
  });

  it.each([
    { limit: share(25), total: 100, floor: 10, max: 25 },
    { limit: share(25), total: 39, floor: 10, max: 10 },
    { limit: share(25), total: 44, floor: 10, max: 11 },
    { limit: share(1), total: 200, floor: 10, max: 10 },
    { limit: share(25), total: 12, floor: 5, max: 5 },
    { limit: share(50), total: 9, floor: 0, max: 4 },
    { limit: count(3), total: 1000, floor: 10, max: 3 },
    { limit: count(50), total: 4, floor: 10, max: 50 },
    { limit: count(0), total: 100, floor: 10, max: 0 },
  ])('$limit.kind $limit of $total (floor $floor) allows $max', ({ limit, total, floor, max }) => {
    expect(limitFor(limit, total, floor)).toBe(max);
  });

  it('names the variable that raises each guard', () => {
    expect(GUARD_VARIABLES).toEqual({
      deactivations: 'DIRSYNC_MAX_DEACTIVATIONS',
      'group-deletes': 'DIRSYNC_MAX_GROUP_DELETES',
      'member-removals': 'DIRSYNC_MAX_MEMBER_REMOVALS',
    });
  });
});

describe('planSync: the deactivation guard (DIRSYNC_MAX_DEACTIVATIONS)', () => {
  it.each([
    { active: 100, gone: 25, inactive: 0, held: false },
    { active: 100, gone: 26, inactive: 0, held: true },
    { active: 10, gone: 10, inactive: 0, held: false },
    { active: 11, gone: 11, inactive: 0, held: true },
    { active: 44, gone: 11, inactive: 100, held: false },
    { active: 44, gone: 12, inactive: 100, held: true },
  ])('$gone of $active active users (and $inactive inactive) gone: held $held', ({ active, gone, inactive, held }) => {
    const { app, desired } = scenario(active, gone, inactive);
    const result = plan(desired, app);
    const max = Math.max(10, Math.floor(active / 4));
    expect(result.rejected).toEqual(
      held ? { trips: [{ guard: 'deactivations', count: gone, limit: max, activeAppUsers: active }] } : null,
    );
    // A held plan still lists its ops: the operator sees who would go.
    expect(opsOfKind(result.ops, 'user.deactivate')).toHaveLength(gone);
  });

  it('honours a count: at the count allowed, one above held', () => {
    const { app, desired } = scenario(100, 6);
    const guards = (n: number) => ({ ...DEFAULT_GUARD_LIMITS, deactivations: count(n) });
    expect(plan(desired, app, { guards: guards(6) }).rejected).toBeNull();
    expect(plan(desired, app, { guards: guards(5) }).rejected?.trips).toEqual([
      { guard: 'deactivations', count: 6, limit: 5, activeAppUsers: 100 },
    ]);
  });

  it('is not tripped by creates, updates or reactivations', () => {
    const app = appStateOf({ users: ids(20, 'x').map((id) => appUser(id, { active: false })) });
    const desired = desiredOf({
      users: [...ids(20, 'x').map((id) => desiredUser(id)), ...ids(50).map((id) => desiredUser(id))],
    });
    expect(plan(desired, app).rejected).toBeNull();
  });

  it('counts only deactivations among the ops', () => {
    const updates: Op[] = ids(50).map((id) => ({
      kind: 'user.update',
      key: `user.update:c:${id}@1`,
      externalId: id,
      changes: { givenName: 'x' },
    }));
    expect(checkDeactivations(updates, appStateOf(), count(0))).toEqual([]);
  });
});

describe('planSync: the group-delete guard (DIRSYNC_MAX_GROUP_DELETES)', () => {
  it.each([
    { groups: 12, gone: 5, held: false, limit: 5 },
    { groups: 12, gone: 6, held: true, limit: 5 },
    { groups: 4, gone: 4, held: false, limit: 5 },
    { groups: 5, gone: 5, held: false, limit: 5 },
    { groups: 6, gone: 6, held: true, limit: 5 },
    { groups: 40, gone: 10, held: false, limit: 10 },
    { groups: 40, gone: 11, held: true, limit: 10 },
  ])('$gone of $groups app groups gone: held $held', ({ groups, gone, held, limit }) => {
    const { app, desired } = groupScenario(groups, gone);
    const result = plan(desired, app);
    expect(result.rejected).toEqual(
      held ? { trips: [{ guard: 'group-deletes', count: gone, limit, appGroups: groups }] } : null,
    );
    expect(opsOfKind(result.ops, 'group.delete')).toHaveLength(gone);
  });

  it('holds every group delete of a directory that answered users but no groups', () => {
    const { app, desired } = groupScenario(12, 12);
    expect(plan(desired, app).rejected?.trips).toEqual([
      { guard: 'group-deletes', count: 12, limit: 5, appGroups: 12 },
    ]);
  });

  it('honours a count', () => {
    const { app, desired } = groupScenario(100, 3);
    const guards = (n: number) => ({ ...DEFAULT_GUARD_LIMITS, groupDeletes: count(n) });
    expect(plan(desired, app, { guards: guards(3) }).rejected).toBeNull();
    expect(plan(desired, app, { guards: guards(2) }).rejected).not.toBeNull();
    expect(checkGroupDeletes([], appStateOf(), count(0))).toEqual([]);
  });
});

describe('planSync: the member-removal guard (DIRSYNC_MAX_MEMBER_REMOVALS)', () => {
  it.each([
    { members: 9, removed: 9, held: false, limit: 4 },
    { members: 10, removed: 5, held: false, limit: 5 },
    { members: 10, removed: 6, held: true, limit: 5 },
    { members: 11, removed: 6, held: true, limit: 5 },
    { members: 20, removed: 10, held: false, limit: 10 },
    { members: 20, removed: 11, held: true, limit: 10 },
  ])('$removed of $members members removed from one group: held $held', ({ members, removed, held, limit }) => {
    const { app, desired } = memberScenario(members, removed);
    const result = plan(desired, app);
    expect(result.rejected).toEqual(
      held
        ? { trips: [{ guard: 'member-removals', groupId: 'g', groupName: 'Sales', count: removed, limit, members }] }
        : null,
    );
  });

  it('applies a count to every group, small ones included', () => {
    const { app, desired } = memberScenario(4, 3);
    const guards = (n: number) => ({ ...DEFAULT_GUARD_LIMITS, memberRemovals: count(n) });
    expect(plan(desired, app, { guards: guards(3) }).rejected).toBeNull();
    expect(plan(desired, app, { guards: guards(2) }).rejected?.trips).toEqual([
      { guard: 'member-removals', groupId: 'g', groupName: 'Sales', count: 3, limit: 2, members: 4 },
    ]);
  });

  it('names each group that trips, in id order, and adds removals of one group across ops', () => {
    const members = ids(12);
    const app = appStateOf({
      groups: [appGroup('b', { displayName: 'Bravo' }), appGroup('a', { displayName: 'Alpha' })],
      members: { a: members, b: members },
    });
    const remove = (group: string, users: readonly string[], n: number): Op => ({
      kind: 'members.remove',
      key: `members.remove:c:${group}@${n}`,
      groupExternalId: group,
      userExternalIds: users,
    });
    const ops = [remove('b', members.slice(0, 4), 1), remove('b', members.slice(4, 7), 2), remove('a', members, 3)];
    expect(checkMemberRemovals(ops, app, share(50))).toEqual([
      { guard: 'member-removals', groupId: 'a', groupName: 'Alpha', count: 12, limit: 6, members: 12 },
      { guard: 'member-removals', groupId: 'b', groupName: 'Bravo', count: 7, limit: 6, members: 12 },
    ]);
  });
});

describe('checkGuards: every trip at once', () => {
  it('lists deactivations, group deletes and member removals together', () => {
    const users = ids(12);
    const groups = ids(6, 'g');
    const app = appStateOf({
      users: users.map((id) => appUser(id)),
      groups: [appGroup('team', { displayName: 'Team' }), ...groups.map((id) => appGroup(id))],
      members: { team: users },
    });
    const desired = desiredOf({ groups: [desiredGroup('team', [], 'Team')] });
    const result = plan(desired, app);
    expect(result.rejected?.trips.map((trip) => trip.guard)).toEqual([
      'deactivations',
      'group-deletes',
      'member-removals',
    ]);
    expect(checkGuards(result.ops, app, DEFAULT_GUARD_LIMITS)).toEqual(result.rejected?.trips);
  });

  it('lets every guard through with allowMassDeactivation, and keeps the ops', () => {
    const { app, desired } = scenario(100, 100);
    const result = plan(desired, app, { allowMassDeactivation: true });
    expect(result.rejected).toBeNull();
    expect(opsOfKind(result.ops, 'user.deactivate')).toHaveLength(100);
  });
});
