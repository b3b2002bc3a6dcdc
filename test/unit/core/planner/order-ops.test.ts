import { describe, expect, it } from 'vitest';
import { OP_PHASES, opSubject, type Op, type OpKind } from '../../../../src/core/planner/op.js';
import { orderOps } from '../../../../src/core/planner/order-ops.js';

describe('OP_PHASES', () => {
  it('follows DESIGN: user creates and updates → group creates and renames → member adds → member removes → deactivations → group deletes → invites', () => {
    const phases: readonly (readonly OpKind[])[] = [
      ['user.create', 'user.update', 'user.reactivate'],
      ['group.create', 'group.rename'],
      ['members.add'],
      ['members.remove'],
      ['user.deactivate'],
      ['group.delete'],
      ['invite.send'],
    ];
    for (const [phase, kinds] of phases.entries()) for (const kind of kinds) expect(OP_PHASES[kind]).toBe(phase);
    expect(Object.keys(OP_PHASES).sort()).toEqual(phases.flat().slice().sort());
  });
});

describe('opSubject', () => {
  it('is the group for member ops, the user for invites, and the object itself otherwise', () => {
    expect(opSubject({ kind: 'members.add', groupExternalId: 'g', userExternalIds: ['u'] })).toBe('g');
    expect(opSubject({ kind: 'members.remove', groupExternalId: 'g', userExternalIds: ['u'] })).toBe('g');
    expect(opSubject({ kind: 'invite.send', userExternalId: 'u' })).toBe('u');
    expect(opSubject({ kind: 'user.deactivate', externalId: 'u' })).toBe('u');
    expect(opSubject({ kind: 'group.delete', externalId: 'g' })).toBe('g');
  });
});

describe('orderOps', () => {
  const ops: Op[] = [
    { kind: 'invite.send', key: 'invite.send:c:a', userExternalId: 'a' },
    { kind: 'group.delete', key: 'group.delete:c:g@1', externalId: 'g' },
    { kind: 'user.deactivate', key: 'user.deactivate:c:z@1', externalId: 'z' },
    { kind: 'members.remove', key: 'members.remove:c:g2@1', groupExternalId: 'g2', userExternalIds: ['z'] },
    { kind: 'members.add', key: 'members.add:c:g2@1', groupExternalId: 'g2', userExternalIds: ['a'] },
    { kind: 'group.rename', key: 'group.rename:c:g2@1', externalId: 'g2', displayName: 'G2' },
    { kind: 'group.create', key: 'group.create:c:g1', externalId: 'g1', displayName: 'G1' },
    { kind: 'user.update', key: 'user.update:c:z@1', externalId: 'z', changes: { givenName: 'Z' } },
    {
      kind: 'user.create',
      key: 'user.create:c:a',
      externalId: 'a',
      attributes: { userName: 'a', email: 'a', givenName: '', familyName: '', displayName: 'a' },
      invite: true,
    },
  ];

  it('sorts by phase, then subject, then key', () => {
    expect(orderOps(ops).map((op) => op.key)).toEqual([
      'user.create:c:a',
      'user.update:c:z@1',
      'group.create:c:g1',
      'group.rename:c:g2@1',
      'members.add:c:g2@1',
      'members.remove:c:g2@1',
      'user.deactivate:c:z@1',
      'group.delete:c:g@1',
      'invite.send:c:a',
    ]);
  });

  it('does not depend on the input order and leaves the input alone', () => {
    const copy = [...ops];
    expect(orderOps([...ops].reverse())).toEqual(orderOps(ops));
    expect(ops).toEqual(copy);
  });

  it('breaks a tie on the subject by key', () => {
    const update: Op = { kind: 'user.update', key: 'user.update:c:u@1', externalId: 'u', changes: {} };
    const reactivate: Op = { kind: 'user.reactivate', key: 'user.reactivate:c:u@1', externalId: 'u', changes: {} };
    expect(orderOps([update, reactivate]).map((op) => op.kind)).toEqual(['user.reactivate', 'user.update']);
  });
});
