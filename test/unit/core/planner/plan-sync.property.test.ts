// The planner's laws, on random directories and random app states (DESIGN: "applying a plan to the known state
// yields the desired state; planning twice yields an empty plan").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desiredStateOf } from '../../../../src/core/desired-state.js';
import type { AppGroup, AppState, AppUser } from '../../../../src/core/model/app-state.js';
import { EMPTY_APP_STATE } from '../../../../src/core/model/app-state.js';
import type { DesiredState, DesiredUser } from '../../../../src/core/model/desired-state.js';
import type { ScimAttributeValue } from '../../../../src/core/model/extra-attributes.js';
import {
  applyOp,
  cloneAppState,
  type MutableAppState,
  type StateEffect,
} from '../../../../src/core/planner/apply-op.js';
import {
  MIN_DEACTIVATIONS_LIMIT,
  MIN_GROUP_DELETES_LIMIT,
  MIN_GUARDED_GROUP_SIZE,
  limitFor,
  type GuardLimit,
  type GuardLimits,
} from '../../../../src/core/planner/guards.js';
import { OP_PHASES, opSubject, type Op, type OpKind } from '../../../../src/core/planner/op.js';
import { planSync, type PlanOptions } from '../../../../src/core/planner/plan-sync.js';
import { appStateOf, applyOps, planOptions } from '../builders.js';
import {
  USER_IDS,
  GONE_USER_IDS,
  GROUP_IDS,
  GONE_GROUP_IDS,
  loginArb,
  emailArb,
  nameArb,
  displayNameArb,
  optional,
  directoryArb,
  policyArb,
} from '../arbitraries.js';

const RUNS = { numRuns: 300 };

// --- arbitraries ---------------------------------------------------------------------------------------------

const desiredArb: fc.Arbitrary<DesiredState> = fc
  .tuple(directoryArb, policyArb)
  .map(([directory, policy]) => desiredStateOf(directory, policy));

const appUserArb = (externalId: string): fc.Arbitrary<AppUser> =>
  fc.record({
    externalId: fc.constant(externalId),
    appId: fc.constant(`app-${externalId}`),
    userName: loginArb,
    email: emailArb,
    givenName: nameArb,
    familyName: nameArb,
    displayName: displayNameArb,
    active: fc.boolean(),
    origin: fc.constantFrom('created' as const, 'adopted' as const),
    revision: fc.integer({ min: 1, max: 5 }),
  });

const appGroupArb = (externalId: string): fc.Arbitrary<AppGroup> =>
  fc.record({
    externalId: fc.constant(externalId),
    appId: fc.constant(`app-${externalId}`),
    displayName: fc.constantFrom('Sales', 'sales', 'Engineering', 'Everyone', 'Old name'),
    revision: fc.integer({ min: 1, max: 5 }),
  });

/** Random known users, groups, members (of known users only) and due invites. */
const randomAppStateArb: fc.Arbitrary<AppState> = fc
  .record({
    users: fc.tuple(...[...USER_IDS, ...GONE_USER_IDS].map((id) => optional(appUserArb(id)))),
    groups: fc.tuple(...[...GROUP_IDS, ...GONE_GROUP_IDS].map((id) => optional(appGroupArb(id)))),
  })
  .chain(({ users: maybeUsers, groups: maybeGroups }) => {
    const users = maybeUsers.filter((user) => user !== undefined);
    const groups = maybeGroups.filter((group) => group !== undefined);
    const userIds = users.map((user) => user.externalId);
    return fc
      .record({
        members: fc.tuple(...groups.map(() => fc.subarray(userIds))),
        dueInvites: fc.subarray(userIds),
      })
      .map(({ members, dueInvites }) =>
        appStateOf({
          users,
          groups,
          members: Object.fromEntries(groups.map((group, index) => [group.externalId, members[index] ?? []])),
          dueInvites: dueInvites.map((id) => {
            const user = users.find((candidate) => candidate.externalId === id)!;
            return {
              userExternalId: id,
              email: user.email,
              displayName: user.displayName,
              sendNumber: 1,
              kind: 'invite' as const,
            };
          }),
        }),
      );
  });

/**
 * Applies what can be applied of `ops` (an op on an object the state lacks is what a failed earlier op leaves
 * behind, and the apply loop fails it too), each op only where `mask` says so, creates adopted where `adopt` says so.
 */
