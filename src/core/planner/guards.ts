import type { AppState } from '../model/app-state.js';
import type { Op } from './op.js';
import type { PlanRejection } from './plan.js';

/** `DIRSYNC_MAX_DEACTIVATIONS`: a count (`50`) or a share of the app's active users (`25%`). */
export type DeactivationLimit =
  { readonly kind: 'count'; readonly count: number } | { readonly kind: 'share'; readonly percent: number };

export const DEFAULT_DEACTIVATION_LIMIT: DeactivationLimit = { kind: 'share', percent: 25 };

/** A share never allows fewer than this many: small apps must still be able to lose a few people a day. */
export const MIN_SHARE_LIMIT = 10;

export function deactivationLimitFor(limit: DeactivationLimit, activeAppUsers: number): number {
  switch (limit.kind) {
    case 'count':
      return limit.count;
    case 'share':
      return Math.max(MIN_SHARE_LIMIT, Math.floor((activeAppUsers * limit.percent) / 100));
  }
}

/** The accidental-deactivation guard: a wrong scope or a broken IdP read must not empty the app. */
export function checkMassDeactivation(
  ops: readonly Op[],
  app: AppState,
  limit: DeactivationLimit,
): PlanRejection | null {
  const deactivations = ops.filter((op) => op.kind === 'user.deactivate').length;
  let activeAppUsers = 0;
  for (const user of app.users.values()) if (user.active) activeAppUsers++;
  const max = deactivationLimitFor(limit, activeAppUsers);
  return deactivations > max ? { reason: 'mass-deactivation', deactivations, limit: max, activeAppUsers } : null;
}
