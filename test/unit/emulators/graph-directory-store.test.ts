import { describe, expect, it } from 'vitest';
import { GraphDirectoryStore } from '../../emulators/graph/graph-directory-store.js';

/** The net member changes after `seq`, as `group: +id -id` lines, for readable comparisons. */
function changesAfter(store: GraphDirectoryStore, seq: number, names: ReadonlyMap<string, string>): string[] {
  return [...store.memberChangesSince(seq)].map(
    ([groupId, changes]) =>
      `${names.get(groupId) ?? groupId}: ${changes.map((c) => `${c.added ? '+' : '-'}${names.get(c.member.id) ?? c.member.id}`).join(' ')}`,
  );
}

describe('GraphDirectoryStore membership changes since a delta token', () => {
  const store = new GraphDirectoryStore();
  const staff = store.createGroup({ displayName: 'Staff' });
  const ops = store.createGroup({ displayName: 'Ops' });
  const [ada, bob, cyd] = ['ada', 'bob', 'cyd'].map((name) =>
    store.createUser({ userPrincipalName: `${name}@contoso.example` }),
  );
  const names = new Map([
    [staff.id, 'Staff'],
    [ops.id, 'Ops'],
    [ada!.id, 'ada'],
    [bob!.id, 'bob'],
    [cyd!.id, 'cyd'],
  ]);
  store.addMember(staff.id, ada!.id);
  store.addMember(staff.id, bob!.id);
  const token = store.seq;

  it('reports nothing when no membership changed after the token', () => {
    expect(changesAfter(store, token, names)).toEqual([]);
  });

  it('reports the net change of each member: a round trip after the token cancels out, either way', () => {
    store.addMember(ops.id, cyd!.id);
    store.removeMember(ops.id, cyd!.id); // added and removed after the token: nothing
    store.removeMember(staff.id, bob!.id);
    store.addMember(staff.id, bob!.id); // removed and added back: nothing
    store.removeMember(staff.id, ada!.id); // a member before the token, gone after it
    store.addMember(ops.id, bob!.id);
    expect(changesAfter(store, token, names)).toEqual(['Staff: -ada', 'Ops: +bob']);
  });

  it('reports every membership from the start (sequence 0) and none past the latest change', () => {
    expect(changesAfter(store, 0, names)).toEqual(['Staff: +bob', 'Ops: +bob']);
    expect(changesAfter(store, store.seq, names)).toEqual([]);
  });
});
