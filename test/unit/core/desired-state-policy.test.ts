import { describe, expect, it } from 'vitest';
import { desiredStateOf, policyDecisionsOf } from '../../../src/core/desired-state.js';
import { DEFAULT_GUARD_LIMITS } from '../../../src/core/planner/guards.js';
import { planSync } from '../../../src/core/planner/plan-sync.js';
import { EMPTY_APP_STATE } from '../../../src/core/model/app-state.js';
import { applyOps, directoryGroup, directoryOf, directoryUser, planOptions, policyOf } from './builders.js';

const DOVETAIL_ADMIN = 'urn:ietf:params:scim:schemas:extension:dovetail:2.0:User:workspaceAdmin';
const DEPARTMENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department';

// A small company: two departments, a guest, a service account, leads nested inside Research.
const people = [
  directoryUser('ann', { attributes: { userType: 'Member', department: 'Research', title: 'Lead' } }),
  directoryUser('bob', { attributes: { userType: 'Member', department: 'Sales', costCenter: 42 } }),
  directoryUser('gus', { userName: 'gus@partner.example', attributes: { userType: 'Guest' } }),
  directoryUser('svc', { userName: 'svc-backup@example.com', attributes: { userType: 'Member' } }),
  directoryUser('old', { active: false, status: 'SUSPENDED', attributes: { department: 'Sales' } }),
];
const groups = [
  directoryGroup('g-research', { displayName: 'Research' }),
  directoryGroup('g-leads', { displayName: 'Research Leads' }),
  directoryGroup('g-sales', { displayName: 'Sales EMEA' }),
  directoryGroup('g-admins', { displayName: 'Dovetail Admins' }),
  directoryGroup('g-all', { displayName: 'Everyone', builtIn: true }),
];
const directory = directoryOf({
  users: people,
  groups,
  members: {
    'g-research': ['g-leads', 'gus'],
    'g-leads': ['ann'],
    'g-sales': ['bob', 'old', 'device-1'],
    'g-admins': ['ann'],
    'g-all': ['ann', 'bob', 'gus', 'svc', 'old'],
  },
});

const ids = (map: ReadonlyMap<string, unknown>) => [...map.keys()].sort();

describe('desiredStateOf with a policy: users in scope', () => {
  it('leaves out users an exclude rule matches (Graph userType eq Guest, logins like svc-*)', () => {
    const policy = policyOf({
      scope: {
        users: {
          exclude: [
            { attribute: 'userType', equals: 'guest' },
            { attribute: 'userName', matches: 'svc-*' },
          ],
        },
      },
    });
    expect(ids(desiredStateOf(directory, policy).users)).toEqual(['ann', 'bob', 'old']);
  });

  it('keeps only users an include rule matches, and exclusion wins over inclusion', () => {
    const policy = policyOf({
      scope: {
        users: {
          include: [{ attribute: 'department', in: ['Research', 'Sales'] }],
          exclude: [{ attribute: 'status', equals: 'SUSPENDED' }],
        },
      },
    });
    expect(ids(desiredStateOf(directory, policy).users)).toEqual(['ann', 'bob']);
  });

  it('with membersOfPushedGroupsOnly keeps the members of pushed groups only, nested ones when flattened', () => {
    const direct = policyOf({
      scope: { users: { membersOfPushedGroupsOnly: true }, groups: { include: ['Research'] } },
    });
    expect(ids(desiredStateOf(directory, direct).users)).toEqual(['gus']);
    const flattened = policyOf({
      scope: { users: { membersOfPushedGroupsOnly: true }, groups: { include: ['Research'] } },
      nestedGroups: 'flatten',
    });
    expect(ids(desiredStateOf(directory, flattened).users)).toEqual(['ann', 'gus']);
  });

  it('says why a user is out of scope', () => {
    const policy = policyOf({ scope: { users: { exclude: [{ attribute: 'userType', equals: 'Guest' }] } } });
    const gus = people.find((user) => user.id === 'gus');
    expect(gus && policyDecisionsOf(directory, policy).userScope(gus)).toEqual({
      inScope: false,
      reason: 'excluded',
      rule: { kind: 'equals', attribute: 'userType', value: 'Guest' },
    });
  });
});

