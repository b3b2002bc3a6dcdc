import type { AppState } from '../model/app-state.js';
import type { DesiredState } from '../model/desired-state.js';
import type { PlannedOp } from './op.js';

/** Group creates, renames and deletes, matched by the IdP id (`externalId`). */
export function diffGroups(desired: DesiredState, app: AppState): PlannedOp[] {
  const ops: PlannedOp[] = [];
  for (const want of desired.groups.values()) {
    const have = app.groups.get(want.externalId);
    if (have === undefined) {
      ops.push({
        kind: 'group.create',
        externalId: want.externalId,
        displayName: want.displayName,
      });
    } else if (have.displayName !== want.displayName) {
      ops.push({
        kind: 'group.rename',
        externalId: have.externalId,
        displayName: want.displayName,
      });
    }
  }
  for (const have of app.groups.values()) {
    if (!desired.groups.has(have.externalId)) {
      ops.push({
        kind: 'group.delete',
        externalId: have.externalId,
      });
    }
  }
  return ops;
}
