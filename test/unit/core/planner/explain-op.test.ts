import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { desiredStateOf } from '../../../../src/core/desired-state.js';
import { graphUserToDirectoryUser } from '../../../../src/core/mapping/graph-user-mapping.js';
import { oktaUserToDirectoryUser, type OktaUserStatus } from '../../../../src/core/mapping/okta-user-mapping.js';
import type { AppState } from '../../../../src/core/model/app-state.js';
import type { DesiredState } from '../../../../src/core/model/desired-state.js';
import type { DirectoryUser } from '../../../../src/core/model/directory-user.js';
import type { Directory } from '../../../../src/core/model/directory.js';
import {
  explainOp,
  keptSubjectNames,
  opTitle,
  subjectLabel,
  subjectOfOp,
  type ExplainContext,
  type OpExplanation,
} from '../../../../src/core/planner/explain-op.js';
import { OP_PHASES, type Op, type OpKind } from '../../../../src/core/planner/op.js';
import { DEFAULT_POLICY } from '../../../../src/core/policy/policy.js';
import {
  appGroup,
  appStateOf,
  appUser,
  desiredOf,
  directoryGroup,
  directoryOf,
  directoryUser,
  dueInvite,
  plan,
} from '../builders.js';

// A full collection on demand, for the test that the kept names hold no state (V8's `gc`, exposed for this process).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

// People named the way operators see them, so the expected lines read like the real output.
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

function oktaUser(id: string, login: string, status: OktaUserStatus): DirectoryUser {
  return oktaUserToDirectoryUser({ id, status, profile: { login, email: login, firstName: 'Bo', lastName: 'Berg' } });
}

/** The app's copy of a directory user, as dirsync created it. */
function inApp(user: DirectoryUser, overrides: Parameters<typeof appUser>[1] = {}) {
  const { id, active: _active, status: _status, ...attributes } = user;
  return appUser(id, { ...attributes, ...overrides });
}

function contextOf(directory: Directory, app: AppState, idpName = 'Okta', desired?: DesiredState): ExplainContext {
  return { idpName, directory, app, desired: desired ?? desiredStateOf(directory, DEFAULT_POLICY) };
}

/** Plans `context` with the real planner and explains the one op of `kind`. */
function explainPlanned(context: ExplainContext, kind: OpKind): OpExplanation {
  const ops = plan(context.desired, context.app).ops.filter((op) => op.kind === kind);
  expect(ops, `one ${kind} op`).toHaveLength(1);
  const [op] = ops;
  return explainOp(op!, context);
}

