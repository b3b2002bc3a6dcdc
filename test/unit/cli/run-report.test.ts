import { describe, expect, it } from 'vitest';
import { formatRunReport, planWordsOf, type RunReportOptions } from '../../../src/cli/run-report.js';
import { desiredStateOf } from '../../../src/core/desired-state.js';
import { countOps } from '../../../src/core/planner/plan.js';
import { DEFAULT_POLICY } from '../../../src/core/policy/policy.js';
import type { AttentionOp } from '../../../src/store/ops-attention.js';
import type { SyncOutcome } from '../../../src/sync/run-sync.js';
import { EMPTY_APP_STATE as EMPTY_APP } from '../../../src/core/model/app-state.js';
import { directoryGroup, directoryOf, directoryUser, plan } from '../core/builders.js';

const ana = directoryUser('00u-ana', { userName: 'ana@acme.com', email: 'ana@acme.com', displayName: 'Ana Lopez' });
const bo = directoryUser('00u-bo', { userName: 'bo@acme.com', email: 'bo@acme.com', displayName: 'Bo Berg' });
const cy = directoryUser('00u-cy', { userName: 'cy@acme.com', email: 'cy@acme.com', displayName: 'Cy Ng' });

const OPTIONS: RunReportOptions = {
  connectionId: 'default',
  source: 'https://acme.okta.com',
  idpName: 'Okta',
  dryRun: false,
  showPlan: false,
};

/** A first sync of three people and a group, in which Ana's create failed and Bo's create waits for an approval. */
function outcomeOfFirstSync(): SyncOutcome {
  const directory = directoryOf({
    users: [ana, bo, cy],
    groups: [directoryGroup('00g-sales', { displayName: 'Sales' })],
    members: { '00g-sales': ['00u-ana', '00u-bo', '00u-cy'] },
  });
  const desired = desiredStateOf(directory, DEFAULT_POLICY);
  const planned = plan(desired, EMPTY_APP);
  const keyOf = (id: string) => {
    const op = planned.ops.find((o) => o.kind === 'user.create' && o.externalId === id);
    if (op === undefined) throw new Error(`no create of ${id}`);
    return op.key;
  };
  const held: AttentionOp = {
    key: keyOf('00u-bo'),
    kind: 'user.create',
    status: 'held',
    subject: '00u-bo',
    subjectName: null,
    members: [],
    failures: 0,
    lastError: 'bo@acme.com is an inactive account of someone else',
    nextAttemptAt: null,
    hold: null,
    updatedAt: '2026-12-07T10:00:00.000Z',
  };
  return {
    runId: 'run-1',
    status: 'partial',
    full: true,
    plan: planned,
    planned: countOps(planned.ops),
    applied: countOps(planned.ops.filter((op) => op.kind === 'user.create' && op.externalId === '00u-cy')),
    appliedKinds: ['user.create'],
    failed: [{ key: keyOf('00u-ana'), kind: 'user.create', subject: '00u-ana', error: 'HTTP 400', parked: false }],
    isolated: [],
    attention: { counts: { held: 1, parked: 0, failed: 1, unsupported: 0 }, ops: [held] },
    error: null,
    durationMs: 1000,
    basis: { directory, app: EMPTY_APP, desired },
  };
}

describe('formatRunReport of a sync (the plan not listed)', () => {
  it("names this run's failures and the ops needing attention by the plan's words, and lists no other op", () => {
    const report = formatRunReport(outcomeOfFirstSync(), OPTIONS);
    expect(report).toContain('create ana@acme.com (Ana Lopez)');
    expect(report).toContain('create bo@acme.com (Bo Berg)');
    expect(report).not.toContain('(IdP id)');
    expect(report).not.toContain('cy@acme.com');
    expect(report).not.toContain('Sales');
  });

  it('lists every op in words when asked to show the plan', () => {
    const report = formatRunReport(outcomeOfFirstSync(), { ...OPTIONS, showPlan: true });
    expect(report).toContain('cy@acme.com (Cy Ng): active in Okta, not in the app');
    expect(report).toContain('create group "Sales": in Okta, not in the app');
  });
});

describe('formatRunReport with the plan words taken before the apply (no basis in the outcome)', () => {
  it('prints what it prints from the basis, failures, attention and nesting cycles alike', () => {
    const outcome = outcomeOfFirstSync();
    const basis = outcome.basis;
    if (basis === null || outcome.plan === null) throw new Error('the sample outcome has a plan and its basis');
    const cyclic = {
      ...outcome,
      basis: { ...basis, desired: { ...basis.desired, nestingCycles: [{ group: '00g-sales', member: '00g-sales' }] } },
    };
    for (const sample of [outcome, cyclic]) {
      if (sample.basis === null || sample.plan === null) throw new Error('unreachable');
      const words = planWordsOf(sample.plan, sample.basis, OPTIONS.idpName);
      const expected = formatRunReport(sample, OPTIONS);
      expect(formatRunReport({ ...sample, basis: null }, OPTIONS, words)).toBe(expected);
    }
    expect(formatRunReport(cyclic, OPTIONS)).toContain('groups nested in 1 cycle');
  });
});
