import { describe, expect, it } from 'vitest';
import { EMPTY_APP_STATE } from '../../../../src/core/model/app-state.js';
import { applyOp, cloneAppState, resolvableMembers } from '../../../../src/core/planner/apply-op.js';
import type { Op } from '../../../../src/core/planner/op.js';
import { appGroup, appStateOf, appUser, attributesFor, dueInvite } from '../builders.js';

const createU1 = (invite = true): Op => ({
  kind: 'user.create',
  key: 'user.create:c:u1',
  externalId: 'u1',
  attributes: { ...attributesFor('u1'), email: 'Ann@Example.com', displayName: 'Ann Lee' },
  invite,
});

describe('applyOp: user.create', () => {
  it('records the created user as active, created by dirsync, at revision 1, with the app id the target gave', () => {
    const state = cloneAppState(EMPTY_APP_STATE);
    applyOp(state, createU1(), { appId: 'scim-42', adopted: false });
    expect(state.users.get('u1')).toEqual({
      externalId: 'u1',
      appId: 'scim-42',
      ...attributesFor('u1'),
      email: 'Ann@Example.com',
      displayName: 'Ann Lee',
      active: true,
      origin: 'created',
      revision: 1,
    });
  });

  it('makes exactly one invite due for a created user, to the e-mail the user had then', () => {
    const state = cloneAppState(EMPTY_APP_STATE);
    const effects = applyOp(state, createU1(), { appId: 'scim-42', adopted: false });
    const invite = {
      userExternalId: 'u1',
      email: 'Ann@Example.com',
      displayName: 'Ann Lee',
      sendNumber: 1,
      kind: 'invite',
    };
    expect([...state.dueInvites.values()]).toEqual([invite]);
    expect(effects).toEqual([
      { type: 'user.put', user: state.users.get('u1') },
      { type: 'invite.due', invite },
    ]);
  });

  it('makes no invite due for an adopted user (it already had an account): recorded as not invited', () => {
    const state = cloneAppState(EMPTY_APP_STATE);
    const effects = applyOp(state, createU1(), { appId: 'existing-7', adopted: true });
    expect(state.users.get('u1')).toMatchObject({ origin: 'adopted', appId: 'existing-7', active: true });
    expect(state.dueInvites.size).toBe(0);
    expect(effects).toEqual([
      { type: 'user.put', user: state.users.get('u1') },
      { type: 'invite.none', userExternalId: 'u1', email: 'Ann@Example.com', displayName: 'Ann Lee' },
    ]);
  });

  it('makes no invite due when invites are off: recorded as not invited, for `invites send` later', () => {
    const state = cloneAppState(EMPTY_APP_STATE);
    const effects = applyOp(state, createU1(false), { appId: 'scim-42', adopted: false });
    expect(state.dueInvites.size).toBe(0);
    expect(effects.map((effect) => effect.type)).toEqual(['user.put', 'invite.none']);
  });

  it('refuses a create without the target outcome', () => {
    expect(() => applyOp(cloneAppState(EMPTY_APP_STATE), createU1())).toThrow(/needs the create outcome/);
  });
});

describe('applyOp: user.update, user.reactivate, user.deactivate', () => {
  const app = appStateOf({ users: [appUser('u1', { revision: 3 }), appUser('off', { active: false, revision: 5 })] });

  it('updates only the attributes in the op, keeps the user active and bumps the revision', () => {
    const state = cloneAppState(app);
    const effects = applyOp(state, { kind: 'user.update', key: 'k', externalId: 'u1', changes: { familyName: 'New' } });
    const user = { ...appUser('u1'), familyName: 'New', revision: 4 };
    expect(state.users.get('u1')).toEqual(user);
    expect(effects).toEqual([{ type: 'user.put', user }]);
  });

  it('keeps an inactive user inactive on an update', () => {
    const state = cloneAppState(app);
    applyOp(state, { kind: 'user.update', key: 'k', externalId: 'off', changes: { givenName: 'X' } });
    expect(state.users.get('off')).toMatchObject({ active: false, givenName: 'X', revision: 6 });
  });

  it('reactivates: active again with the changes, no invite', () => {
    const state = cloneAppState(app);
    applyOp(state, { kind: 'user.reactivate', key: 'k', externalId: 'off', changes: { email: 'back@example.com' } });
    expect(state.users.get('off')).toMatchObject({ active: true, email: 'back@example.com', revision: 6 });
    expect(state.dueInvites.size).toBe(0);
  });

  it('deactivates without deleting: the user and their data stay, inactive', () => {
    const state = cloneAppState(app);
    applyOp(state, { kind: 'user.deactivate', key: 'k', externalId: 'u1' });
    expect(state.users.get('u1')).toEqual({ ...appUser('u1'), active: false, revision: 4 });
  });

  it('refuses an op on a user the known state does not hold', () => {
    expect(() =>
      applyOp(cloneAppState(app), { kind: 'user.deactivate', key: 'user.deactivate:c:nobody@1', externalId: 'nobody' }),
    ).toThrow(/nobody/);
  });
});