describe('explainOp: one line per op that names the person or group and says why', () => {
  const cases: readonly {
    readonly name: string;
    readonly kind: OpKind;
    readonly context: () => ExplainContext;
    readonly summary: string;
  }[] = [
    {
      name: 'creates a person active in the IdP and missing from the app',
      kind: 'user.create',
      context: () => contextOf(directoryOf({ users: [ana()] }), appStateOf()),
      summary: 'create ana@acme.com (Ana Lopez): active in Okta, not in the app',
    },
    {
      name: 'shows an active status other than ACTIVE (a sign-in problem keeps the person active)',
      kind: 'user.create',
      context: () => contextOf(directoryOf({ users: [ana({ status: 'PASSWORD_EXPIRED' })] }), appStateOf()),
      summary: 'create ana@acme.com (Ana Lopez): active in Okta (PASSWORD_EXPIRED), not in the app',
    },
    {
      name: 'updates one attribute, old → new',
      kind: 'user.update',
      context: () =>
        contextOf(
          directoryOf({ users: [ana({ email: 'ana.lopez@acme.com' })] }),
          appStateOf({ users: [inApp(ana())] }),
        ),
      summary: 'update ana@acme.com (Ana Lopez): email changed in Okta: ana@acme.com → ana.lopez@acme.com',
    },
    {
      name: 'updates several attributes, login and names, old → new, names quoted',
      kind: 'user.update',
      context: () =>
        contextOf(
          directoryOf({
            users: [ana({ userName: 'ana.lopez@acme.com', familyName: 'López', displayName: 'Ana López' })],
          }),
          appStateOf({ users: [inApp(ana())] }),
        ),
      summary:
        'update ana.lopez@acme.com (Ana López): changed in Okta: login ana@acme.com → ana.lopez@acme.com; ' +
        'family name "Lopez" → "López"; display name "Ana Lopez" → "Ana López"',
    },
    {
      name: 'reactivates a person active again in the IdP',
      kind: 'user.reactivate',
      context: () =>
        contextOf(directoryOf({ users: [ana()] }), appStateOf({ users: [inApp(ana(), { active: false })] })),
      summary: 'reactivate ana@acme.com (Ana Lopez): active in Okta again, inactive in the app',
    },
    {
      name: 'reactivates and lists the attributes that changed meanwhile',
      kind: 'user.reactivate',
      context: () =>
        contextOf(
          directoryOf({ users: [ana({ email: 'ana2@acme.com' })] }),
          appStateOf({ users: [inApp(ana(), { active: false })] }),
        ),
      summary:
        'reactivate ana@acme.com (Ana Lopez): active in Okta again, inactive in the app; ' +
        'email changed in Okta: ana@acme.com → ana2@acme.com',
    },
    {
      name: 'deactivates a person SUSPENDED in Okta, with the status word from the mirror',
      kind: 'user.deactivate',
      context: () =>
        contextOf(
          directoryOf({ users: [ana({ active: false, status: 'SUSPENDED' })] }),
          appStateOf({ users: [inApp(ana())] }),
        ),
      summary: 'deactivate ana@acme.com (Ana Lopez): SUSPENDED in Okta',
    },
    {
      name: 'deactivates a person DEPROVISIONED in Okta (through the real Okta mapping)',
      kind: 'user.deactivate',
      context: () => {
        const bo = oktaUser('00u-bo', 'bo@acme.com', 'DEPROVISIONED');
        return contextOf(directoryOf({ users: [bo] }), appStateOf({ users: [inApp(bo)] }));
      },
      summary: 'deactivate bo@acme.com (Bo Berg): DEPROVISIONED in Okta',
    },
    {
      name: 'deactivates a person disabled in Entra ID (Graph accountEnabled: false)',
      kind: 'user.deactivate',
      context: () => {
        const cy = graphUserToDirectoryUser({
          id: 'aad-cy',
          userPrincipalName: 'cy@globex.com',
          accountEnabled: false,
          displayName: 'Cy Ng',
        });
        return contextOf(directoryOf({ users: [cy] }), appStateOf({ users: [inApp(cy)] }), 'Entra ID');
      },
      summary: 'deactivate cy@globex.com (Cy Ng): disabled in Entra ID',
    },
    {
      name: 'names an unknown status word as it is',
      kind: 'user.deactivate',
      context: () =>
        contextOf(
          directoryOf({ users: [ana({ active: false, status: 'ON_HOLD' })] }),
          appStateOf({ users: [inApp(ana())] }),
        ),
      summary: 'deactivate ana@acme.com (Ana Lopez): ON_HOLD in Okta',
    },
    {
      name: 'says "inactive" when the mirror has no status word',
      kind: 'user.deactivate',
      context: () =>
        contextOf(
          directoryOf({ users: [ana({ active: false, status: '' })] }),
          appStateOf({ users: [inApp(ana())] }),
          'the sandbox directory',
        ),
      summary: 'deactivate ana@acme.com (Ana Lopez): inactive in the sandbox directory',
    },
    {
      name: 'deactivates a person deleted in the IdP, named from the app state',
      kind: 'user.deactivate',
      context: () => contextOf(directoryOf(), appStateOf({ users: [inApp(ana())] })),
      summary: 'deactivate ana@acme.com (Ana Lopez): deleted in Okta',
    },
    {
      name: 'deactivates a person still in the IdP but out of scope',
      kind: 'user.deactivate',
      // A user scope (exclude guests, say) leaves the person out of the desired state.
      context: () =>
        contextOf(directoryOf({ users: [ana()] }), appStateOf({ users: [inApp(ana())] }), 'Okta', desiredOf()),
      summary: 'deactivate ana@acme.com (Ana Lopez): out of scope',
    },
    {
      name: 'creates a group',
      kind: 'group.create',
      context: () =>
        contextOf(directoryOf({ groups: [directoryGroup('00g-sales', { displayName: 'Sales' })] }), appStateOf()),
      summary: 'create group "Sales": in Okta, not in the app',
    },
    {
      name: 'renames a group, from the app name to the IdP name',
      kind: 'group.rename',
      context: () =>
        contextOf(
          directoryOf({ groups: [directoryGroup('00g-sales', { displayName: 'Sales EMEA' })] }),
          appStateOf({ groups: [appGroup('00g-sales', { displayName: 'Sales' })] }),
        ),
      summary: 'rename group "Sales EMEA": renamed in Okta from "Sales" to "Sales EMEA"',
    },
    {
      name: 'deletes a group deleted in the IdP, named from the app state',
      kind: 'group.delete',
      context: () =>
        contextOf(directoryOf(), appStateOf({ groups: [appGroup('00g-old', { displayName: 'Old team' })] })),
      summary: 'delete group "Old team": deleted in Okta',
    },
    {
      name: 'deletes a built-in group as out of scope',
      kind: 'group.delete',
      context: () =>
        contextOf(
          directoryOf({ groups: [directoryGroup('00g-all', { displayName: 'Everyone', builtIn: true })] }),
          appStateOf({ groups: [appGroup('00g-all', { displayName: 'Everyone' })] }),
        ),
      summary: 'delete group "Everyone": out of scope (built-in group)',
    },
    {
      name: 'adds the people who joined a group',
      kind: 'members.add',
      context: () =>
        contextOf(
          directoryOf({
            users: [ana(), directoryUser('00u-bo', { userName: 'bo@acme.com' })],
            groups: [directoryGroup('00g-sales', { displayName: 'Sales' })],
            members: { '00g-sales': ['00u-ana', '00u-bo'] },
          }),
          appStateOf({
            users: [inApp(ana()), appUser('00u-bo', { userName: 'bo@acme.com' })],
            groups: [appGroup('00g-sales', { displayName: 'Sales' })],
          }),
        ),
      summary: 'add 2 members to "Sales": 2 people joined Sales in Okta',
    },
    {
      name: 'adds the members of a group new to the app',
      kind: 'members.add',
      context: () =>
        contextOf(
          directoryOf({
            users: [ana()],
            groups: [directoryGroup('00g-sales', { displayName: 'Sales' })],
            members: { '00g-sales': ['00u-ana'] },
          }),
          appStateOf({ users: [inApp(ana())] }),
        ),
      summary: 'add 1 member to "Sales": 1 member of Sales in Okta',
    },
    {
      name: 'removes people who left the group and people no longer active',
      kind: 'members.remove',
      context: () =>
        contextOf(
          directoryOf({
            users: [ana(), directoryUser('00u-bo', { active: false, status: 'SUSPENDED' })],
            groups: [directoryGroup('00g-sales', { displayName: 'Sales' })],
            members: { '00g-sales': ['00u-bo'] },
          }),
          appStateOf({
            users: [inApp(ana()), appUser('00u-bo')],
            groups: [appGroup('00g-sales', { displayName: 'Sales' })],
            members: { '00g-sales': ['00u-ana', '00u-bo'] },
          }),
        ),
      summary: 'remove 2 members from "Sales": 1 person left Sales in Okta; 1 person no longer active in Okta',
    },
    {
      name: 'invites a person new in the app at their e-mail',
      kind: 'invite.send',
      context: () => contextOf(directoryOf({ users: [ana({ email: 'ana.l@acme.com' })] }), appStateOf()),
      summary: 'invite ana@acme.com (Ana Lopez): new in the app, invited at ana.l@acme.com',
    },
    {
      name: 'sends an invite owed since an earlier run to the address it was owed at',
      kind: 'invite.send',
      context: () =>
        contextOf(
          directoryOf({ users: [ana()] }),
          appStateOf({ users: [inApp(ana())], dueInvites: [dueInvite('00u-ana', { email: 'ana.old@acme.com' })] }),
        ),
      summary: 'invite ana@acme.com (Ana Lopez): owed since an earlier run, invited at ana.old@acme.com',
    },
  ];

  it.each(cases)('$name', ({ kind, context, summary }) => {
    const explanation = explainPlanned(context(), kind);
    expect(explanation.summary).toBe(summary);
    expect(explanation.summary).toBe(`${explanation.title}: ${explanation.reason}`);
    expect(explanation.kind).toBe(kind);
  });

  it('covers every op kind', () => {
    const kinds = new Set(cases.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(Object.keys(OP_PHASES).sort());
  });

  it('titles every op from the subject names kept for it as from the states, once the states are emptied', () => {
    for (const { context: contextOfCase } of cases) {
      const context = contextOfCase();
      const ops = plan(context.desired, context.app).ops;
      const titles = ops.map((op) => explainOp(op, context).title);
      const names = keptSubjectNames(ops, context);
      // What the names were taken from goes (a run lets the basis go before it applies).
      (context.desired.users as Map<string, unknown>).clear();
      (context.directory.users as Map<string, unknown>).clear();
      (context.app.users as Map<string, unknown>).clear();
      (context.desired.groups as Map<string, unknown>).clear();
      (context.directory.groups as Map<string, unknown>).clear();
      (context.app.groups as Map<string, unknown>).clear();
      (context.app.dueInvites as Map<string, unknown>).clear();
      expect(ops.map((op) => opTitle(op, subjectOfOp(op, names)))).toEqual(titles);
    }
  });

  it('keeps none of the states alive through the names it keeps (a run lets the basis go before it applies)', async () => {
    // Everything but the ops, the titles, the names and weak references goes when this returns.
    const keep = () => {
      const context = contextOf(
        directoryOf({
          users: [ana()],
          groups: [directoryGroup('00g-sales', { displayName: 'Sales' })],
          members: { '00g-sales': ['00u-ana'] },
        }),
        appStateOf(),
      );
      const ops = plan(context.desired, context.app).ops;
      return {
        ops,
        titles: ops.map((op) => explainOp(op, context).title),
        names: keptSubjectNames(ops, { ...context }),
        states: [context.directory, context.desired, context.app].map((state) => new WeakRef(state)),
      };
    };
    const { ops, titles, names, states } = keep();
    // WeakRefs are cleared after the job that made or read them.
    await new Promise((resolve) => setTimeout(resolve, 0));
    collectGarbage();
    expect(states.map((state) => state.deref())).toEqual([undefined, undefined, undefined]);
    expect(ops.map((op) => opTitle(op, subjectOfOp(op, names)))).toEqual(titles);
  });

  it('names the members of a membership op by login, in the op order, and keeps the op key', () => {
    const context = contextOf(
      directoryOf({
        users: [ana(), directoryUser('00u-bo', { userName: 'bo@acme.com' })],
        groups: [directoryGroup('00g-sales', { displayName: 'Sales' })],
        members: { '00g-sales': ['00u-bo', '00u-ana'] },
      }),
      appStateOf(),
    );
    const explanation = explainPlanned(context, 'members.add');
    expect(explanation.key).toMatch(/^members\.add:/);
    expect(explanation.subject).toEqual({ id: '00g-sales', displayName: 'Sales', type: 'group' });
    expect(explanation.members).toEqual([
      { id: '00u-ana', login: 'ana@acme.com' },
      { id: '00u-bo', login: 'bo@acme.com' },
    ]);
  });

  it('describes the subject with id, login and display name', () => {
    const explanation = explainPlanned(contextOf(directoryOf({ users: [ana()] }), appStateOf()), 'user.create');
    expect(explanation.subject).toEqual({
      id: '00u-ana',
      login: 'ana@acme.com',
      displayName: 'Ana Lopez',
      type: 'user',
    });
    expect(explanation.members).toBeUndefined();
  });

  it('falls back to the id, never throws, when no state knows the subject', () => {
    const context = contextOf(directoryOf(), appStateOf());
    const ops: Op[] = [
      { kind: 'user.deactivate', key: 'k1', externalId: '00u-ghost' },
      { kind: 'user.update', key: 'k2', externalId: '00u-ghost', changes: { email: 'g@acme.com' } },
      { kind: 'group.delete', key: 'k3', externalId: '00g-ghost' },
      { kind: 'members.remove', key: 'k4', groupExternalId: '00g-ghost', userExternalIds: ['00u-ghost'] },
      { kind: 'invite.send', key: 'k5', userExternalId: '00u-ghost' },
    ];
    expect(ops.map((op) => explainOp(op, context).summary)).toEqual([
      'deactivate 00u-ghost: deleted in Okta',
      'update 00u-ghost: email changed in Okta: g@acme.com',
      'delete group 00g-ghost: deleted in Okta',
      'remove 1 member from 00g-ghost: 1 person left 00g-ghost in Okta',
      'invite 00u-ghost: new in the app, invited',
    ]);
    expect(explainOp(ops[3]!, context).members).toEqual([{ id: '00u-ghost' }]);
    const names = keptSubjectNames(ops, context);
    expect(ops.map((op) => opTitle(op, subjectOfOp(op, names)))).toEqual(ops.map((op) => explainOp(op, context).title));
  });
});

describe('subjectLabel', () => {
  it.each([
    [{ id: 'u1', login: 'ana@acme.com', displayName: 'Ana Lopez', type: 'user' as const }, 'ana@acme.com (Ana Lopez)'],
    [{ id: 'u1', login: 'ana@acme.com', displayName: 'ana@acme.com', type: 'user' as const }, 'ana@acme.com'],
    [{ id: 'u1', login: 'ana@acme.com', type: 'user' as const }, 'ana@acme.com'],
    [{ id: 'u1', displayName: 'Ana Lopez', type: 'user' as const }, '"Ana Lopez" (u1)'],
    [{ id: 'u1', type: 'user' as const }, 'u1'],
    [{ id: 'g1', displayName: 'Sales', type: 'group' as const }, '"Sales"'],
    [{ id: 'g1', type: 'group' as const }, 'g1'],
  ])('names %o as %s', (subject, label) => {
    expect(subjectLabel(subject)).toBe(label);
  });
});
