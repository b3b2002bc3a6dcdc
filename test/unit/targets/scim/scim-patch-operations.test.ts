import { describe, expect, it } from 'vitest';
import {
  groupPatchBatches,
  groupPatchOperations,
  userChangeOperations,
} from '../../../../src/targets/scim/scim-patch-operations.js';

describe('userChangeOperations', () => {
  it('sends one replace without a path per changed attribute, given and family name together', () => {
    expect(userChangeOperations({ givenName: 'A', familyName: 'B', active: false })).toEqual([
      { op: 'replace', value: { name: { givenName: 'A', familyName: 'B' } } },
      { op: 'replace', value: { active: false } },
    ]);
  });

  it('sends nothing for no change', () => {
    expect(userChangeOperations({})).toEqual([]);
  });
});

describe('groupPatchBatches', () => {
  const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it('chunks member changes, adds before removes, the rename in the first PATCH only', () => {
    const batches = groupPatchBatches(
      { displayName: 'New', addMemberIds: ids('a', 4), removeMemberIds: ids('r', 3) },
      3,
    );
    expect(batches).toEqual([
      { displayName: 'New', addMemberIds: ['a0', 'a1', 'a2'], removeMemberIds: [] },
      { displayName: undefined, addMemberIds: ['a3'], removeMemberIds: ['r0', 'r1'] },
      { displayName: undefined, addMemberIds: [], removeMemberIds: ['r2'] },
    ]);
    expect(groupPatchOperations(batches[1]!)).toEqual([
      { op: 'add', path: 'members', value: [{ value: 'a3' }] },
      { op: 'remove', path: 'members[value eq "r0"]' },
      { op: 'remove', path: 'members[value eq "r1"]' },
    ]);
  });

  it('makes 4 PATCHes of 10 members at 3 per PATCH, one for a rename alone, none for no change', () => {
    expect(groupPatchBatches({ addMemberIds: ids('m', 10) }, 3)).toHaveLength(4);
    expect(groupPatchBatches({ displayName: 'Only' }, 3).map(groupPatchOperations)).toEqual([
      [{ op: 'replace', value: { displayName: 'Only' } }],
    ]);
    expect(groupPatchBatches({ addMemberIds: [], removeMemberIds: [] }, 3)).toEqual([]);
  });
});
