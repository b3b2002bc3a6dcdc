import { describe, expect, it } from 'vitest';
import type { UserWrite } from '../../../../src/targets/target.js';
import { TargetError } from '../../../../src/targets/target-error.js';
import {
  extensionSchemas,
  splitExtraAttributes,
  typedValueChanges,
  typedValueListsReplace,
  withExtraAttributes,
} from '../../../../src/targets/scim/scim-extra-attributes.js';
import { userAttributes, userChangeOperations } from '../../../../src/targets/scim/scim-patch-operations.js';
import { userForPut } from '../../../../src/targets/scim/scim-put-resource.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const DOVETAIL = 'urn:ietf:params:scim:schemas:extension:dovetail:2.0:User';
const WORK_PHONE = 'phoneNumbers[type eq "work"].value';

const ada: UserWrite = {
  externalId: '00u-ada',
  userName: 'ada@example.com',
  email: 'ada@example.com',
  givenName: 'Ada',
  familyName: 'Lovelace',
  displayName: 'Ada Lovelace',
  active: true,
};

describe('userAttributes with extra attributes (the body of a create, and of an adoption)', () => {
  it('writes each kind of path where SCIM holds it', () => {
    const body = userAttributes({
      ...ada,
      extra: {
        title: 'Analyst',
        'name.middleName': 'King',
        [WORK_PHONE]: '+44 20 7946 0000',
        'phoneNumbers[type eq "work"].display': 'Office',
        'phoneNumbers[type eq "mobile"].value': '+44 7700 900000',
        'emails[type eq "home"].value': 'ada@home.example',
        roles: 'Engineer',
        [`${ENTERPRISE}:department`]: 'Research',
        [`${ENTERPRISE}:costCenter`]: 'CC-7',
      },
    });
    expect(body).toEqual({
      userName: 'ada@example.com',
      externalId: '00u-ada',
      name: { givenName: 'Ada', familyName: 'Lovelace', middleName: 'King' },
      displayName: 'Ada Lovelace',
      emails: [
        { value: 'ada@example.com', type: 'work', primary: true },
        { type: 'home', value: 'ada@home.example' },
      ],
      active: true,
      title: 'Analyst',
      phoneNumbers: [
        { type: 'work', value: '+44 20 7946 0000', display: 'Office' },
        { type: 'mobile', value: '+44 7700 900000' },
      ],
      roles: [{ value: 'Engineer', primary: true }],
      [ENTERPRISE]: { department: 'Research', costCenter: 'CC-7' },
    });
  });

  it('writes roles given as a list as one value each, none primary', () => {
    expect(userAttributes({ ...ada, extra: { roles: ['Engineer', 'Reviewer'] } })['roles']).toEqual([
      { value: 'Engineer' },
      { value: 'Reviewer' },
    ]);
  });

  it('writes an app’s own core attribute and its extension (Dovetail’s role and workspaceAdmin)', () => {
    const body = userAttributes({ ...ada, extra: { role: 'MANAGER', [`${DOVETAIL}:workspaceAdmin`]: true } });
    expect(body).toMatchObject({ role: 'MANAGER', [DOVETAIL]: { workspaceAdmin: true } });
  });

  it('merges a name part into the name the body has, whatever the case the policy wrote it in', () => {
    const body = userAttributes({ ...ada, extra: { 'NAME.middleName': 'King' } });
    expect(body['name']).toEqual({ givenName: 'Ada', familyName: 'Lovelace', middleName: 'King' });
    expect(Object.keys(body)).not.toContain('NAME');
  });

  it('is the attributes alone when the policy maps none', () => {
    expect(userAttributes({ ...ada, extra: {} })).toEqual(userAttributes(ada));
    expect(Object.keys(userAttributes(ada))).toEqual([
      'userName',
      'externalId',
      'name',
      'displayName',
      'emails',
      'active',
    ]);
  });

  it('lists each extension schema written once, for the create’s schemas', () => {
    const extra = {
      [`${ENTERPRISE}:department`]: 'Research',
      [`${ENTERPRISE}:division`]: 'Labs',
      [`${DOVETAIL}:workspaceAdmin`]: false,
      title: 'Analyst',
    };
    expect(extensionSchemas(extra)).toEqual([ENTERPRISE, DOVETAIL]);
    expect(extensionSchemas({ [`${ENTERPRISE}:department`]: null })).toEqual([]);
    expect(extensionSchemas(undefined)).toEqual([]);
  });

  it('refuses a key that is not a SCIM path dirsync writes, as a config error naming it and the policy', () => {
    const error = (() => {
      try {
        userAttributes({ ...ada, extra: { 'phoneNumbers.value': 'x' } });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).kind).toBe('config');
    expect((error as TargetError).message).toMatch(/"phoneNumbers\.value".*multi-valued.*policy/);
  });
});

describe('userChangeOperations with extra attributes (the PATCH of an update)', () => {
  it('writes a change of extra attributes alone: one operation, never none', () => {
    expect(userChangeOperations({ extra: { title: 'Lead' } })).toEqual([{ op: 'replace', value: { title: 'Lead' } }]);
  });

  it('replaces whole attributes without a path, the parts of one complex attribute or extension together', () => {
    const operations = userChangeOperations({
      displayName: 'Ada L.',
      extra: {
        title: 'Lead',
        'name.middleName': 'K.',
        'name.honorificPrefix': 'Dr',
        [`${ENTERPRISE}:department`]: 'Labs',
        [`${ENTERPRISE}:costCenter`]: 'CC-9',
        [`${DOVETAIL}:workspaceAdmin`]: true,
        role: 'VIEWER',
        roles: ['Engineer', 'Reviewer'],
      },
    });
    expect(operations).toEqual([
      { op: 'replace', value: { displayName: 'Ada L.' } },
      { op: 'replace', value: { title: 'Lead' } },
      { op: 'replace', value: { role: 'VIEWER' } },
      { op: 'replace', value: { roles: [{ value: 'Engineer' }, { value: 'Reviewer' }] } },
      { op: 'replace', value: { name: { middleName: 'K.', honorificPrefix: 'Dr' } } },
      { op: 'replace', value: { [ENTERPRISE]: { department: 'Labs', costCenter: 'CC-9' } } },
      { op: 'replace', value: { [DOVETAIL]: { workspaceAdmin: true } } },
    ]);
  });

  it('clears with null (RFC 7643 §2.5), roles with an empty list', () => {
    expect(
      userChangeOperations({
        extra: { title: null, 'name.middleName': null, [`${ENTERPRISE}:department`]: null, roles: null },
      }),
    ).toEqual([
      { op: 'replace', value: { title: null } },
      { op: 'replace', value: { roles: [] } },
      { op: 'replace', value: { name: { middleName: null } } },
      { op: 'replace', value: { [ENTERPRISE]: { department: null } } },
    ]);
  });

  it('writes a typed value by path, and removes the element when its value is cleared', () => {
    expect(userChangeOperations({ extra: { [WORK_PHONE]: '+1 555 0100' } })).toEqual([
      { op: 'replace', path: WORK_PHONE, value: '+1 555 0100' },
    ]);
    expect(userChangeOperations({ extra: { [WORK_PHONE]: null } })).toEqual([
      { op: 'remove', path: 'phoneNumbers[type eq "work"]' },
    ]);
  });

  it('clears another part of a typed value alone (an address keeps its other parts)', () => {
    expect(
      userChangeOperations({
        extra: { 'addresses[type eq "work"].locality': null, 'addresses[type eq "work"].postalCode': 'EC1' },
      }),
    ).toEqual([
      { op: 'remove', path: 'addresses[type eq "work"].locality' },
      { op: 'replace', path: 'addresses[type eq "work"].postalCode', value: 'EC1' },
    ]);
  });

  it('sends nothing for no change, and for an empty set of extra attributes', () => {
    expect(userChangeOperations({ extra: {} })).toEqual([]);
  });
});

describe('typedValueChanges', () => {
  it('groups the parts of one typed value, with the element to add when the app has none yet', () => {
    const changes = typedValueChanges({
      [WORK_PHONE]: '+1 555 0100',
      'phoneNumbers[type eq "work"].display': 'Desk',
      'phoneNumbers[type eq "mobile"].value': null,
      title: 'ignored here',
    });
    expect(changes).toEqual([
      {
        operations: [
          { op: 'replace', path: WORK_PHONE, value: '+1 555 0100' },
          { op: 'replace', path: 'phoneNumbers[type eq "work"].display', value: 'Desk' },
        ],
        addition: { op: 'add', path: 'phoneNumbers', value: [{ type: 'work', value: '+1 555 0100', display: 'Desk' }] },
      },
      // Only a clear: a value already gone is what was wanted, nothing to add.
      { operations: [{ op: 'remove', path: 'phoneNumbers[type eq "mobile"]' }], addition: undefined },
    ]);
  });
});

describe('splitExtraAttributes', () => {
  it('puts typed values apart from the attributes written whole', () => {
    expect(splitExtraAttributes({ title: 'x', [WORK_PHONE]: null, roles: ['a'] })).toEqual({
      whole: { title: 'x', roles: ['a'] },
      typed: { [WORK_PHONE]: null },
    });
    expect(splitExtraAttributes(undefined)).toEqual({ whole: {}, typed: {} });
  });
});

describe('withExtraAttributes over a user read back (PUT, read-merge)', () => {
  const current = {
    schemas: [CORE, ENTERPRISE],
    id: 'u1',
    userName: 'ada@example.com',
    Title: 'Analyst',
    name: { givenName: 'Ada', middleName: 'K' },
    phoneNumbers: [
      { type: 'Work', value: '+1 555 0100', primary: true },
      { type: 'home', value: '+1 555 0199' },
    ],
    [ENTERPRISE]: { department: 'Research', employeeNumber: '42' },
  };

  it('replaces the one typed value and keeps the person’s other values and attributes', () => {
    const result = withExtraAttributes(current, { [WORK_PHONE]: '+1 555 0111', title: 'Lead' });
    expect(result['phoneNumbers']).toEqual([
      { type: 'Work', value: '+1 555 0111', primary: true },
      { type: 'home', value: '+1 555 0199' },
    ]);
    // Written under the name the resource already uses.
    expect(result['Title']).toBe('Lead');
    expect(result).not.toHaveProperty('title');
    expect(current.phoneNumbers[0]?.value).toBe('+1 555 0100');
  });

  it('clears with null: the typed element, a name part, an extension attribute', () => {
    const result = withExtraAttributes(current, {
      [WORK_PHONE]: null,
      'name.middleName': null,
      [`${ENTERPRISE}:department`]: null,
    });
    expect(result['phoneNumbers']).toEqual([{ type: 'home', value: '+1 555 0199' }]);
    expect(result['name']).toEqual({ givenName: 'Ada' });
    expect(result[ENTERPRISE]).toEqual({ employeeNumber: '42' });
    expect(result['schemas']).toEqual([CORE, ENTERPRISE]);
  });

  it('drops an extension emptied, and its URN from schemas; adds a new one to schemas', () => {
    const result = withExtraAttributes(current, {
      [`${ENTERPRISE}:department`]: null,
      [`${ENTERPRISE}:employeeNumber`]: null,
      [`${DOVETAIL}:workspaceAdmin`]: true,
    });
    expect(result).not.toHaveProperty(ENTERPRISE);
    expect(result[DOVETAIL]).toEqual({ workspaceAdmin: true });
    expect(result['schemas']).toEqual([CORE, DOVETAIL]);
  });

  it('drops a list emptied, and takes a value to clear that is not there as cleared', () => {
    const one = { phoneNumbers: [{ type: 'work', value: '1' }] };
    expect(withExtraAttributes(one, { [WORK_PHONE]: null })).toEqual({});
    expect(withExtraAttributes({}, { [WORK_PHONE]: null, title: null })).toEqual({});
  });

  it('is how userForPut writes extra attributes, after the other changes', () => {
    const put = userForPut(
      { ...current, meta: { version: 'W/"1"' } },
      {
        givenName: 'Augusta',
        extra: { 'name.middleName': 'Ada', [WORK_PHONE]: '+1 555 0123' },
      },
    );
    expect(put).not.toHaveProperty('meta');
    expect(put['name']).toEqual({ givenName: 'Augusta', middleName: 'Ada' });
    expect(put['phoneNumbers']).toEqual([
      { type: 'Work', value: '+1 555 0123', primary: true },
      { type: 'home', value: '+1 555 0199' },
    ]);
  });
});

describe('typedValueListsReplace (apps that take no PATCH path)', () => {
  it('replaces each changed list whole, as read back with the typed values written in', () => {
    const user = { phoneNumbers: [{ type: 'home', value: '1' }], emails: [{ type: 'work', value: 'a@x' }] };
    expect(typedValueListsReplace(user, { [WORK_PHONE]: '2', 'emails[type eq "home"].value': null })).toEqual({
      op: 'replace',
      value: {
        phoneNumbers: [
          { type: 'home', value: '1' },
          { type: 'work', value: '2' },
        ],
        emails: [{ type: 'work', value: 'a@x' }],
      },
    });
    expect(typedValueListsReplace({ phoneNumbers: [{ type: 'work', value: '1' }] }, { [WORK_PHONE]: null })).toEqual({
      op: 'replace',
      value: { phoneNumbers: [] },
    });
  });
});
