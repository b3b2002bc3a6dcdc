import { describe, expect, it } from 'vitest';
import { desiredStateOf } from '../../../../src/core/desired-state.js';
import type { AppUser } from '../../../../src/core/model/app-state.js';
import type { DirectoryGroup } from '../../../../src/core/model/directory-group.js';
import type { DirectoryUser } from '../../../../src/core/model/directory-user.js';
import { opSubject } from '../../../../src/core/planner/op.js';
import { DEFAULT_POLICY } from '../../../../src/core/policy/policy.js';
import { explainStoredOp } from '../../../../src/core/why/explain-stored-op.js';
import { explainSubject } from '../../../../src/core/why/explain-subject.js';
import type { GroupExplanation } from '../../../../src/core/why/explain-group.js';
import type { UserExplanation } from '../../../../src/core/why/explain-user.js';
import type { ExplainSubjectContext, SubjectDecision } from '../../../../src/core/why/subject-decision.js';
import type { GroupEvidence, OpRecord, UserEvidence } from '../../../../src/core/why/subject-evidence.js';
import { appGroup, appStateOf, appUser, directoryGroup, directoryOf, directoryUser, plan } from '../builders.js';

const OKTA: ExplainSubjectContext = { idpName: 'Okta', idpKind: 'okta', policy: DEFAULT_POLICY };
const SEEN = '2026-12-01T09:00:00.000Z';
const CHANGED = '2026-12-01T09:00:05.000Z';

function ana(overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  return directoryUser('00u-ana', {
    userName: 'ana@acme.com',
    email: 'ana@acme.com',
    givenName: 'Ana',
    familyName: 'Lopez',
    displayName: 'Ana Lopez',
    ...overrides,
  });
}

/** The app's copy of a directory user, as dirsync created it. */
function inApp(user: DirectoryUser, overrides: Partial<AppUser> = {}): AppUser {
  const { id, active: _active, status: _status, ...attributes } = user;
  return appUser(id, { ...attributes, ...overrides });
}

const ENG = directoryGroup('00g-eng', { displayName: 'Eng' });
const EVERYONE = directoryGroup('00g-all', { displayName: 'Everyone', builtIn: true });

function userEvidence(overrides: Partial<UserEvidence> = {}): UserEvidence {
  return {
    type: 'user',
    id: '00u-ana',
    idp: { user: ana(), seenAt: SEEN },
    app: null,
    idpGroups: [],
    appGroups: [],
    ops: [],
    invite: null,
    groupNames: new Map(),
    ...overrides,
  };
}

function explainUser(evidence: UserEvidence, context = OKTA): UserExplanation {
  const explanation = explainSubject(evidence, context);
  if (explanation.type !== 'user') throw new Error('expected a user');
  return explanation;
}

function explainGroup(evidence: GroupEvidence, context = OKTA): GroupExplanation {
  const explanation = explainSubject(evidence, context);
  if (explanation.type !== 'group') throw new Error('expected a group');
  return explanation;
}

function decision(decisions: readonly SubjectDecision[], topic: string, group?: string): SubjectDecision {
  const found = decisions.find((d) => d.topic === topic && (group === undefined || d.group?.displayName === group));
  if (found === undefined) throw new Error(`no ${topic} decision in ${JSON.stringify(decisions, null, 2)}`);
  return found;
}

function op(overrides: Partial<OpRecord> & Pick<OpRecord, 'kind' | 'payload'>): OpRecord {
  return {
    key: `${overrides.kind}:c:x`,
    status: 'applied',
    attempts: 1,
    lastError: null,
    createdAt: SEEN,
    updatedAt: CHANGED,
    run: { id: 'run-1', trigger: 'cli', mode: 'full', status: 'succeeded', startedAt: SEEN },
    ...overrides,
  };
}

