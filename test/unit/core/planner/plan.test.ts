import { describe, expect, it } from 'vitest';
import type { Op } from '../../../../src/core/planner/op.js';
import { countOps } from '../../../../src/core/planner/plan.js';
import { attributesFor } from '../builders.js';

describe('countOps', () => {
  it('counts users and groups per op, and memberships per member', () => {
    const ops: Op[] = [
      { kind: 'user.create', key: 'a', externalId: 'u1', attributes: attributesFor('u1'), invite: true },
      { kind: 'user.create', key: 'b', externalId: 'u2', attributes: attributesFor('u2'), invite: true },
      { kind: 'user.update', key: 'c', externalId: 'u3', changes: { email: 'x@y.z' } },
      { kind: 'user.reactivate', key: 'd', externalId: 'u4', changes: {} },
      { kind: 'user.deactivate', key: 'e', externalId: 'u5' },
      { kind: 'group.create', key: 'f', externalId: 'g1', displayName: 'G1' },
      { kind: 'group.rename', key: 'g', externalId: 'g2', displayName: 'G2' },
      { kind: 'group.delete', key: 'h', externalId: 'g3' },
      { kind: 'members.add', key: 'i', groupExternalId: 'g1', userExternalIds: ['u1', 'u2', 'u3'] },
      { kind: 'members.remove', key: 'j', groupExternalId: 'g2', userExternalIds: ['u5'] },
      { kind: 'invite.send', key: 'k', userExternalId: 'u1' },
      { kind: 'invite.send', key: 'l', userExternalId: 'u2' },
    ];
    expect(countOps(ops)).toEqual({
      created: 2,
      updated: 1,
      reactivated: 1,
      deactivated: 1,
      groupsCreated: 1,
      groupsRenamed: 1,
      groupsDeleted: 1,
      membershipsAdded: 3,
      membershipsRemoved: 1,
      invites: 2,
    });
  });

  it('counts nothing in an empty plan', () => {
    expect(Object.values(countOps([]))).toEqual(Array(10).fill(0));
  });
});
