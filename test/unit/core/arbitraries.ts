// fast-check arbitraries of directories and policies, shared by the planner's and the policy's property tests.
import fc from 'fast-check';
import { parsePolicyDocument } from '../../../src/config/policy-document.js';
import { graphUserToDirectoryUser } from '../../../src/core/mapping/graph-user-mapping.js';
import { OKTA_USER_STATUSES, oktaUserToDirectoryUser } from '../../../src/core/mapping/okta-user-mapping.js';
import type { DirectoryGroup } from '../../../src/core/model/directory-group.js';
import type { DirectoryUser } from '../../../src/core/model/directory-user.js';
import type { Directory } from '../../../src/core/model/directory.js';
import type { Policy } from '../../../src/core/policy/policy.js';

export const USER_IDS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9'];
/** App users whose IdP id no directory ever holds: people deleted from the IdP. */
export const GONE_USER_IDS = ['gone0', 'gone1'];
export const GROUP_IDS = ['g0', 'g1', 'g2', 'g3', 'g4'];
export const GONE_GROUP_IDS = ['gone-g'];
/** Member ids that are no user: apps, devices, deleted objects. */
const UNKNOWN_IDS = ['x0', 'x1'];

/** A login or address in a random spelling: the same person's login may differ only in case. */
const spelled = (local: readonly string[], domain: string) =>
  fc
    .tuple(fc.constantFrom(...local), fc.constantFrom<'lower' | 'upper' | 'title'>('lower', 'upper', 'title'))
    .map(([name, casing]) => {
      const address = `${name}@${domain}`;
      return casing === 'lower'
        ? address
        : casing === 'upper'
          ? address.toUpperCase()
          : name[0]!.toUpperCase() + address.slice(1);
    });
export const loginArb = spelled(['ann', 'bob', 'cy'], 'example.com');
export const emailArb = spelled(['ann', 'bob', 'cy'], 'mail.example.com');
export const nameArb = fc.constantFrom('', 'Ann', 'ann', 'Bob', 'Lee', 'Smith');
export const displayNameArb = fc.constantFrom('Ann Lee', 'ann lee', 'Bob', 'Dr. Cy');
export const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.constant(null), fc.constant(undefined));

const oktaUserArb = (id: string): fc.Arbitrary<DirectoryUser> =>
  fc
    .record({
      status: fc.constantFrom(...OKTA_USER_STATUSES),
      login: loginArb,
      email: nullable(emailArb),
      firstName: nullable(nameArb),
      lastName: nullable(nameArb),
      displayName: nullable(displayNameArb),
    })
    .map(({ status, ...profile }) => oktaUserToDirectoryUser({ id, status, profile }));

const graphUserArb = (id: string): fc.Arbitrary<DirectoryUser> =>
  fc
    .record({
      accountEnabled: nullable(fc.boolean()),
      userPrincipalName: loginArb,
      mail: nullable(emailArb),
      proxyAddresses: nullable(fc.subarray(['smtp:alias@example.com', 'SMTP:Primary@Example.com', 'X500:/o=x'])),
      otherMails: nullable(fc.array(emailArb, { maxLength: 2 })),
      givenName: nullable(nameArb),
      surname: nullable(nameArb),
      displayName: nullable(displayNameArb),
    })
    .map((fields) => graphUserToDirectoryUser({ id, ...fields }));

/** IdP attributes the policies below write rules and mappings on (absent, null, a string, a list). */
const idpAttributesArb = fc.record(
  {
    department: fc.constantFrom('Sales', 'Engineering', 'sales', ''),
    userType: fc.constantFrom('Member', 'Guest', null),
    title: fc.constantFrom('Engineer', 'Manager'),
    costCenter: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constant(null)),
    badges: fc.subarray(['a', 'b']),
  },
  { requiredKeys: [] },
);

const directoryUserArb = (id: string) =>
  fc
    .tuple(fc.oneof(oktaUserArb(id), graphUserArb(id)), optional(idpAttributesArb))
    .map(([user, attributes]) => (attributes === undefined ? user : { ...user, attributes }));

