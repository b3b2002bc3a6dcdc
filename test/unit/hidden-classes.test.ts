// What a sync holds by the hundred thousand (the read's users, the plan's ops) must cost its properties, not also a
// hidden class per object. V8 gives every object made by a leading spread (`{ ...op, key }`) a hidden class of its
// own once a call site has made a few dozen (Node 20: ~40 MB of them for the ops at 100 000 users).
import { setFlagsFromString } from 'node:v8';
import { runInThisContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { desiredStateOf } from '../../src/core/desired-state.js';
import { EMPTY_APP_STATE } from '../../src/core/model/app-state.js';
import type { Op } from '../../src/core/planner/op.js';
import { DEFAULT_POLICY } from '../../src/core/policy/policy.js';
import { appStateOf, appUser, directoryOf, directoryUser, plan } from './core/builders.js';
import { applyOp, cloneAppState } from '../../src/core/planner/apply-op.js';
import { graphUserChange } from '../../connectors/graph/graph-to-model.js';
import { oktaUserToModel } from '../../connectors/okta/okta-to-model.js';

// V8's own view of two objects' hidden classes, enabled for the functions made after the flag is set.
setFlagsFromString('--allow-natives-syntax');
const haveSameMap = runInThisContext('(a, b) => %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('the ops of a plan', () => {
  it('share one hidden class per shape, however many there are', () => {
    const users = Array.from({ length: 2_000 }, (_, i) => directoryUser(`00u${String(i).padStart(5, '0')}`));
    const ops = plan(desiredStateOf(directoryOf({ users }), DEFAULT_POLICY), EMPTY_APP_STATE).ops;
    const byKind = new Map<string, Op[]>();
    for (const op of ops) byKind.set(op.kind, [...(byKind.get(op.kind) ?? []), op]);
    expect([...byKind.keys()].sort()).toEqual(['invite.send', 'user.create']);
    for (const [kind, same] of byKind) {
      const [first, ...rest] = same;
      if (first === undefined) continue;
      expect(rest.filter((op) => !haveSameMap(first, op)).length, kind).toBe(0);
    }
  });
});

describe('the users a read makes', () => {
  const ids = Array.from({ length: 2_000 }, (_, i) => `00u${String(i).padStart(5, '0')}`);
  const shared = (users: readonly object[]) => users.filter((user) => !haveSameMap(users[0] ?? {}, user)).length;

  it('share one hidden class (Okta)', () => {
    const users = ids.map((id) =>
      oktaUserToModel({
        id,
        status: 'ACTIVE',
        profile: { login: `${id}@x.test`, email: `${id}@x.test`, firstName: 'A', lastName: 'B', department: 'D' },
      }),
    );
    expect(shared(users)).toBe(0);
  });

  it('share one hidden class (Graph)', () => {
    const users = ids.map((id) => {
      const change = graphUserChange({
        id,
        userPrincipalName: `${id}@x.test`,
        accountEnabled: true,
        mail: `${id}@x.test`,
        givenName: 'A',
        surname: 'B',
        displayName: 'A B',
      });
      return change.type === 'user' ? change.user : {};
    });
    expect(shared(users)).toBe(0);
  });
});

describe('the app users an apply updates', () => {
  it('share one hidden class', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `00u${String(i).padStart(5, '0')}`);
    const state = cloneAppState(appStateOf({ users: ids.map((id) => appUser(id)) }));
    for (const id of ids) {
      applyOp(state, { kind: 'user.update', key: `user.update:${id}`, externalId: id, changes: { givenName: 'New' } });
    }
    const users = ids.map((id) => state.users.get(id) ?? {});
    expect(users.filter((user) => !haveSameMap(users[0] ?? {}, user)).length).toBe(0);
  });
});