describe('explainSubject for a user: the decisions the planner takes, and whether the app agrees', () => {
  it('an active Okta user the app holds as mirrored: active, mapped from the login, every decision in step', () => {
    const explanation = explainUser(
      userEvidence({ app: { user: inApp(ana()), updatedAt: CHANGED }, idpGroups: [ENG], appGroups: [appRef(ENG)] }),
    );
    expect(explanation.label).toBe('ana@acme.com (Ana Lopez)');
    expect(decision(explanation.decisions, 'active')).toEqual({
      topic: 'active',
      text: 'active in Okta (ACTIVE) → should be active in the app',
      app: 'active',
      inStep: true,
    });
    expect(decision(explanation.decisions, 'userName').text).toBe('mapped userName ana@acme.com (from login)');
    expect(decision(explanation.decisions, 'displayName').text).toBe(
      'mapped displayName "Ana Lopez" (from displayName, else "firstName lastName")',
    );
    expect(decision(explanation.decisions, 'membership', 'Eng').text).toBe(
      'member of "Eng" in Okta → member of "Eng" in the app',
    );
    expect(explanation.decisions.every((d) => d.inStep !== false)).toBe(true);
  });

  it('a user suspended in Okta and still active in the app: should be inactive, the app differs', () => {
    const explanation = explainUser(
      userEvidence({
        idp: { user: ana({ active: false, status: 'SUSPENDED' }), seenAt: SEEN },
        app: { user: inApp(ana()), updatedAt: CHANGED },
      }),
    );
    expect(decision(explanation.decisions, 'active')).toMatchObject({
      text: 'not active in Okta (SUSPENDED) → should be inactive in the app',
      app: 'active',
      inStep: false,
    });
  });

  it('a STAGED user never created: not created, and nothing of the app to compare the mapping with', () => {
    const explanation = explainUser(
      userEvidence({ idp: { user: ana({ active: false, status: 'STAGED' }), seenAt: SEEN } }),
    );
    expect(decision(explanation.decisions, 'active')).toMatchObject({
      text: 'not active in Okta (STAGED) → not created in the app (only active people are)',
      app: 'not in the app',
      inStep: true,
    });
    expect(decision(explanation.decisions, 'email')).toMatchObject({ app: null, inStep: null });
    expect(explanation.noInvite).toBe('none: the user is not in the app');
  });

  it('a user deleted in the IdP: inactive in the app, never deleted, named from the app record', () => {
    const explanation = explainUser(userEvidence({ idp: null, app: { user: inApp(ana()), updatedAt: CHANGED } }));
    expect(explanation.label).toBe('ana@acme.com (Ana Lopez)');
    expect(explanation.idp).toBeNull();
    expect(explanation.decisions).toEqual([
      {
        topic: 'active',
        text: 'not in Okta any more (deleted, or no longer assigned) → should be inactive in the app, never deleted',
        app: 'active',
        inStep: false,
      },
    ]);
  });

  it('compares logins and e-mails case-insensitively, as the planner does, and names the attribute that differs', () => {
    const explanation = explainUser(
      userEvidence({
        idp: { user: ana({ email: 'ana.lopez@acme.com' }), seenAt: SEEN },
        app: { user: inApp(ana({ userName: 'ANA@acme.com' })), updatedAt: CHANGED },
      }),
    );
    expect(decision(explanation.decisions, 'userName')).toMatchObject({ app: 'ANA@acme.com', inStep: true });
    expect(decision(explanation.decisions, 'email')).toMatchObject({
      text: 'mapped email ana.lopez@acme.com (from email, else login)',
      app: 'ana@acme.com',
      inStep: false,
    });
  });

  it('names the Graph property each attribute comes from', () => {
    const graph = { idpName: 'Entra ID', idpKind: 'graph', policy: DEFAULT_POLICY };
    const explanation = explainUser(userEvidence({ idp: { user: ana({ status: 'enabled' }), seenAt: SEEN } }), graph);
    expect(decision(explanation.decisions, 'userName').text).toBe(
      'mapped userName ana@acme.com (from userPrincipalName)',
    );
    expect(decision(explanation.decisions, 'active').text).toBe(
      'active in Entra ID (enabled) → should be active in the app',
    );
  });

  it('memberships: a built-in group is out of scope, an inactive member leaves, an app group the IdP does not list differs', () => {
    const sales = appGroup('00g-sales', { displayName: 'Sales' });
    const explanation = explainUser(
      userEvidence({
        idp: { user: ana({ active: false, status: 'SUSPENDED' }), seenAt: SEEN },
        app: { user: inApp(ana(), { active: false }), updatedAt: CHANGED },
        idpGroups: [EVERYONE, ENG],
        appGroups: [appRef(ENG), { externalId: sales.externalId, displayName: 'Sales' }],
      }),
    );
    expect(decision(explanation.decisions, 'membership', 'Everyone')).toMatchObject({
      text: 'member of "Everyone" in Okta → out of scope: built-in group',
      app: null,
      inStep: null,
    });
    expect(decision(explanation.decisions, 'membership', 'Eng')).toMatchObject({
      text: 'member of "Eng" in Okta, but not active → not a member of "Eng" in the app',
      app: 'member',
      inStep: false,
    });
    expect(decision(explanation.decisions, 'membership', 'Sales')).toMatchObject({
      text: 'not a member of "Sales" in Okta → not a member of "Sales" in the app',
      inStep: false,
    });
    expect(explanation.idp?.groups.map((g) => g.displayName)).toEqual(['Eng', 'Everyone']);
  });

  const planned = (
    user: DirectoryUser | null,
    app: AppUser | null,
    groups: readonly DirectoryGroup[],
    appIn: string[],
  ) => {
    const directory = directoryOf({
      users: user === null ? [] : [user],
      groups,
      members: Object.fromEntries(groups.map((g) => [g.id, user === null ? [] : [user.id]])),
    });
    const appState = appStateOf({
      users: app === null ? [] : [app],
      groups: groups.filter((g) => !g.builtIn).map((g) => appGroup(g.id, { displayName: g.displayName })),
      members: Object.fromEntries(
        groups.filter((g) => !g.builtIn).map((g) => [g.id, appIn.includes(g.id) ? ['00u-ana'] : []]),
      ),
    });
    const ops = plan(desiredStateOf(directory, DEFAULT_POLICY), appState).ops.filter(
      (o) =>
        o.kind !== 'invite.send' &&
        (opSubject(o) === '00u-ana' || ('userExternalIds' in o && o.userExternalIds.includes('00u-ana'))),
    );
    const explanation = explainUser(
      userEvidence({
        idp: user === null ? null : { user, seenAt: SEEN },
        app: app === null ? null : { user: app, updatedAt: CHANGED },
        idpGroups: user === null ? [] : groups,
        appGroups: groups.filter((g) => appIn.includes(g.id)).map(appRef),
      }),
    );
    return { ops: ops.map((o) => o.kind), inStep: explanation.decisions.every((d) => d.inStep !== false) };
  };

  it.each([
    ['in step', ana(), inApp(ana()), [ENG], ['00g-eng']],
    ['to create', ana(), null, [ENG], []],
    ['never active, never created', ana({ active: false, status: 'STAGED' }), null, [ENG], []],
    ['to deactivate', ana({ active: false, status: 'SUSPENDED' }), inApp(ana()), [ENG], ['00g-eng']],
    ['deactivated', ana({ active: false, status: 'SUSPENDED' }), inApp(ana(), { active: false }), [ENG], []],
    ['to reactivate', ana(), inApp(ana(), { active: false }), [ENG], []],
    ['to update', ana({ displayName: 'Ana L.' }), inApp(ana()), [], []],
    ['only a case change', ana({ email: 'Ana@Acme.com' }), inApp(ana()), [], []],
    ['to add to a group', ana(), inApp(ana()), [ENG], []],
    ['built-in groups ignored', ana(), inApp(ana()), [EVERYONE], []],
    ['deleted in the IdP', null, inApp(ana()), [], []],
    ['deleted and deactivated', null, inApp(ana(), { active: false }), [], []],
  ] as const)('agrees with the planner: %s', (_name, user, app, groups, appIn) => {
    const { ops, inStep } = planned(user, app, groups, [...appIn]);
    expect(inStep, `planner ops: ${ops.join(', ')}`).toBe(ops.length === 0);
  });
});

