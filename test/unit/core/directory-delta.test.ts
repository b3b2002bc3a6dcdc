import { describe, expect, it } from 'vitest';
import {
  addDirectoryChange,
  emptyDirectoryDelta,
  isolatedObjectsOf,
  type DirectoryDelta,
} from '../../../src/core/directory-delta.js';
import type { DirectoryChange } from '../../../src/core/model/directory-change.js';
import { directoryGroup, directoryUser } from './builders.js';

function fold(changes: readonly DirectoryChange[]): DirectoryDelta {
  const delta = emptyDirectoryDelta();
  for (const change of changes) addDirectoryChange(delta, change);
  return delta;
}

const setOf = (map: ReadonlyMap<string, ReadonlySet<string>>, key: string) => [...(map.get(key) ?? [])].sort();

describe('addDirectoryChange: users and groups', () => {
  it('starts empty', () => {
    const delta = emptyDirectoryDelta();
    expect([delta.users, delta.deletedUsers, delta.groups, delta.deletedGroups].map((c) => c.size)).toEqual([
      0, 0, 0, 0,
    ]);
  });

  it('keeps the latest version of a user seen twice', () => {
    const delta = fold([
      { type: 'user', user: directoryUser('u1', { givenName: 'Old' }) },
      { type: 'user', user: directoryUser('u1', { givenName: 'New' }) },
    ]);
    expect(delta.users.get('u1')?.givenName).toBe('New');
  });

  it('a user seen and then deleted is deleted', () => {
    const delta = fold([
      { type: 'user', user: directoryUser('u1') },
      { type: 'user.deleted', id: 'u1' },
    ]);
    expect(delta.users.has('u1')).toBe(false);
    expect(delta.deletedUsers.has('u1')).toBe(true);
  });

  it('a user deleted and then seen again exists', () => {
    const delta = fold([
      { type: 'user.deleted', id: 'u1' },
      { type: 'user', user: directoryUser('u1') },
    ]);
    expect(delta.users.has('u1')).toBe(true);
    expect(delta.deletedUsers.has('u1')).toBe(false);
  });

  it('a group seen and then deleted is deleted, with the member changes read for it', () => {
    const delta = fold([
      { type: 'group', group: directoryGroup('g1') },
      { type: 'members.replace', groupId: 'g1', memberIds: ['u1'] },
      { type: 'members.delta', groupId: 'g1', added: ['u2'], removed: ['u3'] },
      { type: 'group.deleted', id: 'g1' },
    ]);
    expect(delta.groups.has('g1')).toBe(false);
    expect(delta.deletedGroups.has('g1')).toBe(true);
    expect([delta.replacedMembers.has('g1'), delta.addedMembers.has('g1'), delta.removedMembers.has('g1')]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('a group deleted and then seen again exists', () => {
    const delta = fold([
      { type: 'group.deleted', id: 'g1' },
      { type: 'group', group: directoryGroup('g1') },
    ]);
    expect(delta.groups.has('g1')).toBe(true);
    expect(delta.deletedGroups.has('g1')).toBe(false);
  });
});

describe('addDirectoryChange: members', () => {
  it('concatenates several complete member lists of one group read in one run (pages)', () => {
    const delta = fold([
      { type: 'members.replace', groupId: 'g1', memberIds: ['u1', 'u2'] },
      { type: 'members.replace', groupId: 'g1', memberIds: ['u3'] },
    ]);
    expect(setOf(delta.replacedMembers, 'g1')).toEqual(['u1', 'u2', 'u3']);
  });

  it('records a complete but empty member list as a replacement with no members', () => {
    const delta = fold([{ type: 'members.replace', groupId: 'g1', memberIds: [] }]);
    expect(delta.replacedMembers.get('g1')).toEqual(new Set());
  });

  it('collects member adds and removes', () => {
    const delta = fold([
      { type: 'members.delta', groupId: 'g1', added: ['u1', 'u2'], removed: ['u3'] },
      { type: 'members.delta', groupId: 'g1', added: ['u4'], removed: [] },
    ]);
    expect(setOf(delta.addedMembers, 'g1')).toEqual(['u1', 'u2', 'u4']);
    expect(setOf(delta.removedMembers, 'g1')).toEqual(['u3']);
  });

  it('lets a later remove cancel an earlier add, and a later add cancel an earlier remove', () => {
    const delta = fold([
      { type: 'members.delta', groupId: 'g1', added: ['u1'], removed: ['u2'] },
      { type: 'members.delta', groupId: 'g1', added: ['u2'], removed: ['u1'] },
    ]);
    expect(setOf(delta.addedMembers, 'g1')).toEqual(['u2']);
    expect(setOf(delta.removedMembers, 'g1')).toEqual(['u1']);
  });

  it('folds member changes after a complete list into that list', () => {
    const delta = fold([
      { type: 'members.replace', groupId: 'g1', memberIds: ['u1', 'u2'] },
      { type: 'members.delta', groupId: 'g1', added: ['u3'], removed: ['u1'] },
    ]);
    expect(setOf(delta.replacedMembers, 'g1')).toEqual(['u2', 'u3']);
    expect(setOf(delta.addedMembers, 'g1')).toEqual([]);
    expect(setOf(delta.removedMembers, 'g1')).toEqual([]);
  });

  it('keeps member changes of different groups apart', () => {
    const delta = fold([
      { type: 'members.delta', groupId: 'g1', added: ['u1'], removed: [] },
      { type: 'members.delta', groupId: 'g2', added: [], removed: ['u1'] },
    ]);
    expect(setOf(delta.addedMembers, 'g1')).toEqual(['u1']);
    expect(setOf(delta.removedMembers, 'g2')).toEqual(['u1']);
    expect(setOf(delta.removedMembers, 'g1')).toEqual([]);
  });
});

describe('addDirectoryChange: isolated objects', () => {
  const isolated = (id: string) =>
    ({ type: 'user.isolated', id, field: 'status', reason: 'status is unknown' }) as const;

  it('folds isolated users and groups into their own maps, id → field and reason', () => {
    const delta = fold([
      isolated('u1'),
      { type: 'group.isolated', id: 'g1', field: 'displayName', reason: 'displayName is empty' },
    ]);
    expect([...delta.isolatedUsers]).toEqual([['u1', { field: 'status', reason: 'status is unknown' }]]);
    expect([...delta.isolatedGroups]).toEqual([['g1', { field: 'displayName', reason: 'displayName is empty' }]]);
    expect([delta.users.size, delta.groups.size, delta.deletedUsers.size, delta.deletedGroups.size]).toEqual([
      0, 0, 0, 0,
    ]);
  });

  it('a user seen clean and then isolated in the same read is isolated: neither written nor deleted', () => {
    const delta = fold([{ type: 'user', user: directoryUser('u1') }, isolated('u1')]);
    expect(delta.users.has('u1')).toBe(false);
    expect(delta.isolatedUsers.has('u1')).toBe(true);
  });

  it('a later clean or deleted version of an isolated object wins (a later fact un-isolates it)', () => {
    const clean = fold([isolated('u1'), { type: 'user', user: directoryUser('u1') }]);
    expect(clean.isolatedUsers.size).toBe(0);
    expect(clean.users.has('u1')).toBe(true);
    const deleted = fold([isolated('u1'), { type: 'user.deleted', id: 'u1' }]);
    expect(deleted.isolatedUsers.size).toBe(0);
    expect(deleted.deletedUsers.has('u1')).toBe(true);
    const deletedThenIsolated = fold([{ type: 'user.deleted', id: 'u1' }, isolated('u1')]);
    expect(deletedThenIsolated.deletedUsers.size).toBe(0);
    const group = fold([
      { type: 'group.isolated', id: 'g1', field: 'displayName', reason: 'r' },
      { type: 'group', group: directoryGroup('g1') },
    ]);
    expect(group.isolatedGroups.size).toBe(0);
    expect(group.groups.has('g1')).toBe(true);
    const gone = fold([
      { type: 'group', group: directoryGroup('g1') },
      { type: 'group.isolated', id: 'g1', field: 'f', reason: 'r' },
    ]);
    expect(gone.groups.size).toBe(0);
  });

  it('keeps member lists as read, for the mirror to leave isolated members and groups as they were', () => {
    const delta = fold([
      isolated('u1'),
      { type: 'group.isolated', id: 'g1', field: 'f', reason: 'r' },
      { type: 'members.replace', groupId: 'g1', memberIds: ['u2'] },
      { type: 'members.replace', groupId: 'g2', memberIds: ['u1', 'u2'] },
    ]);
    expect(setOf(delta.replacedMembers, 'g2')).toEqual(['u1', 'u2']);
    expect(setOf(delta.replacedMembers, 'g1')).toEqual(['u2']);
  });

  it('lists objects without a usable id in read order, and isolatedObjectsOf sorts the named ones by kind and id', () => {
    const delta = fold([
      isolated('u2'),
      { type: 'unidentified', kind: 'group', field: 'id', reason: 'id is empty' },
      { type: 'group.isolated', id: 'g1', field: 'displayName', reason: 'displayName is empty' },
      isolated('u1'),
      { type: 'unidentified', kind: 'user', field: 'id', reason: 'id is missing' },
    ]);
    expect(isolatedObjectsOf(delta)).toEqual([
      { kind: 'user', id: 'u1', field: 'status', reason: 'status is unknown' },
      { kind: 'user', id: 'u2', field: 'status', reason: 'status is unknown' },
      { kind: 'group', id: 'g1', field: 'displayName', reason: 'displayName is empty' },
      { kind: 'group', id: null, field: 'id', reason: 'id is empty' },
      { kind: 'user', id: null, field: 'id', reason: 'id is missing' },
    ]);
  });
});
