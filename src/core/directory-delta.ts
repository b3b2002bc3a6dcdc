import type { DirectoryChange } from './model/directory-change.js';
import type { DirectoryGroup } from './model/directory-group.js';
import type { DirectoryUser } from './model/directory-user.js';

/**
 * Everything one read reported, folded so that a later fact wins over an earlier one (a user seen and then
 * deleted is deleted). The mirror applies a delta in one transaction, so a failed read leaves no trace.
 */
export interface DirectoryDelta {
  readonly users: Map<string, DirectoryUser>;
  readonly deletedUsers: Set<string>;
  readonly groups: Map<string, DirectoryGroup>;
  readonly deletedGroups: Set<string>;
  /** Groups whose complete member list was read: the mirror replaces their members. */
  readonly replacedMembers: Map<string, Set<string>>;
  readonly addedMembers: Map<string, Set<string>>;
  readonly removedMembers: Map<string, Set<string>>;
}

export function emptyDirectoryDelta(): DirectoryDelta {
  return {
    users: new Map(),
    deletedUsers: new Set(),
    groups: new Map(),
    deletedGroups: new Set(),
    replacedMembers: new Map(),
    addedMembers: new Map(),
    removedMembers: new Map(),
  };
}

/** Folds one change into the delta (mutates it: a 20 000-user read must not copy maps per change). */
export function addDirectoryChange(delta: DirectoryDelta, change: DirectoryChange): void {
  switch (change.type) {
    case 'user':
      delta.users.set(change.user.id, change.user);
      delta.deletedUsers.delete(change.user.id);
      return;
    case 'user.deleted':
      delta.users.delete(change.id);
      delta.deletedUsers.add(change.id);
      return;
    case 'group':
      delta.groups.set(change.group.id, change.group);
      delta.deletedGroups.delete(change.group.id);
      return;
    case 'group.deleted':
      delta.groups.delete(change.id);
      delta.deletedGroups.add(change.id);
      forgetMembers(delta, change.id);
      return;
    case 'members.replace': {
      // The first complete list of a read supersedes member changes seen before it in the same read.
      if (!delta.replacedMembers.has(change.groupId)) {
        delta.addedMembers.delete(change.groupId);
        delta.removedMembers.delete(change.groupId);
      }
      const members = delta.replacedMembers.get(change.groupId) ?? new Set<string>();
      for (const id of change.memberIds) members.add(id);
      delta.replacedMembers.set(change.groupId, members);
      return;
    }
    case 'members.delta': {
      const replaced = delta.replacedMembers.get(change.groupId);
      const added = setIn(delta.addedMembers, change.groupId);
      const removed = setIn(delta.removedMembers, change.groupId);
      for (const id of change.added) {
        removed.delete(id);
        if (replaced) replaced.add(id);
        else added.add(id);
      }
      for (const id of change.removed) {
        added.delete(id);
        if (replaced) replaced.delete(id);
        else removed.add(id);
      }
      return;
    }
  }
}

function forgetMembers(delta: DirectoryDelta, groupId: string): void {
  delta.replacedMembers.delete(groupId);
  delta.addedMembers.delete(groupId);
  delta.removedMembers.delete(groupId);
}

function setIn(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}
