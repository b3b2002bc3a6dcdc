import { describe, expect, it } from 'vitest';
import { screenDirectoryChange } from '../../../src/core/screen-directory-change.js';
import { directoryGroup, directoryUser } from './builders.js';

describe('screenDirectoryChange: what every connector yields passes one check', () => {
  it('passes a clean user and group through unchanged (the same object)', () => {
    const user = { type: 'user', user: directoryUser('00u1') } as const;
    const group = { type: 'group', group: directoryGroup('00g1') } as const;
    expect(screenDirectoryChange(user)).toBe(user);
    expect(screenDirectoryChange(group)).toBe(group);
  });

  it('turns a user with a NUL byte into user.isolated, named by its id', () => {
    expect(screenDirectoryChange({ type: 'user', user: directoryUser('00u1', { displayName: 'A\u0000' }) })).toEqual({
      type: 'user.isolated',
      id: '00u1',
      field: 'displayName',
      reason: 'displayName contains a NUL byte (U+0000) at character 2',
    });
  });

  it('turns a group with a bidi override into group.isolated', () => {
    expect(
      screenDirectoryChange({ type: 'group', group: directoryGroup('00g1', { displayName: '\u2066x' }) }),
    ).toMatchObject({ type: 'group.isolated', id: '00g1', field: 'displayName' });
  });

  it('turns a user or group whose id is unusable into unidentified, without the id', () => {
    expect(screenDirectoryChange({ type: 'user', user: directoryUser('a'.repeat(300)) })).toEqual({
      type: 'unidentified',
      kind: 'user',
      field: 'id',
      reason: 'id is longer than 255 characters, the limit for id',
    });
    expect(screenDirectoryChange({ type: 'group', group: directoryGroup('') })).toMatchObject({
      type: 'unidentified',
      kind: 'group',
    });
  });

  it("keeps a connector's isolation, unless its id is unusable or its reason is not fit for a row", () => {
    const isolated = { type: 'user.isolated', id: '00u1', field: 'status', reason: 'status is unknown' } as const;
    expect(screenDirectoryChange(isolated)).toEqual(isolated);
    expect(screenDirectoryChange({ ...isolated, id: '00u\u0000' })).toEqual({
      type: 'unidentified',
      kind: 'user',
      field: 'id',
      reason: 'id contains a NUL byte (U+0000) at character 4',
    });
    expect(
      screenDirectoryChange({ type: 'group.isolated', id: '00g1', field: 'x\u0000', reason: 'bad \u202E' }),
    ).toEqual({
      type: 'group.isolated',
      id: '00g1',
      field: 'record',
      reason: "record failed the connector's validation",
    });
  });

  it('drops deletions of ids no row can have, and unusable ids from member lists', () => {
    expect(screenDirectoryChange({ type: 'user.deleted', id: '\u0000' })).toBeNull();
    expect(screenDirectoryChange({ type: 'group.deleted', id: '' })).toBeNull();
    expect(screenDirectoryChange({ type: 'user.deleted', id: '00u1' })).toEqual({ type: 'user.deleted', id: '00u1' });
    expect(screenDirectoryChange({ type: 'members.replace', groupId: '00g\n', memberIds: ['00u1'] })).toBeNull();
    expect(
      screenDirectoryChange({ type: 'members.replace', groupId: '00g1', memberIds: ['00u1', '', '00u\u0000', '00u2'] }),
    ).toEqual({ type: 'members.replace', groupId: '00g1', memberIds: ['00u1', '00u2'] });
    expect(
      screenDirectoryChange({
        type: 'members.delta',
        groupId: '00g1',
        added: ['\uD800', '00u1'],
        removed: ['x'.repeat(256)],
      }),
    ).toEqual({ type: 'members.delta', groupId: '00g1', added: ['00u1'], removed: [] });
  });
});