describe('explainSubject for a group', () => {
  const member = (id: string, active = true) =>
    directoryUser(id, { userName: `${id}@acme.com`, active, status: active ? 'ACTIVE' : 'SUSPENDED' });

  function groupEvidence(overrides: Partial<GroupEvidence> = {}): GroupEvidence {
    return {
      type: 'group',
      id: ENG.id,
      idp: { group: ENG, seenAt: SEEN },
      app: null,
      idpMembers: [],
      otherIdpMembers: 0,
      appMemberIds: [],
      ops: [],
      userNames: new Map(),
      ...overrides,
    };
  }

  it('counts direct members, the active users among them and what the app holds', () => {
    const explanation = explainGroup(
      groupEvidence({
        idpMembers: [member('ana'), member('bob'), member('cyd', false)],
        otherIdpMembers: 1,
        app: { group: appGroup(ENG.id, { displayName: 'Eng' }), updatedAt: CHANGED },
        appMemberIds: ['ana', 'cyd'],
      }),
    );
    expect(explanation.label).toBe('"Eng"');
    expect(explanation.idp?.members).toEqual({ users: 3, activeUsers: 2, others: 1 });
    expect(decision(explanation.decisions, 'members')).toEqual({
      topic: 'members',
      text: '4 direct members in Okta (1 not active, 1 not users) → 2 members in the app',
      app: '2 members (1 to add, 1 to remove)',
      inStep: false,
    });
    expect(decision(explanation.decisions, 'name')).toMatchObject({ app: '"Eng"', inStep: true });
  });

  it('a group renamed in the IdP: the name differs until the rename is applied', () => {
    const explanation = explainGroup(
      groupEvidence({
        idp: { group: { ...ENG, displayName: 'Engineering' }, seenAt: SEEN },
        app: { group: appGroup(ENG.id, { displayName: 'Eng' }), updatedAt: CHANGED },
      }),
    );
    expect(decision(explanation.decisions, 'name')).toEqual({
      topic: 'name',
      text: 'named "Engineering" in Okta → "Engineering" in the app',
      app: '"Eng"',
      inStep: false,
    });
  });

  it('the built-in Everyone group is out of scope', () => {
    const explanation = explainGroup(groupEvidence({ id: EVERYONE.id, idp: { group: EVERYONE, seenAt: SEEN } }));
    expect(explanation.decisions).toEqual([
      {
        topic: 'scope',
        text: 'out of scope: built-in group → should not be in the app',
        app: 'not in the app',
        inStep: true,
      },
    ]);
  });

  it('a group deleted in the IdP and still in the app: to be deleted, named from the app record', () => {
    const explanation = explainGroup(
      groupEvidence({ idp: null, app: { group: appGroup(ENG.id, { displayName: 'Eng' }), updatedAt: CHANGED } }),
    );
    expect(explanation.label).toBe('"Eng"');
    expect(explanation.decisions).toEqual([
      {
        topic: 'scope',
        text: 'not in Okta any more → should be deleted from the app',
        app: 'in the app',
        inStep: false,
      },
    ]);
  });

  it('names the members of its membership ops by login, the rest as a count', () => {
    const ids = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];
    const explanation = explainGroup(
      groupEvidence({
        idpMembers: [member('u1')],
        userNames: new Map([['u2', { userName: 'two@acme.com', displayName: 'Two' }]]),
        ops: [
          op({ kind: 'members.add', payload: { kind: 'members.add', groupExternalId: ENG.id, userExternalIds: ids } }),
        ],
      }),
    );
    expect(explanation.ops[0]?.title).toBe('add 7 members: u1@acme.com, two@acme.com, u3, u4, u5 and 2 more');
  });
});

