// A plan of 100 000 people holds its ops through the whole apply: each op must cost its properties, not also a
// hidden class of its own. V8 gave every op made by `{ ...op, key }` its own once a call site had made a few dozen
// (Node 20: ~40 MB of hidden classes at 100 000 users); `keyOps` builds them so that ops of one shape share one.
import { setFlagsFromString } from 'node:v8';
import { runInThisContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { desiredStateOf } from '../../../../src/core/desired-state.js';
import { EMPTY_APP_STATE } from '../../../../src/core/model/app-state.js';
import type { Op } from '../../../../src/core/planner/op.js';
import { DEFAULT_POLICY } from '../../../../src/core/policy/policy.js';
import { directoryOf, directoryUser, plan } from '../builders.js';

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
