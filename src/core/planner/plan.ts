import type { Op } from './op.js';

/** One guard a plan trips (DESIGN "Safety", "Guards"): what it would do, and the limit it exceeds. */
export type GuardTrip =
  | {
      /** `DIRSYNC_MAX_DEACTIVATIONS`. */
      readonly guard: 'deactivations';
      readonly count: number;
      readonly limit: number;
      readonly activeAppUsers: number;
    }
  | {
      /** `DIRSYNC_MAX_GROUP_DELETES`. */
      readonly guard: 'group-deletes';
      readonly count: number;
      readonly limit: number;
      readonly appGroups: number;
    }
  | {
      /** `DIRSYNC_MAX_MEMBER_REMOVALS`, for one group. */
      readonly guard: 'member-removals';
      /** The group's IdP id (its `externalId`) and its name in the app. */
      readonly groupId: string;
      readonly groupName: string;
      readonly count: number;
      readonly limit: number;
      /** The group's members in the app before the plan. */
      readonly members: number;
    };

export type GuardName = GuardTrip['guard'];

/** Why a plan must not be applied as it is: every guard it trips (never empty). */
export interface PlanRejection {
  readonly trips: readonly GuardTrip[];
}

/** The ordered writes that bring the app to the desired state. Returned, never thrown: guards say `rejected`. */
export interface Plan {
  readonly ops: readonly Op[];
  readonly rejected: PlanRejection | null;
}

/** How many ops of each kind a plan (or an applied run) holds; the CLI's summary table. */
export interface PlanCounts {
  readonly created: number;
  readonly updated: number;
  readonly reactivated: number;
  readonly deactivated: number;
  readonly groupsCreated: number;
  readonly groupsRenamed: number;
  readonly groupsDeleted: number;
  readonly membershipsAdded: number;
  readonly membershipsRemoved: number;
  readonly invites: number;
}

export function countOps(ops: Iterable<Op>): PlanCounts {
  const counts = {
    created: 0,
    updated: 0,
    reactivated: 0,
    deactivated: 0,
    groupsCreated: 0,
    groupsRenamed: 0,
    groupsDeleted: 0,
    membershipsAdded: 0,
    membershipsRemoved: 0,
    invites: 0,
  };
  for (const op of ops) {
    switch (op.kind) {
      case 'user.create':
        counts.created++;
        break;
      case 'user.update':
        counts.updated++;
        break;
      case 'user.reactivate':
        counts.reactivated++;
        break;
      case 'user.deactivate':
        counts.deactivated++;
        break;
      case 'group.create':
        counts.groupsCreated++;
        break;
      case 'group.rename':
        counts.groupsRenamed++;
        break;
      case 'group.delete':
        counts.groupsDeleted++;
        break;
      case 'members.add':
        counts.membershipsAdded += op.userExternalIds.length;
        break;
      case 'members.remove':
        counts.membershipsRemoved += op.userExternalIds.length;
        break;
      case 'invite.send':
        counts.invites++;
        break;
    }
  }
  return counts;
}
