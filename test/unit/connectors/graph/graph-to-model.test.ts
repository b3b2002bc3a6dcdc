import { describe, expect, it } from 'vitest';
import {
  graphGroupChanges,
  graphUserChange,
  isCompleteGraphUser,
} from '../../../../connectors/graph/graph-to-model.js';
import type { GraphMemberEntry } from '../../../../connectors/graph/graph-wire.js';

const WHOLE = {
  id: 'u1',
  userPrincipalName: 'ada@contoso.onmicrosoft.com',
  mail: null,
  proxyAddresses: ['smtp:alias@contoso.com', 'SMTP:ada@contoso.com'],
  otherMails: [],
  givenName: 'Ada',
  surname: 'Lovelace',
  displayName: null,
  accountEnabled: true,
};

describe('graph users', () => {
  it('maps a whole user with the primary SMTP address and a composed display name', () => {
    expect(isCompleteGraphUser(WHOLE)).toBe(true);
    expect(graphUserChange(WHOLE)).toEqual({
      type: 'user',
      user: {
        id: 'u1',
        userName: 'ada@contoso.onmicrosoft.com',
        email: 'ada@contoso.com',
        givenName: 'Ada',
        familyName: 'Lovelace',
        displayName: 'Ada Lovelace',
        active: true,
        status: 'enabled',
      },
    });
  });

  it('treats a user carrying only changed properties as incomplete (an absent property is unknown, not null)', () => {
    expect(isCompleteGraphUser({ id: 'u1', accountEnabled: false })).toBe(false);
    const { mail: _mail, ...withoutMail } = WHOLE;
    expect(isCompleteGraphUser(withoutMail)).toBe(false);
  });

  it('reports a removed user as deleted, whatever the reason', () => {
    expect(graphUserChange({ id: 'u1', '@removed': { reason: 'changed' } })).toEqual({
      type: 'user.deleted',
      id: 'u1',
    });
  });
});

describe('graph groups', () => {
  const user = (id: string, removed = false): GraphMemberEntry => ({
    '@odata.type': '#microsoft.graph.user',
    id,
    ...(removed ? { '@removed': { reason: 'deleted' } } : {}),
  });
  const nested = { '@odata.type': '#microsoft.graph.group', id: 'g-nested' };

  it('in a full round: the group and its direct user members, nested groups ignored', () => {
    expect(
      graphGroupChanges({ id: 'g1', displayName: 'Admins', 'members@delta': [user('u1'), nested, user('u2')] }, 'full'),
    ).toEqual([
      { type: 'group', group: { id: 'g1', displayName: 'Admins', builtIn: false } },
      { type: 'members.replace', groupId: 'g1', memberIds: ['u1', 'u2'] },
    ]);
  });

  it('in a full round: a continuation object of a big group adds a members.replace chunk only', () => {
    expect(graphGroupChanges({ id: 'g1', 'members@delta': [user('u3')] }, 'full')).toEqual([
      { type: 'members.replace', groupId: 'g1', memberIds: ['u3'] },
    ]);
  });

  it('in a full round: a group without members still replaces its members with none', () => {
    expect(graphGroupChanges({ id: 'g1', displayName: 'Empty' }, 'full')).toContainEqual({
      type: 'members.replace',
      groupId: 'g1',
      memberIds: [],
    });
  });

  it('in a later round: member adds and removals, a rename, and no empty members.delta', () => {
    expect(
      graphGroupChanges(
        { id: 'g1', displayName: 'Renamed', 'members@delta': [user('u1'), user('u2', true), nested] },
        'delta',
      ),
    ).toEqual([
      { type: 'group', group: { id: 'g1', displayName: 'Renamed', builtIn: false } },
      { type: 'members.delta', groupId: 'g1', added: ['u1'], removed: ['u2'] },
    ]);
    expect(graphGroupChanges({ id: 'g1', displayName: 'Renamed', 'members@delta': [] }, 'delta')).toEqual([
      { type: 'group', group: { id: 'g1', displayName: 'Renamed', builtIn: false } },
    ]);
    expect(
      graphGroupChanges({ id: 'g1', 'members@delta': [{ ...nested, '@removed': { reason: 'deleted' } }] }, 'delta'),
    ).toEqual([]);
  });

  it('reports a removed group as deleted', () => {
    expect(graphGroupChanges({ id: 'g1', '@removed': { reason: 'deleted' } }, 'delta')).toEqual([
      { type: 'group.deleted', id: 'g1' },
    ]);
  });
});
