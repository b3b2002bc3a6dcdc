import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appGroupNameFor } from '../../../../src/core/policy/app-group-name-for.js';
import { attributeValue } from '../../../../src/core/policy/attribute-value.js';
import type { RolePolicy } from '../../../../src/core/policy/policy.js';
import { roleFor } from '../../../../src/core/policy/role-for.js';
import { parseScimAttributePath, scimPathKey } from '../../../../src/core/policy/scim-attribute-path.js';
import { userAttributesUsedBy } from '../../../../src/core/policy/user-attributes-used.js';
import { parsePolicyDocument } from '../../../../src/config/policy-document.js';

const research = { id: '00g2', displayName: 'Research' };
const leads = { id: '00g3', displayName: 'Research Leads' };
const roles: RolePolicy = {
  path: 'role',
  target: { schema: undefined, attribute: 'role', valueType: undefined, subAttribute: undefined },
  rules: [
    { group: 'research leads', value: 'MANAGER' },
    { group: 'Research', value: 'CONTRIBUTOR' },
  ],
  default: 'VIEWER',
};

describe('roleFor', () => {
  it('gives the first matching rule in document order, whatever the order of the user groups', () => {
    expect(roleFor([research, leads], roles)).toEqual({ value: 'MANAGER', rule: 0 });
    expect(roleFor([research], roles)).toEqual({ value: 'CONTRIBUTOR', rule: 1 });
  });

  it('matches a rule by group id too', () => {
    expect(roleFor([leads], { ...roles, rules: [{ group: '00g3', value: 'MANAGER' }] }).value).toBe('MANAGER');
  });

  it('falls back to the default, or to no role without one', () => {
    expect(roleFor([], roles)).toEqual({ value: 'VIEWER', rule: undefined });
    expect(roleFor([], { ...roles, default: undefined })).toEqual({ value: undefined, rule: undefined });
  });

  it('property: the role is that of the lowest-index rule the user is in', () => {
    const names = ['a', 'b', 'c', 'd'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ group: fc.constantFrom(...names), value: fc.string() })),
        fc.subarray(names),
        (rules, mine) => {
          const groups = mine.map((name) => ({ id: `id-${name}`, displayName: name }));
          const first = rules.find((rule) => mine.includes(rule.group));
          expect(roleFor(groups, { ...roles, rules }).value).toBe(first === undefined ? 'VIEWER' : first.value);
        },
      ),
    );
  });
});

describe('attributeValue', () => {
  const bag = { title: 'Engineer', costCenter: 42, aliases: ['a', 'b'], manager: { id: 'x' }, gone: null };

  it('reads an IdP attribute by its exact name; objects and null leave it unset', () => {
    expect(attributeValue({ kind: 'attribute', attribute: 'title', createOnly: false }, bag, [])).toEqual({
      value: 'Engineer',
      createOnly: false,
    });
    expect(attributeValue({ kind: 'attribute', attribute: 'aliases', createOnly: false }, bag, []).value).toEqual([
      'a',
      'b',
    ]);
    expect(attributeValue({ kind: 'attribute', attribute: 'costCenter', createOnly: false }, bag, []).value).toBe(42);
    for (const attribute of ['manager', 'gone', 'Title', 'missing']) {
      expect(attributeValue({ kind: 'attribute', attribute, createOnly: false }, bag, []).value).toBeUndefined();
    }
  });

  it('gives a constant, reporting createOnly', () => {
    expect(attributeValue({ kind: 'constant', value: 50, createOnly: true }, bag, [])).toEqual({
      value: 50,
      createOnly: true,
    });
  });

  it('gives then to members of the group, else (or nothing) to others', () => {
    const admins = { kind: 'group', group: 'Dovetail Admins', then: true, else: false, createOnly: false } as const;
    expect(attributeValue(admins, {}, [{ id: '1', displayName: 'dovetail admins' }]).value).toBe(true);
    expect(attributeValue(admins, {}, [research]).value).toBe(false);
    expect(attributeValue({ ...admins, else: undefined }, {}, [research]).value).toBeUndefined();
  });
});

