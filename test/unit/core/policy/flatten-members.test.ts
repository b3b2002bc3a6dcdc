import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flattenMembers, type DirectMembers } from '../../../../src/core/policy/flatten-members.js';

const node = (users: string[], groups: string[] = []): DirectMembers => ({
  users: new Set(users),
  groups: new Set(groups),
});
const asObject = (members: ReadonlyMap<string, ReadonlySet<string>>) =>
  Object.fromEntries([...members].map(([id, users]) => [id, [...users]]));

describe('flattenMembers', () => {
  it('gives a group its direct users and those of nested groups, at any depth', () => {
    const result = flattenMembers(
      new Map([
        ['all', node(['u1'], ['eng'])],
        ['eng', node(['u2'], ['sre'])],
        ['sre', node(['u3'])],
      ]),
    );
    expect(asObject(result.members)).toEqual({ all: ['u1', 'u2', 'u3'], eng: ['u2', 'u3'], sre: ['u3'] });
    expect(result.cycleEdges).toEqual([]);
  });

  it('ends on a cycle, gives every group of it the users of all, and reports the closing edge', () => {
    const result = flattenMembers(
      new Map([
        ['a', node(['u1'], ['b'])],
        ['b', node(['u2'], ['a'])],
        ['c', node([], ['c'])],
      ]),
    );
    expect(asObject(result.members)).toEqual({ a: ['u1', 'u2'], b: ['u1', 'u2'], c: [] });
    expect(result.cycleEdges).toEqual([
      { group: 'b', member: 'a' },
      { group: 'c', member: 'c' },
    ]);
  });

  it('ignores nested ids that are not groups of the input', () => {
    expect(asObject(flattenMembers(new Map([['a', node(['u1'], ['gone'])]])).members)).toEqual({ a: ['u1'] });
  });

  const graphs = fc
    .array(
      fc.tuple(
        fc.constantFrom<string>('g1', 'g2', 'g3', 'g4', 'g5'),
        fc.array(fc.constantFrom('u1', 'u2', 'u3', 'u4')),
        fc.array(fc.constantFrom('g1', 'g2', 'g3', 'g4', 'g5', 'gx')),
      ),
      { maxLength: 5 },
    )
    .map((entries) => new Map(entries.map(([id, users, groups]) => [id, node(users, groups)])));

  it('property: every user of a nested group is a member of the outer one, direct users included', () => {
    fc.assert(
      fc.property(graphs, (direct) => {
        const { members } = flattenMembers(direct);
        for (const [id, { users, groups }] of direct) {
          for (const user of users) expect(members.get(id)?.has(user)).toBe(true);
          for (const child of groups) {
            if (!direct.has(child)) continue;
            for (const user of members.get(child) ?? []) expect(members.get(id)?.has(user)).toBe(true);
          }
        }
      }),
    );
  });

  it('property: no member comes from outside the groups reachable from the group', () => {
    fc.assert(
      fc.property(graphs, (direct) => {
        const all = new Set([...direct.values()].flatMap((entry) => [...entry.users]));
        for (const users of flattenMembers(direct).members.values())
          for (const user of users) expect(all.has(user)).toBe(true);
      }),
    );
  });

  it('property: the result does not depend on iteration order, and removing the cycle edges leaves no cycle', () => {
    fc.assert(
      fc.property(graphs, (direct) => {
        const reversed = new Map(
          [...direct]
            .reverse()
            .map(([id, entry]) => [id, node([...entry.users].reverse(), [...entry.groups].reverse())]),
        );
        const a = flattenMembers(direct);
        const b = flattenMembers(reversed);
        expect(asObject(b.members)).toEqual(asObject(a.members));
        expect([...b.members.keys()]).toEqual([...a.members.keys()]);
        expect(b.cycleEdges).toEqual(a.cycleEdges);
        const cut = new Map(
          [...direct].map(([id, entry]) => [
            id,
            node(
              [...entry.users],
              [...entry.groups].filter((child) => !a.cycleEdges.some((e) => e.group === id && e.member === child)),
            ),
          ]),
        );
        expect(flattenMembers(cut).cycleEdges).toEqual([]);
      }),
    );
  });
});
