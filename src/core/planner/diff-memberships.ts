import type { AppState } from '../model/app-state.js';
import type { DesiredState } from '../model/desired-state.js';
import type { PlannedOp } from './op.js';

const NONE: ReadonlySet<string> = new Set();

/**
 * Member adds and removes per group, one op of each kind per group (the target chunks big lists). Groups
 * about to be deleted get no removes: deleting the group drops its memberships.
 */
export function diffMemberships(desired: DesiredState, app: AppState): PlannedOp[] {
  const ops: PlannedOp[] = [];
  for (const want of desired.groups.values()) {
    const have = app.members.get(want.externalId) ?? NONE;
    const added = [...want.members].filter((id) => !have.has(id)).sort();
    const removed = [...have].filter((id) => !want.members.has(id)).sort();
    if (added.length > 0) {
      ops.push({
        kind: 'members.add',

        groupExternalId: want.externalId,
        userExternalIds: added,
      });
    }
    if (removed.length > 0) {
      ops.push({
        kind: 'members.remove',

        groupExternalId: want.externalId,
        userExternalIds: removed,
      });
    }
  }
  return ops;
}
