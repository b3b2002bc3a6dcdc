import { describe, expect, it } from 'vitest';
import {
  graphUserEmail,
  graphUserToDirectoryUser,
  type GraphUserFields,
} from '../../../../src/core/mapping/graph-user-mapping.js';

const UPN = 'Ann.Lee@Contoso.onmicrosoft.com';

function graphUser(overrides: Partial<GraphUserFields> = {}): GraphUserFields {
  return { id: 'a1b2c3d4-0000-4000-8000-000000000001', userPrincipalName: UPN, accountEnabled: true, ...overrides };
}

describe('graphUserToDirectoryUser', () => {
  it('keys the user by the immutable Graph object id', () => {
    expect(graphUserToDirectoryUser(graphUser()).id).toBe('a1b2c3d4-0000-4000-8000-000000000001');
  });

  it('takes userName from userPrincipalName, keeping the IdP spelling', () => {
    expect(graphUserToDirectoryUser(graphUser()).userName).toBe(UPN);
  });

  it('maps givenName and surname to givenName and familyName', () => {
    const user = graphUserToDirectoryUser(graphUser({ givenName: 'Ann', surname: 'Lee' }));
    expect([user.givenName, user.familyName]).toEqual(['Ann', 'Lee']);
  });

  it('maps missing names to empty strings', () => {
    const user = graphUserToDirectoryUser(graphUser({ givenName: null }));
    expect([user.givenName, user.familyName]).toEqual(['', '']);
  });

  it("uses Graph's displayName when it has one", () => {
    const user = graphUserToDirectoryUser(
      graphUser({ displayName: 'Ann Lee (Sales)', givenName: 'Ann', surname: 'Lee' }),
    );
    expect(user.displayName).toBe('Ann Lee (Sales)');
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['blank', ''],
  ])('composes displayName as "given family" when displayName is %s', (_, displayName) => {
    expect(graphUserToDirectoryUser(graphUser({ displayName, givenName: 'Ann', surname: 'Lee' })).displayName).toBe(
      'Ann Lee',
    );
  });

  it('is active when accountEnabled is true', () => {
    const user = graphUserToDirectoryUser(graphUser({ accountEnabled: true }));
    expect(user.active).toBe(true);
    expect(user.status).toBe('enabled');
  });

  it.each([
    ['false', false],
    ['null', null],
    ['missing', undefined],
  ])('is not active when accountEnabled is %s', (_, accountEnabled) => {
    const user = graphUserToDirectoryUser(graphUser({ accountEnabled }));
    expect(user.active).toBe(false);
    expect(user.status).toBe('disabled');
  });
});

describe('graphUserEmail', () => {
  it('takes mail first', () => {
    const user = graphUser({
      mail: 'ann@contoso.com',
      proxyAddresses: ['SMTP:primary@contoso.com'],
      otherMails: ['x@y.z'],
    });
    expect(graphUserEmail(user)).toBe('ann@contoso.com');
    expect(graphUserToDirectoryUser(user).email).toBe('ann@contoso.com');
  });

  it('ignores a blank mail', () => {
    expect(graphUserEmail(graphUser({ mail: '  ', proxyAddresses: ['SMTP:primary@contoso.com'] }))).toBe(
      'primary@contoso.com',
    );
  });

  it('without mail, takes the primary SMTP: proxy address (upper-case prefix), not a lower-case smtp: alias', () => {
    const user = graphUser({
      mail: null,
      proxyAddresses: [
        'smtp:alias@contoso.com',
        'X500:/o=Contoso',
        'SMTP:Primary@Contoso.com',
        'smtp:other@contoso.com',
      ],
    });
    expect(graphUserEmail(user)).toBe('Primary@Contoso.com');
  });

  it('never takes a lower-case smtp: alias: with aliases only it goes on to otherMails[0]', () => {
    const user = graphUser({ proxyAddresses: ['smtp:alias@contoso.com'], otherMails: ['ann@gmail.com', 'b@b.b'] });
    expect(graphUserEmail(user)).toBe('ann@gmail.com');
  });

  it('without mail or primary proxy address, takes otherMails[0]', () => {
    expect(graphUserEmail(graphUser({ proxyAddresses: [], otherMails: ['ann@gmail.com', 'ann@outlook.com'] }))).toBe(
      'ann@gmail.com',
    );
  });

  it('ignores an empty SMTP: entry', () => {
    expect(graphUserEmail(graphUser({ proxyAddresses: ['SMTP:'], otherMails: ['ann@gmail.com'] }))).toBe(
      'ann@gmail.com',
    );
  });

  it('falls back to the userPrincipalName last', () => {
    expect(graphUserEmail(graphUser())).toBe(UPN);
    expect(graphUserEmail(graphUser({ mail: null, proxyAddresses: null, otherMails: [] }))).toBe(UPN);
    expect(graphUserEmail(graphUser({ proxyAddresses: ['smtp:alias@contoso.com'], otherMails: null }))).toBe(UPN);
  });
});
