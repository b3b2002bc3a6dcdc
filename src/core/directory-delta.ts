import type { DirectoryChange, Isolation } from './model/directory-change.js';
import type { DirectoryGroup } from './model/directory-group.js';
import type { DirectoryUser } from './model/directory-user.js';
import type { IsolatedObject } from './model/isolated-object.js';

/**
 * Everything one read reported, folded so that a later fact wins over an earlier one (a user seen and then
 * deleted is deleted). The mirror applies a delta in one transaction, so a failed read leaves no trace.
 *
 * `users`, `deletedUsers` and `isolatedUsers` never share an id (nor do their group counterparts): an object is
 * in the state the last change about it said. Member changes are kept as read, also for isolated objects: the
 * mirror leaves the memberships of an isolated user or group as it last knew them, whatever this read listed.
 */
export interface DirectoryDelta {
  readonly users: Map<string, DirectoryUser>;
  readonly deletedUsers: Set<string>;
  /** Users this read could not take, by IdP id: the mirror keeps them (and their memberships) as they were. */
  readonly isolatedUsers: Map<string, Isolation>;
  readonly groups: Map<string, DirectoryGroup>;
  readonly deletedGroups: Set<string>;
  readonly isolatedGroups: Map<string, Isolation>;
  /** Groups whose complete member list was read: the mirror replaces their members. */
  readonly replacedMembers: Map<string, Set<string>>;
  readonly addedMembers: Map<string, Set<string>>;
  readonly removedMembers: Map<string, Set<string>>;
  /**
   * Objects without a usable id, in the order read. Any of them may be an object the mirror holds, so a full read
   * that had one of a kind removes nothing of that kind as unseen.
   */
  readonly unidentified: ({ readonly kind: 'user' | 'group' } & Isolation)[];
}

export function emptyDirectoryDelta(): DirectoryDelta {
  return {
    users: new Map(),
    deletedUsers: new Set(),
    isolatedUsers: new Map(),
    groups: new Map(),
    deletedGroups: new Set(),
    isolatedGroups: new Map(),
    replacedMembers: new Map(),
    addedMembers: new Map(),
    removedMembers: new Map(),
    unidentified: [],
  };
}

/** Folds one change into the delta (mutates it: a 20 000-user read must not copy maps per change). */
export function addDirectoryChange(delta: DirectoryDelta, change: DirectoryChange): void {
  switch (change.type) {
    case 'user':
      delta.users.set(change.user.id, change.user);
      delta.deletedUsers.delete(change.user.id);
      delta.isolatedUsers.delete(change.user.id);
      return;
    case 'user.deleted':
      delta.users.delete(change.id);
      delta.deletedUsers.add(change.id);
      delta.isolatedUsers.delete(change.id);
      return;
    case 'user.isolated':
      delta.users.delete(change.id);
      delta.deletedUsers.delete(change.id);
      delta.isolatedUsers.set(change.id, { field: change.field, reason: change.reason });
      return;
    case 'group':
      delta.groups.set(change.group.id, change.group);
      delta.deletedGroups.delete(change.group.id);
      delta.isolatedGroups.delete(change.group.id);
      return;
    case 'group.deleted':
      delta.groups.delete(change.id);
      delta.deletedGroups.add(change.id);
      delta.isolatedGroups.delete(change.id);
      forgetMembers(delta, change.id);
      return;
    case 'group.isolated':
      delta.groups.delete(change.id);
      delta.deletedGroups.delete(change.id);
      delta.isolatedGroups.set(change.id, { field: change.field, reason: change.reason });
      return;
    case 'unidentified':
      delta.unidentified.push({ kind: change.kind, field: change.field, reason: change.reason });
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

/** What the read isolated, users then groups (each by id), then the objects without a usable id in read order. */
export function isolatedObjectsOf(delta: DirectoryDelta): IsolatedObject[] {
  const named = (kind: 'user' | 'group', map: ReadonlyMap<string, Isolation>): IsolatedObject[] =>
    [...map]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, isolation]) => ({ kind, id, field: isolation.field, reason: isolation.reason }));
  return [
    ...named('user', delta.isolatedUsers),
    ...named('group', delta.isolatedGroups),
    ...delta.unidentified.map((object) => ({ ...object, id: null })),
  ];
}

/**
 * How many users and groups the read saw, for the source-anomaly check: isolated objects and objects without a usable
 * id were seen too (the IdP still has them), so they are never counted as lost.
 */
export function seenCounts(delta: DirectoryDelta): { users: number; groups: number } {
  const unidentified = (kind: 'user' | 'group') => delta.unidentified.filter((object) => object.kind === kind).length;
  return {
    users: delta.users.size + delta.isolatedUsers.size + unidentified('user'),
    groups: delta.groups.size + delta.isolatedGroups.size + unidentified('group'),
  };
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
