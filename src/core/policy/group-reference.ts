import type { GroupRef } from './policy.js';

/**
 * Whether a policy's group reference (a rule's `group:`, a link's key) names this group: its IdP id exactly, or
 * its display name case-insensitively (IdP group names are unique regardless of case).
 */
export function refersTo(reference: string, group: GroupRef): boolean {
  return reference === group.id || reference.toLowerCase() === group.displayName.toLowerCase();
}

/** Whether the user is in the group a reference names (`groups`: the user's groups, direct or flattened as the policy says). */
export function inGroup(reference: string, groups: readonly GroupRef[]): boolean {
  return groups.some((group) => refersTo(reference, group));
}
