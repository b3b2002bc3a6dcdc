import type { AppState, AppUser } from '../model/app-state.js';
import type { DesiredState, DesiredUser } from '../model/desired-state.js';
import { USER_ATTRIBUTE_NAMES, type UserAttributes } from '../model/directory-user.js';
import { sameScimValue, type ExtraAttributes, type ScimAttributeValue } from '../model/extra-attributes.js';
import type { PlannedOp, UserAttributeChanges } from './op.js';

// Logins and e-mail addresses are matched case-insensitively by every IdP and app we know of; a change of
// case alone is not worth a write (and some apps reject it as a conflict with the user itself).
const CASE_INSENSITIVE: ReadonlySet<keyof UserAttributes> = new Set(['userName', 'email']);

/**
 * The attributes of `desired` that differ from what the app holds: the five, and the policy's extra attributes
 * except those set on create only (the app's value stands once the person exists).
 */
export function changedAttributes(
  app: UserAttributes & Pick<AppUser, 'extra'>,
  desired: UserAttributes & Pick<DesiredUser, 'extra' | 'createOnly'>,
): UserAttributeChanges {
  const changes: Partial<Record<keyof UserAttributes, string>> = {};
  for (const name of USER_ATTRIBUTE_NAMES) {
    if (desired.createOnly?.includes(name) === true) continue;
    const have = app[name];
    const want = desired[name];
    const same = CASE_INSENSITIVE.has(name) ? have.toLowerCase() === want.toLowerCase() : have === want;
    if (!same) changes[name] = want;
  }
  const extra: Record<string, ScimAttributeValue | null> = {};
  for (const [path, want] of Object.entries(desired.extra ?? {})) {
    if (!want.createOnly && !sameScimValue(app.extra?.[path], want.value)) extra[path] = want.value;
  }
  return Object.keys(extra).length === 0 ? changes : { ...changes, extra };
}

/** The extra attributes a create writes: every one with a value, create-only ones included. */
export function createdExtra(desired: Pick<DesiredUser, 'extra'>): ExtraAttributes {
  const extra: Record<string, ScimAttributeValue> = {};
  for (const [path, want] of Object.entries(desired.extra ?? {})) {
    if (want.value !== null) extra[path] = want.value;
  }
  return extra;
}

export function diffUsers(desired: DesiredState, app: AppState, invites: boolean): PlannedOp[] {
  const ops: PlannedOp[] = [];
  for (const want of desired.users.values()) {
    const have = app.users.get(want.externalId);
    if (have === undefined) {
      // Only people active now are created; someone never active at any sync never reaches the app.
      if (want.active) ops.push(createOp(want, invites));
      continue;
    }
    ops.push(...changeOps(have, want));
  }
  for (const have of app.users.values()) {
    // Deleted in the IdP or out of scope: deactivated, never deleted, so the person's data stays in the app.
    if (!desired.users.has(have.externalId) && have.active) ops.push(deactivateOp(have));
  }
  return ops;
}

function createOp(want: DesiredUser, invite: boolean): PlannedOp {
  const extra = createdExtra(want);
  return {
    kind: 'user.create',
    externalId: want.externalId,
    attributes: {
      userName: want.userName,
      email: want.email,
      givenName: want.givenName,
      familyName: want.familyName,
      displayName: want.displayName,
    },
    ...(Object.keys(extra).length === 0 ? {} : { extra }),
    invite,
  };
}

function changeOps(have: AppUser, want: DesiredUser): PlannedOp[] {
  const ops: PlannedOp[] = [];
  const changes = changedAttributes(have, want);
  const changed = Object.keys(changes).length > 0;
  if (want.active && !have.active) {
    ops.push({ kind: 'user.reactivate', externalId: have.externalId, changes });
  } else if (changed) {
    ops.push({ kind: 'user.update', externalId: have.externalId, changes });
  }
  if (!want.active && have.active) ops.push(deactivateOp(have));
  return ops;
}

function deactivateOp(have: AppUser): PlannedOp {
  return { kind: 'user.deactivate', externalId: have.externalId };
}