describe('desiredStateOf with a policy: groups', () => {
  it('pushes the groups a name glob includes, minus those an id excludes, never a built-in one', () => {
    const policy = policyOf({
      scope: { groups: { include: ['Research*', 'Sales *', 'Everyone'], exclude: [{ id: 'g-leads' }] } },
    });
    expect(ids(desiredStateOf(directory, policy).groups)).toEqual(['g-research', 'g-sales']);
  });

  it('names a linked group after the existing app group, by IdP name or id', () => {
    const policy = policyOf({ groups: { links: { 'sales emea': 'Sales team', 'g-admins': 'Admins' } } });
    const desired = desiredStateOf(directory, policy).groups;
    expect(desired.get('g-sales')?.displayName).toBe('Sales team');
    expect(desired.get('g-admins')?.displayName).toBe('Admins');
    expect(desired.get('g-research')?.displayName).toBe('Research');
  });

  it('holds direct user members by default and transitive ones when flattened; cycles are reported', () => {
    expect([...(desiredStateOf(directory).groups.get('g-research')?.members ?? [])]).toEqual(['gus']);
    const cyclic = directoryOf({
      users: people,
      groups,
      members: { 'g-research': ['g-leads', 'gus'], 'g-leads': ['ann', 'g-research'] },
    });
    const desired = desiredStateOf(cyclic, policyOf({ nestedGroups: 'flatten' }));
    expect([...(desired.groups.get('g-research')?.members ?? [])].sort()).toEqual(['ann', 'gus']);
    expect([...(desired.groups.get('g-leads')?.members ?? [])].sort()).toEqual(['ann', 'gus']);
    expect(desired.nestingCycles).toEqual([{ group: 'g-research', member: 'g-leads' }]);
  });

  it('never makes an out-of-scope or inactive user a member', () => {
    const policy = policyOf({ scope: { users: { exclude: [{ attribute: 'department', equals: 'Sales' }] } } });
    expect([...(desiredStateOf(directory, policy).groups.get('g-sales')?.members ?? [])]).toEqual([]);
    expect([...(desiredStateOf(directory).groups.get('g-sales')?.members ?? [])]).toEqual(['bob']);
  });
});

describe('desiredStateOf with a policy: mapping and roles', () => {
  const policy = policyOf({
    nestedGroups: 'flatten',
    mapping: {
      userName: 'email',
      attributes: {
        title: 'title',
        [DEPARTMENT]: { attribute: 'department' },
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter': { attribute: 'costCenter' },
        nickName: { constant: 'dirsync', createOnly: true },
        [DOVETAIL_ADMIN]: { group: 'Dovetail Admins', then: true, else: false },
      },
    },
    roles: {
      attribute: 'role',
      rules: [
        { group: 'Research Leads', value: 'MANAGER' },
        { group: 'Research', value: 'CONTRIBUTOR' },
      ],
      default: 'VIEWER',
    },
  });
  const desired = desiredStateOf(
    directoryOf({
      users: people.map((user) => (user.id === 'bob' ? { ...user, email: 'Bob@Mail.example' } : user)),
      groups,
      members: { 'g-research': ['g-leads', 'gus'], 'g-leads': ['ann'], 'g-admins': ['ann'] },
    }),
    policy,
  );

  it('takes userName from the e-mail', () => {
    expect(desired.users.get('bob')?.userName).toBe('Bob@Mail.example');
  });

  it('maps IdP attributes, constants and group rules; a missing value is null (cleared if dirsync set it)', () => {
    expect(desired.users.get('ann')?.extra).toEqual({
      title: { value: 'Lead', createOnly: false },
      [DEPARTMENT]: { value: 'Research', createOnly: false },
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter': { value: null, createOnly: false },
      nickName: { value: 'dirsync', createOnly: true },
      [DOVETAIL_ADMIN]: { value: true, createOnly: false },
      role: { value: 'MANAGER', createOnly: false },
    });
    expect(
      desired.users.get('bob')?.extra?.['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter'],
    ).toEqual({ value: 42, createOnly: false });
  });

  it('gives the role of the first rule whose group the user is in (through nesting when flattened), else the default', () => {
    const role = (id: string) => desired.users.get(id)?.extra?.['role']?.value;
    expect([role('ann'), role('gus'), role('bob')]).toEqual(['MANAGER', 'CONTRIBUTOR', 'VIEWER']);
  });
});

