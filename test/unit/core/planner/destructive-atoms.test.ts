import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { destructiveAtoms, isCoveredBy } from '../../../../src/core/planner/destructive-atoms.js';
import { holdIdentity, guardHoldReasons, anomalyHoldReasons } from '../../../../src/core/planner/hold-reason.js';
import type { Op } from '../../../../src/core/planner/op.js';

const deactivate = (id: string, revision = 1): Op => ({
  kind: 'user.deactivate',
  key: `user.deactivate:c:${id}@${revision}`,
  externalId: id,
});
const removal = (group: string, users: string[]): Op => ({
  kind: 'members.remove',
  key: `members.remove:c:${group}@1`,
  groupExternalId: group,
  userExternalIds: users,
});

describe('destructiveAtoms', () => {
  it('names each deactivated user, deleted group and removed membership, sorted and unique', () => {
    const ops: Op[] = [
      { kind: 'user.create', key: 'k1', externalId: 'n1', attributes: {} as never, invite: true },
      deactivate('u2'),
      removal('g1', ['u3', 'u1']),
      { kind: 'group.delete', key: 'k4', externalId: 'g9' },
      { kind: 'members.add', key: 'k5', groupExternalId: 'g1', userExternalIds: ['u7'] },
      deactivate('u2', 2),
    ];
    expect(destructiveAtoms(ops)).toEqual([
      'group.delete:g9',
      'members.remove:g1:u1',
      'members.remove:g1:u3',
      'user.deactivate:u2',
    ]);
  });

  it('ignores the revision in op keys: a later run deactivating the same person is covered', () => {
    const approved = new Set(destructiveAtoms([deactivate('u1', 3)]));
    expect(isCoveredBy(destructiveAtoms([deactivate('u1', 4)]), approved)).toBe(true);
  });

  it('covers a plan with fewer destructive ops, never one with another or an extra member', () => {
    const approved = new Set(destructiveAtoms([removal('g1', ['u1', 'u2']), deactivate('u5')]));
    expect(isCoveredBy(destructiveAtoms([removal('g1', ['u2'])]), approved)).toBe(true);
    expect(isCoveredBy(destructiveAtoms([removal('g1', ['u2', 'u3'])]), approved)).toBe(false);
    expect(isCoveredBy(destructiveAtoms([removal('g2', ['u1'])]), approved)).toBe(false);
    expect(isCoveredBy(destructiveAtoms([deactivate('u6')]), approved)).toBe(false);
    expect(isCoveredBy([], approved)).toBe(true);
  });

  it('property: a plan is covered by its own atoms and by any superset, and by no set missing one of them', () => {
    const id = fc.constantFrom('u1', 'u2', 'u3', 'u4', 'g1', 'g2');
    const op = fc.oneof(
      id.map((x) => deactivate(x)),
      id.map((x): Op => ({ kind: 'group.delete', key: `group.delete:c:${x}@0`, externalId: x })),
      fc.tuple(id, fc.uniqueArray(id, { minLength: 1 })).map(([g, users]) => removal(g, users)),
    );
    fc.assert(
      fc.property(fc.array(op), fc.array(op), (ops, extra) => {
        const atoms = destructiveAtoms(ops);
        expect(isCoveredBy(atoms, new Set(atoms))).toBe(true);
        expect(isCoveredBy(atoms, new Set([...atoms, ...destructiveAtoms(extra)]))).toBe(true);
        for (const missing of atoms) {
          expect(isCoveredBy(atoms, new Set(atoms.filter((atom) => atom !== missing)))).toBe(false);
        }
      }),
    );
  });
});

describe('holdIdentity', () => {
  const trip = { guard: 'deactivations' as const, count: 12, limit: 10, activeAppUsers: 30 };
  it('is the same for the same guards and atoms whatever the counts, different when either changes', () => {
    const atoms = ['user.deactivate:u1'];
    const a = holdIdentity(guardHoldReasons({ trips: [trip] }), atoms);
    expect(holdIdentity(guardHoldReasons({ trips: [{ ...trip, activeAppUsers: 31, limit: 11 }] }), atoms)).toBe(a);
    expect(holdIdentity(guardHoldReasons({ trips: [trip] }), ['user.deactivate:u2'])).not.toBe(a);
    const groupTrip = { guard: 'group-deletes' as const, count: 6, limit: 5, appGroups: 12 };
    expect(holdIdentity(guardHoldReasons({ trips: [trip, groupTrip] }), atoms)).not.toBe(a);
  });

  it('tells a source anomaly on users from one on groups, and keeps the reason text for the operator', () => {
    const users = anomalyHoldReasons({ drops: [{ resource: 'users', before: 30, after: 0, limit: 10 }] });
    const groups = anomalyHoldReasons({ drops: [{ resource: 'groups', before: 3, after: 0, limit: 5 }] });
    expect(holdIdentity(users, [])).not.toBe(holdIdentity(groups, []));
    expect(users[0]?.message).toContain('users dropped from 30 to 0');
  });
});