function applySome(app: AppState, ops: readonly Op[], mask: readonly boolean[], adopt: readonly boolean[]): AppState {
  const state = cloneAppState(app);
  for (const [index, op] of ops.entries()) {
    if (!(mask[index] ?? true) || !applicable(state, op)) continue;
    applyOp(state, op, { appId: `app-${opSubject(op)}`, adopted: adopt[index] ?? false });
  }
  return state;
}

function applicable(state: MutableAppState, op: Op): boolean {
  switch (op.kind) {
    case 'user.create':
      return !state.users.has(op.externalId);
    case 'user.update':
    case 'user.reactivate':
    case 'user.deactivate':
      return state.users.has(op.externalId);
    case 'group.create':
      return !state.groups.has(op.externalId);
    case 'group.rename':
      return state.groups.has(op.externalId);
    case 'members.add':
    case 'members.remove':
      return state.groups.has(op.groupExternalId);
    case 'group.delete':
    case 'invite.send':
      return true;
  }
}

/** An app state left by an earlier run: a random subset of the plan for an earlier directory, some creates adopted. */
const earlierRunAppStateArb: fc.Arbitrary<AppState> = fc
  .record({
    before: fc.oneof(fc.constant(EMPTY_APP_STATE), randomAppStateArb),
    desired: desiredArb,
    invites: fc.boolean(),
    mask: fc.array(fc.boolean(), { minLength: 100, maxLength: 100 }),
    adopt: fc.array(
      fc.nat(4).map((n) => n === 0),
      { minLength: 100, maxLength: 100 },
    ),
  })
  .map(({ before, desired, invites, mask, adopt }) => {
    const earlier = planSync(desired, before, planOptions({ invites, allowMassDeactivation: true }));
    return applySome(before, earlier.ops, mask, adopt);
  });

const appStateArb = fc.oneof(randomAppStateArb, earlierRunAppStateArb);

/**
 * A desired state and an app state in sync with it, however the app happens to spell logins and e-mails, at
 * whatever revisions, with deactivated users the IdP no longer has or holds as inactive.
 */
/** The extra attributes an app holds once dirsync wrote `want`'s (create-only ones included, unset ones absent). */
function writtenExtra(want: DesiredUser): Record<string, ScimAttributeValue> {
  return Object.fromEntries(
    Object.entries(want.extra ?? {}).flatMap(([path, { value }]) => (value === null ? [] : [[path, value]])),
  );
}

function withoutExtra(want: DesiredUser): Omit<DesiredUser, 'extra'> {
  const { extra: _extra, ...rest } = want;
  return rest;
}

const inSyncArb: fc.Arbitrary<[DesiredState, AppState]> = desiredArb.chain((desired) => {
  const recase = (value: string) => fc.constantFrom(value, value.toLowerCase(), value.toUpperCase());
  const known = [...desired.users.values()].map((want) =>
    want.active
      ? fc.record({
          externalId: fc.constant(want.externalId),
          appId: fc.constant(`app-${want.externalId}`),
          userName: recase(want.userName),
          email: recase(want.email),
          givenName: fc.constant(want.givenName),
          familyName: fc.constant(want.familyName),
          displayName: fc.constant(want.displayName),
          active: fc.constant(true),
          origin: fc.constantFrom('created' as const, 'adopted' as const),
          revision: fc.integer({ min: 1, max: 9 }),
          extra: fc.constant(writtenExtra(want)),
        })
      : // Never active: not in the app; or deactivated earlier and unchanged since.
        optional(
          appUserArb(want.externalId).map((user) => ({
            ...user,
            ...withoutExtra(want),
            extra: writtenExtra(want),
            active: false,
          })),
        ),
  );
  const gone = GONE_USER_IDS.map((id) => optional(appUserArb(id).map((user) => ({ ...user, active: false }))));
  const groups = [...desired.groups.values()].map((want) =>
    fc.integer({ min: 1, max: 9 }).map((revision) => ({
      externalId: want.externalId,
      appId: `app-${want.externalId}`,
      displayName: want.displayName,
      revision,
    })),
  );
  return fc
    .tuple(fc.tuple(...known, ...gone), fc.tuple(...groups))
    .map(([users, appGroups]): [DesiredState, AppState] => [
      desired,
      appStateOf({
        users: users.filter((user) => user !== undefined),
        groups: appGroups,
        members: Object.fromEntries(
          [...desired.groups.values()].map((group) => [group.externalId, [...group.members]]),
        ),
      }),
    ]);
});

const limitArb: fc.Arbitrary<GuardLimit> = fc.oneof(
  fc.record({ kind: fc.constant('count' as const), count: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ kind: fc.constant('share' as const), percent: fc.integer({ min: 1, max: 100 }) }),
);

