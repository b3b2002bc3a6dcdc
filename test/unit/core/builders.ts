// Concise builders for core test data. Every builder derives sensible defaults from the id, so a test spells out
// only what it is about.
import type { AppGroup, AppState, AppUser, DueInvite } from '../../../src/core/model/app-state.js';
import { EMPTY_APP_STATE } from '../../../src/core/model/app-state.js';
import type { DesiredGroup, DesiredState, DesiredUser } from '../../../src/core/model/desired-state.js';
import type { DirectoryGroup } from '../../../src/core/model/directory-group.js';
import type { DirectoryUser, UserAttributes } from '../../../src/core/model/directory-user.js';
import type { Directory } from '../../../src/core/model/directory.js';
import type { Policy } from '../../../src/core/policy/policy.js';
import { parsePolicyDocument } from '../../../src/config/policy-document.js';
import { applyOp, cloneAppState, type MutableAppState } from '../../../src/core/planner/apply-op.js';
import { DEFAULT_GUARD_LIMITS } from '../../../src/core/planner/guards.js';
import type { Op, OpKind } from '../../../src/core/planner/op.js';
import { planSync, type PlanOptions } from '../../../src/core/planner/plan-sync.js';
import type { Plan } from '../../../src/core/planner/plan.js';

export const CONNECTION = 'conn-1';

export function attributesFor(id: string): UserAttributes {
  return {
    userName: `${id}@example.com`,
    email: `${id}@example.com`,
    givenName: `Given-${id}`,
    familyName: `Family-${id}`,
    displayName: `Given-${id} Family-${id}`,
  };
}

// --- directory ---------------------------------------------------------------------------------------------

export function directoryUser(id: string, overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  return { id, ...attributesFor(id), active: true, status: 'ACTIVE', ...overrides };
}

export function directoryGroup(id: string, overrides: Partial<DirectoryGroup> = {}): DirectoryGroup {
  return { id, displayName: `Group ${id}`, builtIn: false, ...overrides };
}

export interface DirectorySpec {
  readonly users?: readonly DirectoryUser[];
  readonly groups?: readonly DirectoryGroup[];
  /** Direct member ids by group id. */
  readonly members?: Readonly<Record<string, readonly string[]>>;
}

export function directoryOf(spec: DirectorySpec = {}): Directory {
  return {
    users: new Map((spec.users ?? []).map((user) => [user.id, user])),
    groups: new Map((spec.groups ?? []).map((group) => [group.id, group])),
    members: new Map(Object.entries(spec.members ?? {}).map(([group, ids]) => [group, new Set(ids)])),
  };
}

// --- desired -----------------------------------------------------------------------------------------------

export function desiredUser(id: string, overrides: Partial<DesiredUser> = {}): DesiredUser {
  return { externalId: id, ...attributesFor(id), active: true, ...overrides };
}

export function desiredGroup(id: string, members: readonly string[] = [], displayName = `Group ${id}`): DesiredGroup {
  return { externalId: id, displayName, members: new Set(members) };
}

export function desiredOf(
  spec: { users?: readonly DesiredUser[]; groups?: readonly DesiredGroup[] } = {},
): DesiredState {
  return {
    users: new Map((spec.users ?? []).map((user) => [user.externalId, user])),
    groups: new Map((spec.groups ?? []).map((group) => [group.externalId, group])),
  };
}

// --- app -----------------------------------------------------------------------------------------------------

export function appUser(id: string, overrides: Partial<AppUser> = {}): AppUser {
  return {
    externalId: id,
    appId: `app-${id}`,
    ...attributesFor(id),
    active: true,
    origin: 'created',
    revision: 1,
    ...overrides,
  };
}

export function appGroup(id: string, overrides: Partial<AppGroup> = {}): AppGroup {
  return { externalId: id, appId: `app-${id}`, displayName: `Group ${id}`, revision: 1, ...overrides };
}

export function dueInvite(id: string, overrides: Partial<DueInvite> = {}): DueInvite {
  const attributes = attributesFor(id);
  return {
    userExternalId: id,
    email: attributes.email,
    displayName: attributes.displayName,
    sendNumber: 1,
    kind: 'invite',
    ...overrides,
  };
}

export interface AppStateSpec {
  readonly users?: readonly AppUser[];
  readonly groups?: readonly AppGroup[];
  /** Member user externalIds by group externalId. */
  readonly members?: Readonly<Record<string, readonly string[]>>;
  readonly dueInvites?: readonly DueInvite[];
}

export function appStateOf(spec: AppStateSpec = {}): AppState {
  return {
    users: new Map((spec.users ?? []).map((user) => [user.externalId, user])),
    groups: new Map((spec.groups ?? []).map((group) => [group.externalId, group])),
    members: new Map(Object.entries(spec.members ?? {}).map(([group, ids]) => [group, new Set(ids)])),
    dueInvites: new Map((spec.dueInvites ?? []).map((invite) => [invite.userExternalId, invite])),
  };
}

/** The app state that is exactly in sync with `desired`: planning against it must yield no op. */
export function inSyncAppState(desired: DesiredState): AppState {
  const users: AppUser[] = [];
  for (const want of desired.users.values()) {
    if (!want.active) continue;
    const { externalId, active, extra, ...attributes } = want;
    const written = Object.fromEntries(
      Object.entries(extra ?? {}).flatMap(([path, { value }]) => (value === null ? [] : [[path, value]])),
    );
    users.push(appUser(externalId, { ...attributes, active, extra: written }));
  }
  const groups = [...desired.groups.values()].map((group) =>
    appGroup(group.externalId, { displayName: group.displayName }),
  );
  const members = Object.fromEntries(
    [...desired.groups.values()].map((group) => [group.externalId, [...group.members]]),
  );
  return appStateOf({ users, groups, members });
}

// --- planning and applying -----------------------------------------------------------------------------------

export function planOptions(overrides: Partial<PlanOptions> = {}): PlanOptions {
  return {
    connectionId: CONNECTION,
    invites: true,
    guards: DEFAULT_GUARD_LIMITS,
    allowMassDeactivation: false,
    ...overrides,
  };
}

export function plan(
  desired: DesiredState,
  app: AppState = EMPTY_APP_STATE,
  overrides: Partial<PlanOptions> = {},
): Plan {
  return planSync(desired, app, planOptions(overrides));
}

/**
 * Applies `ops` in order to a copy of `app` the way the apply loop does: creates are answered as fresh
 * (not adopted) objects with app id `app-<externalId>`.
 */
export function applyOps(
  app: AppState,
  ops: readonly Op[],
  state: MutableAppState = cloneAppState(app),
): MutableAppState {
  for (const op of ops) {
    const created =
      op.kind === 'user.create' || op.kind === 'group.create'
        ? { appId: `app-${op.externalId}`, adopted: false }
        : undefined;
    applyOp(state, op, created);
  }
  return state;
}

export function kindsOf(ops: readonly Op[]): OpKind[] {
  return ops.map((op) => op.kind);
}

export function opsOfKind<K extends OpKind>(ops: readonly Op[], kind: K): Extract<Op, { kind: K }>[] {
  return ops.filter((op): op is Extract<Op, { kind: K }> => op.kind === kind);
}

export function keysOf(ops: readonly Op[]): string[] {
  return ops.map((op) => op.key);
}

// --- policies ------------------------------------------------------------------------------------------------

/** A policy as an admin writes it (DESIGN "Policy"), through the same validation as a connection's. */
export function policyOf(document: Record<string, unknown>): Policy {
  return parsePolicyDocument(document);
}