describe('applyOp: groups and members', () => {
  const app = appStateOf({
    users: [appUser('u1'), appUser('u2')],
    groups: [appGroup('g1', { revision: 2 })],
    members: { g1: ['u1'] },
  });

  it('creates a group at revision 1 with no members it manages yet, adopted or not', () => {
    for (const adopted of [false, true]) {
      const state = cloneAppState(EMPTY_APP_STATE);
      const effects = applyOp(
        state,
        { kind: 'group.create', key: 'k', externalId: 'g9', displayName: 'Nine' },
        {
          appId: 'scim-g9',
          adopted,
        },
      );
      const group = { externalId: 'g9', appId: 'scim-g9', displayName: 'Nine', revision: 1 };
      expect(state.groups.get('g9')).toEqual(group);
      expect(state.members.get('g9')).toEqual(new Set());
      expect(effects).toEqual([{ type: 'group.put', group }]);
    }
  });

  it('refuses a group create without the target outcome', () => {
    expect(() =>
      applyOp(cloneAppState(EMPTY_APP_STATE), {
        kind: 'group.create',
        key: 'k',
        externalId: 'g9',
        displayName: 'Nine',
      }),
    ).toThrow(/needs the create outcome/);
  });

  it('renames a group and bumps its revision', () => {
    const state = cloneAppState(app);
    applyOp(state, { kind: 'group.rename', key: 'k', externalId: 'g1', displayName: 'Renamed' });
    expect(state.groups.get('g1')).toEqual({ ...appGroup('g1'), displayName: 'Renamed', revision: 3 });
  });

  it('adds members the app holds, skips users it does not (a failed create), and bumps the group revision', () => {
    const state = cloneAppState(app);
    const effects = applyOp(state, {
      kind: 'members.add',
      key: 'k',
      groupExternalId: 'g1',
      userExternalIds: ['u2', 'not-created'],
    });
    expect(state.members.get('g1')).toEqual(new Set(['u1', 'u2']));
    expect(state.groups.get('g1')?.revision).toBe(3);
    expect(effects).toEqual([
      { type: 'group.put', group: { ...appGroup('g1'), revision: 3 } },
      { type: 'members.added', groupExternalId: 'g1', userExternalIds: ['u2'] },
    ]);
  });

  it('removes members and bumps the group revision', () => {
    const state = cloneAppState(app);
    const effects = applyOp(state, {
      kind: 'members.remove',
      key: 'k',
      groupExternalId: 'g1',
      userExternalIds: ['u1'],
    });
    expect(state.members.get('g1')).toEqual(new Set());
    expect(effects[1]).toEqual({ type: 'members.removed', groupExternalId: 'g1', userExternalIds: ['u1'] });
  });

  it('refuses a member change on a group the known state does not hold', () => {
    expect(() =>
      applyOp(cloneAppState(app), { kind: 'members.add', key: 'k', groupExternalId: 'nope', userExternalIds: ['u1'] }),
    ).toThrow(/nope/);
  });

  it('deletes a group together with its memberships', () => {
    const state = cloneAppState(app);
    expect(applyOp(state, { kind: 'group.delete', key: 'k', externalId: 'g1' })).toEqual([
      { type: 'group.removed', externalId: 'g1' },
    ]);
    expect(state.groups.has('g1')).toBe(false);
    expect(state.members.has('g1')).toBe(false);
    expect(state.users.size).toBe(2);
  });
});

describe('applyOp: invite.send', () => {
  it('marks a due invite sent', () => {
    const state = cloneAppState(appStateOf({ users: [appUser('u1')], dueInvites: [dueInvite('u1')] }));
    expect(applyOp(state, { kind: 'invite.send', key: 'k', userExternalId: 'u1' })).toEqual([
      { type: 'invite.sent', invite: dueInvite('u1') },
    ]);
    expect(state.dueInvites.size).toBe(0);
  });

  it('marks a resend sent with its number, kind and note', () => {
    const resend = dueInvite('u1', { sendNumber: 3, kind: 'resend', note: 'Welcome back' });
    const state = cloneAppState(appStateOf({ users: [appUser('u1')], dueInvites: [resend] }));
    expect(applyOp(state, { kind: 'invite.send', key: 'k', userExternalId: 'u1', sendNumber: 3 })).toEqual([
      { type: 'invite.sent', invite: resend },
    ]);
  });

  it('does nothing for an invite that is not due (adopted user, or already sent): never a second invite', () => {
    const state = cloneAppState(appStateOf({ users: [appUser('u1')] }));
    expect(applyOp(state, { kind: 'invite.send', key: 'k', userExternalId: 'u1' })).toEqual([]);
  });

  it('sends no invite to an adopted user even when the plan asked for one', () => {
    const state = cloneAppState(EMPTY_APP_STATE);
    applyOp(state, createU1(), { appId: 'existing', adopted: true });
    expect(applyOp(state, { kind: 'invite.send', key: 'invite.send:c:u1', userExternalId: 'u1' })).toEqual([]);
  });
});

describe('cloneAppState', () => {
  it('copies deeply enough that applying ops to the copy never changes the original', () => {
    const app = appStateOf({
      users: [appUser('u1')],
      groups: [appGroup('g1')],
      members: { g1: ['u1'] },
      dueInvites: [dueInvite('u1')],
    });
    const state = cloneAppState(app);
    applyOp(state, { kind: 'members.remove', key: 'k', groupExternalId: 'g1', userExternalIds: ['u1'] });
    applyOp(state, { kind: 'user.deactivate', key: 'k', externalId: 'u1' });
    applyOp(state, { kind: 'invite.send', key: 'k', userExternalId: 'u1' });
    applyOp(state, { kind: 'group.delete', key: 'k', externalId: 'g1' });
    expect(app).toEqual(
      appStateOf({
        users: [appUser('u1')],
        groups: [appGroup('g1')],
        members: { g1: ['u1'] },
        dueInvites: [dueInvite('u1')],
      }),
    );
  });
});

describe('resolvableMembers', () => {
  it('keeps only the users the app holds, in order', () => {
    const app = appStateOf({ users: [appUser('a'), appUser('c')] });
    expect(resolvableMembers(app, ['c', 'b', 'a'])).toEqual(['c', 'a']);
  });
});