describe('appGroupNameFor', () => {
  it('uses the linked app group, by id before name, else the display name', () => {
    const links = [
      { from: 'okta sales', to: 'Sales team' },
      { from: '00g9', to: 'By id' },
    ];
    expect(appGroupNameFor({ id: '00g1', displayName: 'Okta Sales' }, links)).toBe('Sales team');
    expect(appGroupNameFor({ id: '00g9', displayName: 'Okta Sales' }, links)).toBe('By id');
    expect(appGroupNameFor(research, links)).toBe('Research');
  });
});

describe('parseScimAttributePath', () => {
  it.each([
    ['title', undefined, 'title'],
    ['urn:ietf:params:scim:schemas:core:2.0:User:title', undefined, 'title'],
    ['role', undefined, 'role'],
    ['name.givenName', undefined, 'name'],
    ['phoneNumbers[type eq "work"].value', undefined, 'phoneNumbers'],
    ['roles', undefined, 'roles'],
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'department',
    ],
    [
      'urn:ietf:params:scim:schemas:extension:dovetail:2.0:User:workspaceAdmin',
      'urn:ietf:params:scim:schemas:extension:dovetail:2.0:User',
      'workspaceAdmin',
    ],
  ])('accepts %s', (text, schema, attribute) => {
    const result = parseScimAttributePath(text);
    expect(result.ok && result.path.schema === schema && result.path.attribute === attribute).toBe(true);
  });

  it.each([
    ['userName', 'mapping.userName'],
    ['externalId', 'IdP id'],
    ['active', 'IdP status'],
    ['name', 'needs a part'],
    ['phoneNumbers', 'multi-valued'],
    ['emails[type eq "work"].value', 'maps itself'],
    ['title[type eq "x"].value', 'not multi-valued'],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', 'reference'],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoeSize', 'employeeNumber'],
    ['urn:example:Group:x', 'ending in ":User"'],
    ['1title', 'not an attribute path'],
  ])('refuses %s, saying %s', (text, hint) => {
    const result = parseScimAttributePath(text);
    expect(result.ok ? '' : result.problem).toContain(hint);
  });
});

describe('userAttributesUsedBy', () => {
  it('lists the attributes of scope rules and mapping sources, without the model fields, sorted and once each', () => {
    const policy = parsePolicyDocument({
      scope: {
        users: {
          include: [{ attribute: 'extension_abc_costCenter', exists: true }],
          exclude: [
            { attribute: 'userType', equals: 'Guest' },
            { attribute: 'userName', matches: 'svc-*' },
          ],
        },
        groups: { include: [{ attribute: 'mailEnabled', equals: true }] },
      },
      mapping: {
        attributes: { title: 'jobTitle', nickName: { constant: 'x' }, 'name.middleName': { attribute: 'userType' } },
      },
    });
    expect(userAttributesUsedBy(policy)).toEqual(['extension_abc_costCenter', 'jobTitle', 'userType']);
  });
});

describe('scimPathKey', () => {
  it('is the canonical text of a path, which parses back to the same path', () => {
    for (const text of [
      'title',
      'name.middleName',
      'phoneNumbers[type eq "work"].value',
      'roles',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
      'urn:ietf:params:scim:schemas:extension:dovetail:2.0:User:workspaceAdmin',
    ]) {
      const parsed = parseScimAttributePath(text);
      if (!parsed.ok) throw new Error(parsed.problem);
      expect(scimPathKey(parsed.path)).toBe(text);
      expect(parseScimAttributePath(scimPathKey(parsed.path))).toEqual(parsed);
    }
  });

  it('leaves the core URN out', () => {
    const parsed = parseScimAttributePath('urn:ietf:params:scim:schemas:core:2.0:User:title');
    expect(parsed.ok && scimPathKey(parsed.path)).toBe('title');
  });
});