const guardsArb: fc.Arbitrary<GuardLimits> = fc.record({
  deactivations: limitArb,
  groupDeletes: limitArb,
  memberRemovals: limitArb,
});

// --- helpers -------------------------------------------------------------------------------------------------

function applyCollecting(app: AppState, ops: readonly Op[], state: MutableAppState = cloneAppState(app)) {
  const effects: StateEffect[] = [];
  for (const op of ops) {
    const created =
      op.kind === 'user.create' || op.kind === 'group.create'
        ? { appId: `app-${op.externalId}`, adopted: false }
        : undefined;
    effects.push(...applyOp(state, op, created));
  }
  return { state, effects };
}

/** Asserts that `state` is what `desired` asks for. */
function expectInSync(state: AppState, desired: DesiredState, app: AppState): void {
  for (const want of desired.users.values()) {
    if (!want.active) continue;
    const have = state.users.get(want.externalId);
    expect(have, `desired active user ${want.externalId}`).toBeDefined();
    expect(have!.active).toBe(true);
    expect(have!.userName.toLowerCase()).toBe(want.userName.toLowerCase());
    expect(have!.email.toLowerCase()).toBe(want.email.toLowerCase());
    expect([have!.givenName, have!.familyName, have!.displayName]).toEqual([
      want.givenName,
      want.familyName,
      want.displayName,
    ]);
  }
  for (const have of state.users.values()) {
    if (desired.users.get(have.externalId)?.active !== true) expect(have.active, `user ${have.externalId}`).toBe(false);
    // Only people who were already there or are active in the IdP are in the app.
    expect(app.users.has(have.externalId) || desired.users.get(have.externalId)?.active === true).toBe(true);
  }
  // Never a user deleted: everyone the app held is still there.
  for (const id of app.users.keys()) expect(state.users.has(id)).toBe(true);
  expect([...state.groups.keys()].sort()).toEqual([...desired.groups.keys()].sort());
  for (const want of desired.groups.values()) {
    expect(state.groups.get(want.externalId)?.displayName).toBe(want.displayName);
    expect([...(state.members.get(want.externalId) ?? [])].sort()).toEqual([...want.members].sort());
  }
  // Invites still due are only those of people not active now: they wait for the person to come back.
  for (const id of state.dueInvites.keys()) expect(desired.users.get(id)?.active, `due invite ${id}`).not.toBe(true);
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}

/** The same state with every map (and member set) filled in reverse order. */
function reversedApp(app: AppState): AppState {
  return {
    users: new Map([...app.users].reverse()),
    groups: new Map([...app.groups].reverse()),
    members: new Map([...app.members].reverse().map(([group, ids]) => [group, new Set([...ids].reverse())])),
    dueInvites: new Map([...app.dueInvites].reverse()),
  };
}

function reversedDesired(desired: DesiredState): DesiredState {
  return {
    users: new Map([...desired.users].reverse()),
    groups: new Map(
      [...desired.groups]
        .reverse()
        .map(([id, group]) => [id, { ...group, members: new Set([...group.members].reverse()) }]),
    ),
  };
}

const USER_KINDS: readonly OpKind[] = ['user.create', 'user.update', 'user.reactivate', 'user.deactivate'];
const ALL_KINDS = Object.keys(OP_PHASES);

function allowAll(options: Partial<PlanOptions> = {}): PlanOptions {
  return planOptions({ allowMassDeactivation: true, ...options });
}

// --- laws ----------------------------------------------------------------------------------------------------

