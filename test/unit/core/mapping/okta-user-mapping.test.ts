import { describe, expect, it } from 'vitest';
import {
  OKTA_USER_STATUSES,
  isOktaStatusActive,
  oktaUserToDirectoryUser,
  type OktaUserFields,
  type OktaUserStatus,
} from '../../../../src/core/mapping/okta-user-mapping.js';

function oktaUser(
  overrides: Partial<OktaUserFields['profile']> = {},
  status: OktaUserStatus = 'ACTIVE',
): OktaUserFields {
  return {
    id: '00u1abcd',
    status,
    profile: {
      login: 'Ann.Lee@Example.com',
      email: 'ann.lee@example.com',
      firstName: 'Ann',
      lastName: 'Lee',
      ...overrides,
    },
  };
}

describe('oktaUserToDirectoryUser', () => {
  it('keys the user by the immutable Okta id', () => {
    expect(oktaUserToDirectoryUser(oktaUser()).id).toBe('00u1abcd');
  });

  it('takes userName from profile.login, keeping the IdP spelling', () => {
    expect(oktaUserToDirectoryUser(oktaUser()).userName).toBe('Ann.Lee@Example.com');
  });

  it('takes the e-mail from profile.email', () => {
    expect(oktaUserToDirectoryUser(oktaUser({ email: 'Ann@Mail.Example.com' })).email).toBe('Ann@Mail.Example.com');
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['blank', '  '],
  ])('falls back to the login for an e-mail when profile.email is %s (custom profiles)', (_, email) => {
    expect(oktaUserToDirectoryUser(oktaUser({ email })).email).toBe('Ann.Lee@Example.com');
  });

  it('maps firstName and lastName to givenName and familyName', () => {
    const user = oktaUserToDirectoryUser(oktaUser({ firstName: 'Ann', lastName: 'Lee' }));
    expect([user.givenName, user.familyName]).toEqual(['Ann', 'Lee']);
  });

  it('maps missing names to empty strings', () => {
    const user = oktaUserToDirectoryUser(oktaUser({ firstName: null, lastName: undefined }));
    expect([user.givenName, user.familyName]).toEqual(['', '']);
  });

  it("uses the IdP's display name when it has one", () => {
    expect(oktaUserToDirectoryUser(oktaUser({ displayName: 'Dr. Ann Lee' })).displayName).toBe('Dr. Ann Lee');
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['blank', ' '],
  ])('composes displayName as "given family" when the display name is %s', (_, displayName) => {
    expect(oktaUserToDirectoryUser(oktaUser({ displayName })).displayName).toBe('Ann Lee');
  });

  it('composes displayName from the one name there is, without stray spaces', () => {
    expect(oktaUserToDirectoryUser(oktaUser({ firstName: 'Ann', lastName: '' })).displayName).toBe('Ann');
    expect(oktaUserToDirectoryUser(oktaUser({ firstName: null, lastName: 'Lee' })).displayName).toBe('Lee');
  });

  it('never leaves a user nameless: no names at all give the login as displayName', () => {
    expect(oktaUserToDirectoryUser(oktaUser({ firstName: null, lastName: null })).displayName).toBe(
      'Ann.Lee@Example.com',
    );
  });

  it("keeps Okta's status word for status output", () => {
    expect(oktaUserToDirectoryUser(oktaUser({}, 'LOCKED_OUT')).status).toBe('LOCKED_OUT');
  });
});

describe('Okta status → active', () => {
  const table: readonly (readonly [OktaUserStatus, boolean])[] = [
    ['ACTIVE', true],
    ['PASSWORD_EXPIRED', true],
    ['LOCKED_OUT', true],
    ['RECOVERY', true],
    ['PROVISIONED', true],
    ['STAGED', false],
    ['SUSPENDED', false],
    ['DEPROVISIONED', false],
  ];

  it('knows exactly the eight Okta lifecycle statuses', () => {
    expect([...OKTA_USER_STATUSES].sort()).toEqual(table.map(([status]) => status).sort());
  });

  it.each(table)('treats a %s user as active: %s', (status, active) => {
    expect(isOktaStatusActive(status)).toBe(active);
    expect(oktaUserToDirectoryUser(oktaUser({}, status)).active).toBe(active);
  });
});