const directoryGroupArb = (id: string): fc.Arbitrary<DirectoryGroup> =>
  fc.record({
    id: fc.constant(id),
    displayName: fc.constantFrom('Sales', 'sales', 'Engineering', 'Everyone'),
    builtIn: fc.boolean(),
  });

export const directoryArb: fc.Arbitrary<Directory> = fc
  .record({
    users: fc.tuple(...USER_IDS.map((id) => optional(directoryUserArb(id)))),
    groups: fc.tuple(...GROUP_IDS.map((id) => optional(directoryGroupArb(id)))),
    // Member lists hold users (present or not), other groups (nesting) and ids that are no user at all.
    members: fc.tuple(...GROUP_IDS.map(() => fc.subarray([...USER_IDS, ...GROUP_IDS, ...UNKNOWN_IDS]))),
  })
  .map(({ users, groups, members }) => ({
    users: new Map(users.filter((user) => user !== undefined).map((user) => [user.id, user])),
    groups: new Map(groups.filter((group) => group !== undefined).map((group) => [group.id, group])),
    members: new Map(GROUP_IDS.map((id, index) => [id, new Set(members[index])])),
  }));

const ruleArb = fc.constantFrom(
  { attribute: 'userType', equals: 'Guest' },
  { attribute: 'department', in: ['Sales', 'Engineering'] },
  { attribute: 'userName', matches: 'b*' },
  { attribute: 'costCenter', exists: true },
  { attribute: 'badges', equals: 'a' },
);
const groupSelectorArb = fc.constantFrom<unknown>(
  'Sales*',
  'engineering',
  { id: 'g3' },
  { attribute: 'type', equals: 'x' },
);
const sourceArb = fc.constantFrom<unknown>(
  'title',
  'department',
  { attribute: 'costCenter', createOnly: true },
  { attribute: 'badges' },
  { constant: 'dirsync' },
  { constant: 7, createOnly: true },
  { group: 'Sales', then: true, else: false },
  { group: 'g1', then: 'yes' },
);

/**
 * Policies as admins write them: every key of DESIGN "Policy" in play, each sometimes absent, so that the laws
 * below hold for any policy and not only the default one.
 */
export const policyArb: fc.Arbitrary<Policy> = fc
  .record(
    {
      users: fc.record(
        {
          include: fc.array(ruleArb, { maxLength: 2 }),
          exclude: fc.array(ruleArb, { maxLength: 2 }),
          membersOfPushedGroupsOnly: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
      groups: fc.record(
        {
          include: fc.array(groupSelectorArb, { maxLength: 2 }),
          exclude: fc.array(groupSelectorArb, { maxLength: 1 }),
          includeBuiltInGroups: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
      nestedGroups: fc.constantFrom('direct', 'flatten'),
      userName: fc.constantFrom('login', 'email'),
      attributes: fc.dictionary(
        fc.constantFrom(
          'title',
          'nickName',
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter',
          'phoneNumbers[type eq "work"].value',
          'urn:example:app:1.0:User:flag',
        ),
        sourceArb,
        { maxKeys: 3 },
      ),
      roles: fc.record({
        attribute: fc.constantFrom('roles', 'role'),
        rules: fc.array(
          fc.record({
            group: fc.constantFrom('Sales', 'engineering', 'g2', 'Everyone'),
            value: fc.constantFrom('MANAGER', 'VIEWER'),
          }),
          { maxLength: 3 },
        ),
        default: optional(fc.constantFrom('VIEWER', 'CONTRIBUTOR')),
      }),
      links: fc.dictionary(fc.constantFrom('Sales', 'g1', 'Engineering'), fc.constantFrom('Sales team', 'Eng (app)'), {
        maxKeys: 1,
      }),
    },
    { requiredKeys: [] },
  )
  .map(({ users, groups, nestedGroups, userName, attributes, roles, links }) =>
    parsePolicyDocument({
      ...(users === undefined && groups === undefined ? {} : { scope: { users, groups } }),
      ...(nestedGroups === undefined ? {} : { nestedGroups }),
      ...(userName === undefined && attributes === undefined ? {} : { mapping: { userName, attributes } }),
      ...(roles === undefined ? {} : { roles: withoutUndefined(roles) }),
      ...(links === undefined ? {} : { groups: { links } }),
    }),
  );

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined));
}