describe('explainStoredOp: an outbox row in words', () => {
  const names = { group: (id: string) => (id === '00g-eng' ? '"Eng"' : id), user: (id: string) => `${id}@acme.com` };

  it.each([
    [
      'a create, with the login it creates and its invite',
      op({ kind: 'user.create', payload: { attributes: { userName: 'ana@acme.com' }, invite: true } }),
      'create ana@acme.com, active, then invite',
    ],
    [
      'an update, with the values it writes',
      op({ kind: 'user.update', payload: { changes: { email: 'a@b.c', displayName: 'A B' } } }),
      'update email → a@b.c, display name → "A B"',
    ],
    ['a reactivation', op({ kind: 'user.reactivate', payload: { changes: {} } }), 'reactivate (active: true)'],
    [
      'a deactivation',
      op({ kind: 'user.deactivate', payload: {} }),
      'deactivate (active: false; the person’s data stays in the app)',
    ],
    ['a rename', op({ kind: 'group.rename', payload: { displayName: 'Engineering' } }), 'rename to "Engineering"'],
    ['a payload from another version', op({ kind: 'user.create', payload: null }), 'create, active'],
    ['a kind from another version', op({ kind: 'user.adopt', payload: {} }), 'user.adopt'],
  ])('%s', (_name, record, title) => {
    expect(explainStoredOp(record, 'user', names).title).toBe(title);
  });

  it('a membership op reads from the person’s side in a user’s evidence', () => {
    const record = op({
      kind: 'members.remove',
      payload: { groupExternalId: '00g-eng', userExternalIds: ['00u-ana'] },
    });
    expect(explainStoredOp(record, 'user', names).title).toBe('remove from "Eng"');
    expect(explainStoredOp(record, 'group', names).title).toBe('remove 1 member: 00u-ana@acme.com');
  });

  it('a failed op carries the app’s answer; a skipped one its reason as a note', () => {
    const answer = 'http://app/scim/v2 refused to update the user: email domain not allowed (HTTP 400)';
    const failed = explainStoredOp(
      op({ kind: 'user.update', payload: {}, status: 'failed', lastError: answer }),
      'user',
      names,
    );
    expect(failed).toMatchObject({ status: 'failed', answer, note: null, when: CHANGED, run: { id: 'run-1' } });
    const skipped = explainStoredOp(
      op({
        kind: 'invite.send',
        payload: {},
        status: 'skipped',
        attempts: 0,
        lastError: 'invites are off; the invite stays due',
      }),
      'user',
      names,
    );
    expect(skipped).toMatchObject({ answer: null, note: 'invites are off; the invite stays due', attempts: 0 });
  });
});