describe('planning with a policy', () => {
  const base = policyOf({
    mapping: { attributes: { title: 'title', nickName: { constant: 'new', createOnly: true } } },
  });

  it('creates with every mapped value, create-only ones included, and then plans nothing', () => {
    const desired = desiredStateOf(directory, base);
    const plan = planSync(desired, EMPTY_APP_STATE, planOptions());
    const annCreate = plan.ops.find((op) => op.kind === 'user.create' && op.externalId === 'ann');
    expect(annCreate).toMatchObject({ extra: { title: 'Lead', nickName: 'new' } });
    const after = applyOps(EMPTY_APP_STATE, plan.ops);
    expect(planSync(desired, after, planOptions()).ops).toEqual([]);
  });

  it('a mapping change is planned as updates only, and never rewrites a create-only attribute', () => {
    const after = applyOps(
      EMPTY_APP_STATE,
      planSync(desiredStateOf(directory, base), EMPTY_APP_STATE, planOptions()).ops,
    );
    const changed = policyOf({
      mapping: { attributes: { title: { constant: 'Staff' }, nickName: { constant: 'other', createOnly: true } } },
    });
    const ops = planSync(desiredStateOf(directory, changed), after, planOptions()).ops;
    expect(new Set(ops.map((op) => op.kind))).toEqual(new Set(['user.update']));
    for (const op of ops) expect(op).toMatchObject({ changes: { extra: { title: 'Staff' } } });
    expect(ops.some((op) => op.kind === 'user.update' && op.changes.extra?.['nickName'] !== undefined)).toBe(false);
  });

  it('a value that disappears is cleared (null), an attribute the policy stops mapping is left alone', () => {
    const after = applyOps(
      EMPTY_APP_STATE,
      planSync(desiredStateOf(directory, base), EMPTY_APP_STATE, planOptions()).ops,
    );
    const withoutTitle = directoryOf({
      users: people.map((user) => (user.id === 'ann' ? { ...user, attributes: {} } : user)),
      groups,
    });
    const cleared = planSync(desiredStateOf(withoutTitle, base), after, planOptions()).ops;
    expect(cleared.filter((op) => op.kind === 'user.update')).toEqual([
      expect.objectContaining({ externalId: 'ann', changes: { extra: { title: null } } }),
    ]);
    const unmapped = planSync(desiredStateOf(directory, policyOf({})), after, planOptions()).ops;
    expect(unmapped.filter((op) => op.kind.startsWith('user.'))).toEqual([]);
  });

  it('a scope change deactivates the people it leaves out, never deletes them, and is under the guards', () => {
    const after = applyOps(EMPTY_APP_STATE, planSync(desiredStateOf(directory), EMPTY_APP_STATE, planOptions()).ops);
    const narrowed = policyOf({ scope: { users: { exclude: [{ attribute: 'userType', equals: 'Guest' }] } } });
    const plan = planSync(
      desiredStateOf(directory, narrowed),
      after,
      planOptions({ guards: { ...DEFAULT_GUARD_LIMITS, deactivations: { kind: 'count', count: 0 } } }),
    );
    expect(plan.ops.filter((op) => op.kind === 'user.deactivate').map((op) => op.externalId)).toEqual(['gus']);
    expect(plan.rejected?.trips.map((trip) => trip.guard)).toContain('deactivations');
  });

  it("maps onto the names dirsync always writes (the backup app's names on create only): created, never updated", () => {
    const backup = policyOf({
      mapping: {
        attributes: {
          'name.givenName': { attribute: 'title', createOnly: true },
          displayName: { constant: 'Account holder' },
          'urn:ietf:params:scim:schemas:extension:backup:2.0:User:accountSize': { constant: 50, createOnly: true },
        },
      },
    });
    const desired = desiredStateOf(directory, backup);
    expect(desired.users.get('ann')).toMatchObject({
      givenName: 'Lead',
      displayName: 'Account holder',
      createOnly: ['givenName'],
      extra: { 'urn:ietf:params:scim:schemas:extension:backup:2.0:User:accountSize': { value: 50, createOnly: true } },
    });
    // Without a value the IdP's own stands.
    expect(desired.users.get('bob')?.givenName).toBe('Given-bob');
    const after = applyOps(EMPTY_APP_STATE, planSync(desired, EMPTY_APP_STATE, planOptions()).ops);
    const renamed = {
      ...directory,
      users: new Map(
        [...directory.users].map(([id, user]) => [
          id,
          id === 'ann' ? { ...user, attributes: { title: 'Director' } } : user,
        ]),
      ),
    };
    expect(planSync(desiredStateOf(renamed, backup), after, planOptions()).ops).toEqual([]);
  });
});
