import { describe, expect, it } from 'vitest';
import { graphSelection } from '../../../../connectors/graph/graph-selection.js';
import {
  carriesGroupProperties,
  graphGroupChange,
  graphGroupChanges,
  graphMemberChanges,
  graphUserChange,
  isCompleteGraphGroup,
  isCompleteGraphUser,
} from '../../../../connectors/graph/graph-to-model.js';
import type { GraphMemberEntry } from '../../../../connectors/graph/graph-wire.js';

const EXTENSION = 'extension_0a1b2c3d4e5f40718293a4b5c6d7e8f9_costCenter';

/** A user as Graph answers it whole: every selected property, null or [] when unset. */
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
  userType: 'Guest',
  department: 'Research',
  jobTitle: null,
  companyName: null,
  employeeId: 'E-1815',
  employeeType: null,
  officeLocation: null,
  city: 'London',
  state: null,
  country: 'GB',
  usageLocation: 'GB',
  preferredLanguage: 'en-GB',
  mobilePhone: null,
  businessPhones: ['+44 20 7946 0000'],
  onPremisesSamAccountName: null,
};

describe('graph users', () => {
  it('maps a whole user with the primary SMTP address, a composed display name and its Graph properties as attributes', () => {
    expect(isCompleteGraphUser(WHOLE)).toBe(true);
    const change = graphUserChange({ ...WHOLE, '@odata.type': '#microsoft.graph.user', manager: { id: 'm' } });
    expect(change).toEqual({
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
        attributes: expect.any(Object),
      },
    });
    if (change.type !== 'user') throw new Error('not a user');
    const { id: _id, ...selected } = WHOLE;
    // Every selected property but id, under its Graph name; nothing Graph sent besides (annotations, objects).
    expect({ ...change.user.attributes }).toEqual(selected);
  });

  it('treats a user carrying only changed properties as incomplete (an absent property is unknown, not null)', () => {
    expect(isCompleteGraphUser({ id: 'u1', accountEnabled: false })).toBe(false);
    const { mail: _mail, ...withoutMail } = WHOLE;
    expect(isCompleteGraphUser(withoutMail)).toBe(false);
    const { userType: _userType, ...withoutUserType } = WHOLE;
    expect(isCompleteGraphUser(withoutUserType, graphSelection().user, 'delta')).toBe(false);
  });

  it('takes a directory extension Graph leaves out as unset in a full round, as unknown in a later one', () => {
    const select = graphSelection([EXTENSION]).user;
    expect(isCompleteGraphUser(WHOLE, select, 'full')).toBe(true);
    expect(isCompleteGraphUser(WHOLE, select, 'delta')).toBe(false);
    expect(isCompleteGraphUser({ ...WHOLE, [EXTENSION]: 'CC-7' }, select, 'delta')).toBe(true);
    const unset = graphUserChange(WHOLE, select);
    const set = graphUserChange({ ...WHOLE, [EXTENSION]: 'CC-7' }, select);
    expect(unset.type === 'user' && Object.hasOwn(unset.user.attributes ?? {}, EXTENSION)).toBe(false);
    expect(set.type === 'user' && set.user.attributes?.[EXTENSION]).toBe('CC-7');
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
  const nested = (removed = false): GraphMemberEntry => ({
    '@odata.type': '#microsoft.graph.group',
    id: 'g-nested',
    ...(removed ? { '@removed': { reason: 'deleted' } } : {}),
  });
  const device = (removed = false): GraphMemberEntry => ({
    '@odata.type': '#microsoft.graph.device',
    id: 'd1',
    ...(removed ? { '@removed': { reason: 'deleted' } } : {}),
  });
  const WHOLE_GROUP = {
    id: 'g1',
    displayName: 'Admins',
    description: null,
    mail: 'admins@contoso.com',
    mailEnabled: true,
    securityEnabled: true,
    groupTypes: ['Unified'],
  };

  it('in a full round: the group with its properties as attributes, and its direct user and nested group members', () => {
    expect(
      graphGroupChanges({ ...WHOLE_GROUP, 'members@delta': [user('u1'), nested(), device(), user('u2')] }, 'full'),
    ).toEqual([
      {
        type: 'group',
        group: {
          id: 'g1',
          displayName: 'Admins',
          builtIn: false,
          attributes: {
            displayName: 'Admins',
            description: null,
            mail: 'admins@contoso.com',
            mailEnabled: true,
            securityEnabled: true,
            groupTypes: ['Unified'],
          },
        },
      },
      { type: 'members.replace', groupId: 'g1', memberIds: ['u1', 'g-nested', 'u2'] },
    ]);
  });

  it('in a full round: a continuation object of a big group adds a members.replace chunk only', () => {
    expect(graphGroupChanges({ id: 'g1', 'members@delta': [user('u3')] }, 'full')).toEqual([
      { type: 'members.replace', groupId: 'g1', memberIds: ['u3'] },
    ]);
  });

  it('in a full round: a group without members still replaces its members with none', () => {
    expect(graphMemberChanges({ id: 'g1', displayName: 'Empty' }, 'full')).toEqual([
      { type: 'members.replace', groupId: 'g1', memberIds: [] },
    ]);
  });

  it('in a later round: users and nested groups added and removed, no device, and no empty members.delta', () => {
    expect(
      graphMemberChanges(
        { id: 'g1', 'members@delta': [user('u1'), user('u2', true), nested(), device(), device(true)] },
        'delta',
      ),
    ).toEqual([{ type: 'members.delta', groupId: 'g1', added: ['u1', 'g-nested'], removed: ['u2'] }]);
    expect(graphMemberChanges({ id: 'g1', 'members@delta': [nested(true)] }, 'delta')).toEqual([
      { type: 'members.delta', groupId: 'g1', added: [], removed: ['g-nested'] },
    ]);
    expect(graphMemberChanges({ id: 'g1', 'members@delta': [] }, 'delta')).toEqual([]);
    expect(graphMemberChanges({ id: 'g1', 'members@delta': [device()] }, 'delta')).toEqual([]);
  });

  it('in a later round: passes on a removal that comes without its type (removing a non-member is harmless)', () => {
    expect(
      graphMemberChanges({ id: 'g1', 'members@delta': [{ id: 'x1', '@removed': { reason: 'deleted' } }] }, 'delta'),
    ).toEqual([{ type: 'members.delta', groupId: 'g1', added: [], removed: ['x1'] }]);
  });

  it('tells a whole group from one that carries only some of its properties, or none', () => {
    expect(isCompleteGraphGroup(WHOLE_GROUP)).toBe(true);
    expect(carriesGroupProperties(WHOLE_GROUP)).toBe(true);
    expect(isCompleteGraphGroup({ id: 'g1', displayName: 'Renamed' })).toBe(false);
    expect(carriesGroupProperties({ id: 'g1', displayName: 'Renamed' })).toBe(true);
    expect(carriesGroupProperties({ id: 'g1', 'members@delta': [user('u1')] })).toBe(false);
    expect(isCompleteGraphGroup({ ...WHOLE_GROUP, displayName: null })).toBe(false);
    expect(graphGroupChange(WHOLE_GROUP)).toMatchObject({ type: 'group', group: { id: 'g1', displayName: 'Admins' } });
  });

  it('reports a removed group as deleted', () => {
    expect(graphGroupChanges({ id: 'g1', '@removed': { reason: 'deleted' } }, 'delta')).toEqual([
      { type: 'group.deleted', id: 'g1' },
    ]);
  });
});
