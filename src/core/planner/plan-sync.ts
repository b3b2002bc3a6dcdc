import type { AppState } from '../model/app-state.js';
import type { DesiredState } from '../model/desired-state.js';
import { diffGroups } from './diff-groups.js';
import { diffMemberships } from './diff-memberships.js';
import { diffUsers } from './diff-users.js';
import { checkGuards, type GuardLimits } from './guards.js';
import { keyOps } from './key-ops.js';
import type { PlannedOp } from './op.js';
import { orderOps } from './order-ops.js';
import type { Plan } from './plan.js';

export interface PlanOptions {
  readonly connectionId: string;
  /** Whether users created by this plan are owed an invite (`INVITE_MODE` and an SMTP server). */
  readonly invites: boolean;
  /** The guards' limits (`DEFAULT_GUARD_LIMITS` unless configured). */
  readonly guards: GuardLimits;
  /** `sync --allow-mass-deactivation`: the operator approves this plan whatever guards it trips. */
  readonly allowMassDeactivation: boolean;
}

/**
 * The ops that turn `app` into `desired`. Pure and deterministic: the same inputs give the same ops with the
 * same keys, and planning again on the result gives an empty plan.
 */
export function planSync(desired: DesiredState, app: AppState, options: PlanOptions): Plan {
  const planned: PlannedOp[] = [
    ...diffUsers(desired, app, options.invites),
    ...diffGroups(desired, app),
    ...diffMemberships(desired, app),
    ...inviteOps(desired, app, options.invites),
  ];
  const ordered = keyOps(orderOps(planned), app, options.connectionId);
  const trips = options.allowMassDeactivation ? [] : checkGuards(ordered, app, options.guards);
  return { ops: ordered, rejected: trips.length > 0 ? { trips } : null };
}

// Invites still owed from earlier runs (created, then the process died before the mail went out), and the
// ones owed to the people this plan creates. An owed invite waits while its person is not active: an invite
// to a disabled account is useless, and the person gets it if they come back.
function inviteOps(desired: DesiredState, app: AppState, invites: boolean): PlannedOp[] {
  const owed = new Map<string, number>();
  for (const due of app.dueInvites.values()) {
    if (desired.users.get(due.userExternalId)?.active === true) owed.set(due.userExternalId, due.sendNumber);
  }
  if (invites) {
    for (const user of desired.users.values()) {
      if (user.active && !app.users.has(user.externalId)) owed.set(user.externalId, 1);
    }
  }
  return [...owed].map(([userExternalId, sendNumber]) =>
    sendNumber > 1 ? { kind: 'invite.send', userExternalId, sendNumber } : { kind: 'invite.send', userExternalId },
  );
}