describe('explainSubject: invites', () => {
  const created = { user: inApp(ana()), updatedAt: CHANGED };

  it('a sent invite: to whom, when, its Message-ID and attempts', () => {
    const explanation = explainUser(
      userEvidence({
        app: created,
        invite: {
          email: 'ana@acme.com',
          displayName: 'Ana Lopez',
          status: 'sent',
          messageId: '<invite.x@acme.com>',
          attempts: 1,
          dueSince: SEEN,
          sentAt: CHANGED,
        },
      }),
    );
    expect(explanation.invites.map((i) => i.text)).toEqual([
      `sent to ana@acme.com at ${CHANGED}, Message-ID <invite.x@acme.com> (1 attempt)`,
    ]);
    expect(explanation.noInvite).toBeNull();
  });

  it('a due invite tried once: not confirmed, sent again with the same Message-ID', () => {
    const explanation = explainUser(
      userEvidence({
        app: created,
        invite: {
          email: 'ana@acme.com',
          displayName: 'Ana Lopez',
          status: 'due',
          messageId: '<invite.x@acme.com>',
          attempts: 1,
          dueSince: SEEN,
          sentAt: null,
        },
      }),
    );
    expect(explanation.invites[0]?.text).toBe(
      `due since ${SEEN} to ana@acme.com, 1 attempt not confirmed, Message-ID <invite.x@acme.com>: sent again by the next run`,
    );
  });

  it('the history: each send with its number and kind, a note, then the join', () => {
    const send = (sendNumber: number, kind: string, note: string | null = null) => ({
      sendNumber,
      kind,
      email: 'ana@acme.com',
      messageId: `<invite.x.${sendNumber}@acme.com>`,
      note,
      attempts: 1,
      sentAt: `2026-12-0${sendNumber}T10:00:00.000Z`,
    });
    const explanation = explainUser(
      userEvidence({
        app: created,
        invite: {
          email: 'ana@acme.com',
          displayName: 'Ana Lopez',
          status: 'accepted',
          messageId: '<invite.x.3@acme.com>',
          attempts: 1,
          dueSince: SEEN,
          sentAt: CHANGED,
          sendNumber: 3,
          kind: 'reminder',
          acceptedAt: '2026-12-05T09:00:00.000Z',
          history: [send(1, 'invite'), send(2, 'resend', 'Welcome!'), send(3, 'reminder')],
        },
      }),
    );
    expect(explanation.invites.map((i) => i.text)).toEqual([
      'sent to ana@acme.com at 2026-12-01T10:00:00.000Z, Message-ID <invite.x.1@acme.com> (1 attempt)',
      'resend (send 2): sent to ana@acme.com at 2026-12-02T10:00:00.000Z, Message-ID <invite.x.2@acme.com> (1 attempt), with a personal note',
      'reminder (send 3): sent to ana@acme.com at 2026-12-03T10:00:00.000Z, Message-ID <invite.x.3@acme.com> (1 attempt)',
      'joined the app at 2026-12-05T09:00:00.000Z (recorded with `dirsync invites accepted`): no more reminders',
    ]);
    expect(explanation.noInvite).toBeNull();
  });

  it.each([
    [
      'adopted',
      inApp(ana(), { origin: 'adopted' }),
      'none: adopted (the account existed in the app); adopted people get no invite (`dirsync invites send --user 00u-ana` invites them)',
    ],
    [
      'created while invites were off',
      inApp(ana()),
      'none: invites were off, or the first sync was quiet, when dirsync created the user (`dirsync invites send --user 00u-ana` invites them)',
    ],
  ])('no invite: %s', (_name, user, reason) => {
    expect(explainUser(userEvidence({ app: { user, updatedAt: CHANGED } })).noInvite).toBe(reason);
  });
});

function appRef(group: DirectoryGroup): { externalId: string; displayName: string } {
  return { externalId: group.id, displayName: group.displayName };
}
