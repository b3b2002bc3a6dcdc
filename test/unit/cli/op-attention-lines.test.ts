import { describe, expect, it } from 'vitest';
import { opAttentionLines } from '../../../src/cli/op-attention-lines.js';
import type { OpHold } from '../../../src/core/planner/op-hold.js';
import type { AttentionOp, OpsAttention } from '../../../src/store/ops-attention.js';

const AT = '2026-12-07T10:00:00.000Z';

const HOLD: OpHold = {
  reason: 'recycled-inactive',
  message: 'bo@acme.com is an inactive account of someone else',
  incoming: {
    externalId: 'bo',
    appId: null,
    userName: 'bo@acme.com',
    email: 'bo@acme.com',
    displayName: 'Bo New',
    active: true,
  },
  existing: {
    externalId: 'bo-old',
    appId: '17',
    userName: 'bo@acme.com',
    email: 'bo@old.com',
    displayName: 'Bo Old',
    active: false,
  },
};

function op(overrides: Partial<AttentionOp> & Pick<AttentionOp, 'key' | 'kind' | 'status'>): AttentionOp {
  return {
    subject: 'x',
    subjectName: null,
    members: [],
    failures: 0,
    lastError: null,
    nextAttemptAt: null,
    hold: null,
    updatedAt: AT,
    ...overrides,
  };
}

function attention(ops: AttentionOp[], counts: Partial<OpsAttention['counts']> = {}): OpsAttention {
  const count = (status: AttentionOp['status']) => ops.filter((o) => o.status === status).length;
  return {
    counts: {
      held: count('held'),
      parked: count('parked'),
      failed: count('failed'),
      unsupported: count('unsupported'),
      ...counts,
    },
    ops,
  };
}

describe('opAttentionLines', () => {
  it('says nothing when nothing needs a person', () => {
    expect(opAttentionLines(attention([]))).toEqual([]);
  });

  it('shows a held op with both identities and the approve command', () => {
    const lines = opAttentionLines(
      attention([
        op({
          key: 'user.create:c:bo',
          kind: 'user.create',
          status: 'held',
          subject: 'bo',
          subjectName: 'bo@acme.com',
          hold: HOLD,
        }),
      ]),
      { labels: new Map([['user.create:c:bo', 'create bo@acme.com (Bo New)']]) },
    );
    expect(lines).toEqual([
      "held: 1 op waits for a person: the app's account looks like someone else's",
      '  create bo@acme.com (Bo New): bo@acme.com is an inactive account of someone else',
      '    from the IdP: Bo New, bo@acme.com (IdP id bo, active)',
      '    in the app:   Bo Old, bo@acme.com, bo@old.com (IdP id bo-old, app id 17, inactive)',
      '    to adopt that account on purpose: dirsync approve user.create:c:bo',
    ]);
  });

  it('shows a parked op with its last answer and the retry command, and counts what it does not list', () => {
    const lines = opAttentionLines(
      attention(
        [
          op({
            key: 'user.update:c:ana@3',
            kind: 'user.update',
            status: 'parked',
            subject: 'ana',
            subjectName: 'ana@acme.com',
            failures: 5,
            lastError: '400\n  bad title',
          }),
        ],
        { parked: 3 },
      ),
    );
    expect(lines).toEqual([
      'parked: 3 ops failed too often and are not retried until the IdP changes their subject',
      '  user.update ana@acme.com: 400 bad title (failed 5 times)',
      '    after fixing the cause: dirsync retry user.update:c:ana@3',
      '  … 2 more',
    ]);
  });

  it('shows when a failed op is tried next, and leaves out the answer already listed for this run', () => {
    const next = '2026-12-07T10:05:00.000Z';
    const lines = opAttentionLines(
      attention([
        op({
          key: 'k1',
          kind: 'user.create',
          status: 'failed',
          subject: 'ana',
          failures: 1,
          lastError: '400 no',
          nextAttemptAt: AT,
        }),
        op({
          key: 'k2',
          kind: 'user.create',
          status: 'failed',
          subjectName: 'cy@acme.com',
          failures: 2,
          lastError: '400 no',
          nextAttemptAt: next,
        }),
      ]),
      { failedThisRun: new Set(['k1']) },
    );
    expect(lines).toEqual([
      'failed: 2 ops retried by a later run',
      '  user.create ana (IdP id) (failed once; next attempt on the next run)',
      `  user.create cy@acme.com: 400 no (failed 2 times; next attempt after ${next})`,
    ]);
  });

  it('groups unsupported ops as work by hand, naming the group and the people', () => {
    const reason = 'no PATCH';
    const members = (ids: string[]) => ids.map((id) => ({ id, name: id === 'ghost' ? null : `${id}@acme.com` }));
    const lines = opAttentionLines(
      attention([
        op({
          key: 'm1',
          kind: 'members.remove',
          status: 'unsupported',
          subject: 'g-sales',
          subjectName: 'Sales',
          members: members(['ana', 'bo']),
          lastError: reason,
        }),
        op({
          key: 'm2',
          kind: 'members.remove',
          status: 'unsupported',
          subject: 'g-sales',
          subjectName: 'Sales',
          members: members(['ghost']),
          lastError: reason,
        }),
        op({
          key: 'd1',
          kind: 'user.deactivate',
          status: 'unsupported',
          subject: 'cy',
          subjectName: 'cy@acme.com',
          lastError: reason,
        }),
      ]),
    );
    expect(lines).toEqual([
      'work for a person: the app cannot make these changes, so dirsync does not try them',
      '  3 member removals in Sales must be made by hand: ana@acme.com, bo@acme.com, ghost — no PATCH',
      '  1 deactivation must be made by hand: cy@acme.com — no PATCH',
    ]);
  });
});
