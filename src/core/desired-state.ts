import type { DesiredGroup, DesiredState, DesiredUser } from './model/desired-state.js';
import type { Directory } from './model/directory.js';
import { isGroupInScope, type Scope } from './scope.js';

/**
 * What the app should hold, from what the directory says. Group members are the group's direct members
 * that are active users; nested groups are not flattened and non-user members are ignored.
 */
export function desiredStateOf(directory: Directory, scope: Scope): DesiredState {
  const users = new Map<string, DesiredUser>();
  for (const user of directory.users.values()) {
    users.set(user.id, {
      externalId: user.id,
      userName: user.userName,
      email: user.email,
      givenName: user.givenName,
      familyName: user.familyName,
      displayName: user.displayName,
      active: user.active,
    });
  }
  const groups = new Map<string, DesiredGroup>();
  for (const group of directory.groups.values()) {
    if (!isGroupInScope(group, scope)) continue;
    const members = new Set<string>();
    for (const memberId of directory.members.get(group.id) ?? []) {
      if (users.get(memberId)?.active === true) members.add(memberId);
    }
    groups.set(group.id, { externalId: group.id, displayName: group.displayName, members });
  }
  return { users, groups };
}
