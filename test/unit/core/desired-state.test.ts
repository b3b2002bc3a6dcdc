import { describe, expect, it } from 'vitest';
import { desiredStateOf } from '../../../src/core/desired-state.js';
import { DEFAULT_POLICY } from '../../../src/core/policy/policy.js';
import { attributesFor, directoryGroup, directoryOf, directoryUser, policyOf } from './builders.js';

describe('desiredStateOf: users', () => {
  it('keys each desired user by the IdP id, which becomes its externalId', () => {
    const desired = desiredStateOf(directoryOf({ users: [directoryUser('00u1')] }), DEFAULT_POLICY);
    expect(desired.users.get('00u1')).toEqual({ externalId: '00u1', ...attributesFor('00u1'), active: true });
  });

  it('carries the mapped attributes unchanged, in the IdP spelling', () => {
    const user = directoryUser('u1', { userName: 'Ann.Lee@Example.COM', email: 'ANN@example.com', displayName: 'Ann' });
    const desired = desiredStateOf(directoryOf({ users: [user] }), DEFAULT_POLICY).users.get('u1');
    expect(desired).toMatchObject({ userName: 'Ann.Lee@Example.COM', email: 'ANN@example.com', displayName: 'Ann' });
  });

  it('keeps inactive directory users, marked inactive, so the planner can deactivate them', () => {
    const desired = desiredStateOf(
      directoryOf({ users: [directoryUser('u1', { active: false, status: 'SUSPENDED' })] }),
      DEFAULT_POLICY,
    );
    expect(desired.users.get('u1')?.active).toBe(false);
  });
});

describe('desiredStateOf: groups', () => {
  it('keys each group by the IdP id and names it by its displayName', () => {
    const desired = desiredStateOf(
      directoryOf({ groups: [directoryGroup('g1', { displayName: 'Sales' })] }),
      DEFAULT_POLICY,
    );
    expect(desired.groups.get('g1')).toEqual({ externalId: 'g1', displayName: 'Sales', members: new Set() });
  });

  it("leaves Okta's built-in Everyone group out of scope by default", () => {
    const directory = directoryOf({
      users: [directoryUser('u1')],
      groups: [directoryGroup('everyone', { displayName: 'Everyone', builtIn: true }), directoryGroup('g1')],
      members: { everyone: ['u1'] },
    });
    expect([...desiredStateOf(directory, DEFAULT_POLICY).groups.keys()]).toEqual(['g1']);
  });

  it('includes built-in groups when the scope says so', () => {
    const directory = directoryOf({
      users: [directoryUser('u1')],
      groups: [directoryGroup('everyone', { displayName: 'Everyone', builtIn: true })],
      members: { everyone: ['u1'] },
    });
    const desired = desiredStateOf(directory, policyOf({ scope: { groups: { includeBuiltInGroups: true } } }));
    expect(desired.groups.get('everyone')).toEqual({
      externalId: 'everyone',
      displayName: 'Everyone',
      members: new Set(['u1']),
    });
  });
});

describe('desiredStateOf: members', () => {
  const directory = directoryOf({
    users: [
      directoryUser('active-1'),
      directoryUser('active-2'),
      directoryUser('suspended', { active: false, status: 'SUSPENDED' }),
      directoryUser('nested-only'),
    ],
    groups: [directoryGroup('parent'), directoryGroup('child')],
    members: {
      parent: ['active-1', 'active-2', 'suspended', 'child', 'not-a-user', '0oa-app-id'],
      child: ['nested-only'],
    },
  });
  const members = desiredStateOf(directory, DEFAULT_POLICY).groups.get('parent')?.members;

  it("takes a group's direct members that are active users", () => {
    expect(members).toEqual(new Set(['active-1', 'active-2']));
  });

  it('leaves out inactive members', () => {
    expect(members?.has('suspended')).toBe(false);
  });

  it('ignores unknown ids and non-user members', () => {
    expect(members?.has('not-a-user')).toBe(false);
    expect(members?.has('0oa-app-id')).toBe(false);
  });

  it('does not flatten nested groups: the nested group id is ignored and its members are not pulled up', () => {
    expect(members?.has('child')).toBe(false);
    expect(members?.has('nested-only')).toBe(false);
    expect(desiredStateOf(directory, DEFAULT_POLICY).groups.get('child')?.members).toEqual(new Set(['nested-only']));
  });

  it('gives a group without a member list no members', () => {
    const desired = desiredStateOf(directoryOf({ groups: [directoryGroup('g1')] }), DEFAULT_POLICY);
    expect(desired.groups.get('g1')?.members).toEqual(new Set());
  });

  it('drops members of a group that went out of scope together with the group', () => {
    const desired = desiredStateOf(
      directoryOf({
        users: [directoryUser('u1')],
        groups: [directoryGroup('everyone', { builtIn: true })],
        members: { everyone: ['u1'] },
      }),
      DEFAULT_POLICY,
    );
    expect(desired.groups.size).toBe(0);
  });
});
