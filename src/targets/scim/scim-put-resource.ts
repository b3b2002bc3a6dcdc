import type { UserChanges } from '../target.js';
import { withExtraAttributes } from './scim-extra-attributes.js';
import { workEmails } from './scim-patch-operations.js';

// Bodies of a PUT (RFC 7644 §3.5.1): the resource as the app returned it, changed, since a PUT replaces every
// attribute it can and clears those left out. `meta` is the app's own and is not sent back.

/**
 * The user as read back, with the changes applied the way the PATCH forms would apply them; the extra attributes as
 * `withExtraAttributes` writes them (a typed phone number merged into the list, an extension's URN in `schemas`).
 */
export function userForPut(current: Readonly<Record<string, unknown>>, changes: UserChanges): Record<string, unknown> {
  const user: Record<string, unknown> = { ...current };
  delete user['meta'];
  if (changes.userName !== undefined) user['userName'] = changes.userName;
  if (changes.displayName !== undefined) user['displayName'] = changes.displayName;
  if (changes.givenName !== undefined || changes.familyName !== undefined) {
    const name = isRecord(user['name']) ? { ...user['name'] } : {};
    if (changes.givenName !== undefined) name['givenName'] = changes.givenName;
    if (changes.familyName !== undefined) name['familyName'] = changes.familyName;
    user['name'] = name;
  }
  if (changes.email !== undefined) user['emails'] = workEmails(changes.email);
  if (changes.active !== undefined) user['active'] = changes.active;
  return withExtraAttributes(user, changes.extra);
}

export interface GroupPutChange {
  readonly displayName?: string;
  readonly add?: readonly string[];
  readonly remove?: readonly string[];
}

/** The group as read back, renamed and/or with its full member list recomputed (members by id only). */
export function groupForPut(
  current: Readonly<Record<string, unknown>>,
  change: GroupPutChange,
): Record<string, unknown> {
  const group: Record<string, unknown> = { ...current };
  delete group['meta'];
  if (change.displayName !== undefined) group['displayName'] = change.displayName;
  const members = Array.isArray(group['members'])
    ? group['members'].flatMap((member: unknown) =>
        isRecord(member) && typeof member['value'] === 'string' ? [member['value']] : [],
      )
    : [];
  const removed = new Set(change.remove ?? []);
  const kept = members.filter((id) => !removed.has(id));
  const present = new Set(kept);
  for (const id of change.add ?? []) {
    if (!present.has(id)) kept.push(id);
    present.add(id);
  }
  group['members'] = kept.map((value) => ({ value }));
  return group;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