describe('planSync laws', () => {
  it('applying the plan to the known state yields the desired state', () => {
    fc.assert(
      fc.property(desiredArb, appStateArb, fc.boolean(), (desired, app, invites) => {
        const result = planSync(desired, app, allowAll({ invites }));
        expect(result.rejected).toBeNull();
        expectInSync(applyOps(app, result.ops), desired, app);
      }),
      RUNS,
    );
  });

  it('planning again on the result gives an empty plan', () => {
    fc.assert(
      fc.property(desiredArb, appStateArb, fc.boolean(), (desired, app, invites) => {
        const after = applyOps(app, planSync(desired, app, allowAll({ invites })).ops);
        expect(planSync(desired, after, allowAll({ invites }))).toEqual({ ops: [], rejected: null });
      }),
      RUNS,
    );
  });

  it('never creates a user or a group twice, never creates an inactive or known user, and has no way to delete a user', () => {
    fc.assert(
      fc.property(desiredArb, appStateArb, (desired, app) => {
        const { ops } = planSync(desired, app, allowAll());
        for (const op of ops) {
          expect(ALL_KINDS).toContain(op.kind);
          if (op.kind.startsWith('user.')) expect(USER_KINDS).toContain(op.kind);
          if (op.kind === 'user.create') {
            expect(app.users.has(op.externalId)).toBe(false);
            expect(desired.users.get(op.externalId)?.active).toBe(true);
          }
        }
        // At most one op of a kind per subject, so in particular one create per user or group.
        for (const [kindAndSubject, count] of countBy(ops, (op) => `${op.kind} ${opSubject(op)}`)) {
          expect(count, kindAndSubject).toBe(1);
        }
        const creates = ops.filter((op) => op.kind === 'user.create' || op.kind === 'group.create');
        for (const count of countBy(creates, (op) => `${op.kind} ${opSubject(op)}`).values()) expect(count).toBe(1);
      }),
      RUNS,
    );
  });

  it('invites exactly the users it creates and the invites still due, once each, and never on reactivation', () => {
    fc.assert(
      fc.property(desiredArb, appStateArb, (desired, app) => {
        const { ops } = planSync(desired, app, allowAll({ invites: true }));
        const created = ops.filter((op) => op.kind === 'user.create').map((op) => opSubject(op));
        const reactivated = new Set(ops.filter((op) => op.kind === 'user.reactivate').map((op) => opSubject(op)));
        const invited = ops.filter((op) => op.kind === 'invite.send').map((op) => opSubject(op));
        const owed = [...app.dueInvites.keys()].filter((id) => desired.users.get(id)?.active === true);
        expect([...invited].sort()).toEqual([...new Set([...created, ...owed])].sort());
        for (const id of invited) if (!app.dueInvites.has(id)) expect(reactivated.has(id)).toBe(false);

        const { effects } = applyCollecting(app, ops);
        const sent = effects.flatMap((effect) => (effect.type === 'invite.sent' ? [effect.invite.userExternalId] : []));
        expect([...sent].sort()).toEqual([...invited].sort());
      }),
      RUNS,
    );
  });

  it('plans no invite at all when invites are off, beyond those already due', () => {
    fc.assert(
      fc.property(desiredArb, appStateArb, (desired, app) => {
        const { ops } = planSync(desired, app, allowAll({ invites: false }));
        for (const op of ops) {
          if (op.kind === 'invite.send') expect(app.dueInvites.has(op.userExternalId)).toBe(true);
          if (op.kind === 'user.create') expect(op.invite).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('orders ops by phase and gives them unique keys', () => {
    fc.assert(
      fc.property(desiredArb, appStateArb, (desired, app) => {
        const { ops } = planSync(desired, app, allowAll());
        for (const [index, op] of ops.entries()) {
          if (index > 0) expect(OP_PHASES[op.kind]).toBeGreaterThanOrEqual(OP_PHASES[ops[index - 1]!.kind]);
        }
        expect(new Set(ops.map((op) => op.key)).size).toBe(ops.length);
      }),
      RUNS,
    );
  });

  it('is deterministic: the same input gives a deep-equal plan, whatever order the maps were filled in', () => {
    fc.assert(
      fc.property(desiredArb, appStateArb, fc.boolean(), guardsArb, (desired, app, invites, guards) => {
        const options = planOptions({ invites, guards });
        const first = planSync(desired, app, options);
        expect(planSync(desired, app, options)).toEqual(first);
        expect(planSync(reversedDesired(desired), reversedApp(app), options)).toEqual(first);
      }),
      RUNS,
    );
  });

  it('plans nothing against the app state that equals the desired state', () => {
    fc.assert(
      fc.property(inSyncArb, ([desired, app]) => {
        expect(planSync(desired, app, planOptions())).toEqual({ ops: [], rejected: null });
      }),
      RUNS,
    );
  });

  it('holds a plan if and only if a guard is exceeded, names every such guard, and never changes the ops', () => {
    fc.assert(
      fc.property(desiredArb, appStateArb, guardsArb, (desired, app, guards) => {
        const guarded = planSync(desired, app, planOptions({ guards }));
        const deactivations = guarded.ops.filter((op) => op.kind === 'user.deactivate').length;
        const activeAppUsers = [...app.users.values()].filter((user) => user.active).length;
        const groupDeletes = guarded.ops.filter((op) => op.kind === 'group.delete').length;
        const expected: string[] = [];
        if (deactivations > limitFor(guards.deactivations, activeAppUsers, MIN_DEACTIVATIONS_LIMIT)) {
          expected.push('deactivations');
        }
        if (groupDeletes > limitFor(guards.groupDeletes, app.groups.size, MIN_GROUP_DELETES_LIMIT)) {
          expected.push('group-deletes');
        }
        const removals = new Map<string, number>();
        for (const op of guarded.ops) {
          if (op.kind === 'members.remove') {
            removals.set(op.groupExternalId, (removals.get(op.groupExternalId) ?? 0) + op.userExternalIds.length);
          }
        }
        const trippedGroups = [...removals]
          .filter(([group, removed]) => {
            const members = app.members.get(group)?.size ?? 0;
            if (guards.memberRemovals.kind === 'share' && members < MIN_GUARDED_GROUP_SIZE) return false;
            return removed > limitFor(guards.memberRemovals, members);
          })
          .map(([group]) => group)
          .sort();
        for (let i = 0; i < trippedGroups.length; i++) expected.push('member-removals');
        if (expected.length === 0) {
          expect(guarded.rejected).toBeNull();
        } else {
          expect(guarded.rejected?.trips.map((trip) => trip.guard)).toEqual(expected);
          const named = guarded.rejected?.trips.flatMap((trip) =>
            trip.guard === 'member-removals' ? [trip.groupId] : [],
          );
          expect(named).toEqual(trippedGroups);
          // Every trip is true of the plan: more than its limit.
          for (const trip of guarded.rejected?.trips ?? []) expect(trip.count).toBeGreaterThan(trip.limit);
        }
        const allowed = planSync(desired, app, planOptions({ guards, allowMassDeactivation: true }));
        expect(allowed).toEqual({ ops: guarded.ops, rejected: null });
      }),
      RUNS,
    );
  });

  it('never holds a plan that deletes, deactivates and removes nothing', () => {
    fc.assert(
      fc.property(desiredArb, appStateArb, guardsArb, (desired, app, guards) => {
        const guarded = planSync(desired, app, planOptions({ guards }));
        const destructive = guarded.ops.some(
          (op) => op.kind === 'user.deactivate' || op.kind === 'group.delete' || op.kind === 'members.remove',
        );
        if (!destructive) expect(guarded.rejected).toBeNull();
      }),
      RUNS,
    );
  });

  it('after a crash at any op, planning again converges with no second create and no second invite', () => {
    fc.assert(
      fc.property(desiredArb, appStateArb, fc.nat(), (desired, app, cut) => {
        const first = planSync(desired, app, allowAll({ invites: true }));
        const done = first.ops.slice(0, cut % (first.ops.length + 1));
        const crashed = applyCollecting(app, done);
        const second = planSync(desired, crashed.state, allowAll({ invites: true }));
        const resumed = applyCollecting(app, second.ops, cloneAppState(crashed.state));
        expectInSync(resumed.state, desired, app);

        const applied = [...done, ...second.ops];
        for (const count of countBy(
          applied.filter((op) => op.kind === 'user.create' || op.kind === 'group.create'),
          (op) => `${op.kind} ${opSubject(op)}`,
        ).values()) {
          expect(count).toBe(1);
        }
        const effects = [...crashed.effects, ...resumed.effects];
        const sent = effects.flatMap((effect) => (effect.type === 'invite.sent' ? [effect.invite.userExternalId] : []));
        const createdIds = applied.filter((op) => op.kind === 'user.create').map((op) => opSubject(op));
        const owed = [...app.dueInvites.keys()].filter((id) => desired.users.get(id)?.active === true);
        expect([...sent].sort()).toEqual([...new Set([...createdIds, ...owed])].sort());
        // An invite left due by the crash is the same op, same key, when planned again.
        const firstInviteKeys = new Set(first.ops.filter((op) => op.kind === 'invite.send').map((op) => op.key));
        for (const op of second.ops) if (op.kind === 'invite.send') expect(firstInviteKeys.has(op.key)).toBe(true);
        for (const op of second.ops) if (op.kind === 'user.create') expect(first.ops).toContainEqual(op);
      }),
      RUNS,
    );
  });

  // DESIGN: "Ops are deterministic and carry an idempotency key ..., so a re-planned op after a crash is the same op."
  it('after a crash at any op, every op planned again is the op the first plan held, key included', () => {
    fc.assert(
      fc.property(desiredArb, appStateArb, fc.nat(), (desired, app, cut) => {
        const first = planSync(desired, app, allowAll());
        const done = cut % (first.ops.length + 1);
        const second = planSync(desired, applyOps(app, first.ops.slice(0, done)), allowAll());
        expect(second.ops).toEqual(first.ops.slice(done));
      }),
      RUNS,
    );
  });
});
