import type { AppState } from '../model/app-state.js';
import type { Op } from './op.js';
import type { GuardName, GuardTrip } from './plan.js';

/** One guard's setting: a count (`50`) or a share (`25%`) of what the app holds. */
export type GuardLimit =
  { readonly kind: 'count'; readonly count: number } | { readonly kind: 'share'; readonly percent: number };

/** The three guards of DESIGN "Safety", each from its variable. */
export interface GuardLimits {
  /** `DIRSYNC_MAX_DEACTIVATIONS`: users deactivated by one plan, of the app's active users. */
  readonly deactivations: GuardLimit;
  /** `DIRSYNC_MAX_GROUP_DELETES`: groups deleted by one plan, of the app's groups. */
  readonly groupDeletes: GuardLimit;
  /** `DIRSYNC_MAX_MEMBER_REMOVALS`: members removed from one group, of that group's members. */
  readonly memberRemovals: GuardLimit;
}

export const DEFAULT_GUARD_LIMITS: GuardLimits = {
  deactivations: { kind: 'share', percent: 25 },
  groupDeletes: { kind: 'share', percent: 25 },
  memberRemovals: { kind: 'share', percent: 50 },
};

/** A share never allows fewer deactivations than this: small apps must still be able to lose a few people a day. */
export const MIN_DEACTIVATIONS_LIMIT = 10;

/** A share never allows fewer group deletes than this: a small app may still retire a few groups at once. */
export const MIN_GROUP_DELETES_LIMIT = 5;

/**
 * A share of members guards only groups of at least this size: emptying a team of 4 is an ordinary change, and
 * half of a tiny group is too few people to tell a mistake from a reorganisation. A count guards every group.
 */
export const MIN_GUARDED_GROUP_SIZE = 10;

/** What `limit` allows out of `total`, never below `floor` when it is a share. */
export function limitFor(limit: GuardLimit, total: number, floor = 0): number {
  switch (limit.kind) {
    case 'count':
      return limit.count;
    case 'share':
      return Math.max(floor, Math.floor((total * limit.percent) / 100));
  }
}

/**
 * Every guard the ops trip, in a stable order: deactivations, group deletes, then member removals by group id.
 * Empty when the plan may be applied as it is. A wrong scope or a broken IdP read must not empty the app.
 */
export function checkGuards(ops: readonly Op[], app: AppState, limits: GuardLimits): GuardTrip[] {
  return [
    ...checkDeactivations(ops, app, limits.deactivations),
    ...checkGroupDeletes(ops, app, limits.groupDeletes),
    ...checkMemberRemovals(ops, app, limits.memberRemovals),
  ];
}

export function checkDeactivations(ops: readonly Op[], app: AppState, limit: GuardLimit): GuardTrip[] {
  const count = ops.filter((op) => op.kind === 'user.deactivate').length;
  let activeAppUsers = 0;
  for (const user of app.users.values()) if (user.active) activeAppUsers++;
  const max = limitFor(limit, activeAppUsers, MIN_DEACTIVATIONS_LIMIT);
  return count > max ? [{ guard: 'deactivations', count, limit: max, activeAppUsers }] : [];
}

export function checkGroupDeletes(ops: readonly Op[], app: AppState, limit: GuardLimit): GuardTrip[] {
  const count = ops.filter((op) => op.kind === 'group.delete').length;
  const appGroups = app.groups.size;
  const max = limitFor(limit, appGroups, MIN_GROUP_DELETES_LIMIT);
  return count > max ? [{ guard: 'group-deletes', count, limit: max, appGroups }] : [];
}

export function checkMemberRemovals(ops: readonly Op[], app: AppState, limit: GuardLimit): GuardTrip[] {
  // One group may come in more than one op (the target chunks nothing here, but stay exact if that changes).
  const removed = new Map<string, number>();
  for (const op of ops) {
    if (op.kind !== 'members.remove') continue;
    removed.set(op.groupExternalId, (removed.get(op.groupExternalId) ?? 0) + op.userExternalIds.length);
  }
  const trips: GuardTrip[] = [];
  for (const [groupId, count] of [...removed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const members = app.members.get(groupId)?.size ?? 0;
    if (limit.kind === 'share' && members < MIN_GUARDED_GROUP_SIZE) continue;
    const max = limitFor(limit, members);
    if (count > max) {
      const groupName = app.groups.get(groupId)?.displayName ?? groupId;
      trips.push({ guard: 'member-removals', groupId, groupName, count, limit: max, members });
    }
  }
  return trips;
}

/** The setting that raises each guard, as the operator sets it (environment, or `guards.*` in the connections file). */
export const GUARD_VARIABLES: Readonly<Record<GuardName, string>> = {
  deactivations: 'DIRSYNC_MAX_DEACTIVATIONS',
  'group-deletes': 'DIRSYNC_MAX_GROUP_DELETES',
  'member-removals': 'DIRSYNC_MAX_MEMBER_REMOVALS',
};
