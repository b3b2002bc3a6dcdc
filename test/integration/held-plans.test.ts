import { afterAll, describe, expect, it } from 'vitest';
import { anomalyHoldReasons, guardHoldReasons } from '../../src/core/planner/hold-reason.js';
import type { Op } from '../../src/core/planner/op.js';
import { HeldPlanRepository, normalizeHeldPlanId } from '../../src/store/held-plan-repository.js';
import { PlanApprovals } from '../../src/sync/plan-approvals.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const deactivate = (id: string): Op => ({ kind: 'user.deactivate', key: `user.deactivate:c:${id}@1`, externalId: id });
const TRIP = { guard: 'deactivations' as const, count: 12, limit: 10, activeAppUsers: 30 };
const GUARD = guardHoldReasons({ trips: [TRIP] });
const NOW = '2026-12-07T00:00:00.000Z';
const LATER = '2026-12-07T00:15:00.000Z';

describe('normalizeHeldPlanId', () => {
  it('accepts what an operator types and refuses what cannot be an id', () => {
    expect(normalizeHeldPlanId(' P-7k2m9q ')).toBe('p-7K2M9Q');
    expect(normalizeHeldPlanId('p-0OIl00')).toBe('p-001100');
    expect(normalizeHeldPlanId('p-7K2M9')).toBeNull();
    expect(normalizeHeldPlanId('p-7K2M9U')).toBeNull();
    expect(normalizeHeldPlanId('user.create:default:00u1')).toBeNull();
  });
});

describe.each(DIALECTS)('held plans in the database (%s)', (dialect) => {
  const databases: TestDatabase[] = [];
  afterAll(async () => Promise.all(databases.map((d) => d.destroy())), 60_000);
  let n = 0;
  const fresh = async () => {
    const database = await createTestDatabase(dialect, `held_plans_${++n}`);
    databases.push(database);
    return { database, approvals: new PlanApprovals(database.db, 'c'), plans: new HeldPlanRepository(database.db) };
  };

  it('stores a hold with a short id, its reasons, ops and destructive atoms, and keeps the id while it recurs', async () => {
    const { approvals, plans } = await fresh();
    const ops = Array.from({ length: 12 }, (_, i) => deactivate(`u${i}`));
    const held = await approvals.hold('run-1', GUARD, ops, NOW);
    expect(held.id).toMatch(/^p-[0-9A-HJKMNP-TV-Z]{6}$/);
    expect(held).toMatchObject({ status: 'held', runId: 'run-1', reasons: GUARD, counts: { deactivated: 12 } });
    expect(held.destructive).toHaveLength(12);
    expect(held.ops).toEqual(ops);
    const again = await approvals.hold(
      'run-2',
      guardHoldReasons({ trips: [{ ...TRIP, activeAppUsers: 31 }] }),
      ops,
      LATER,
    );
    expect(again).toMatchObject({ id: held.id, runId: 'run-2', createdAt: NOW, updatedAt: LATER });
    expect(await plans.list('c', ['held'])).toHaveLength(1);
  });

  it('a different destructive part is a new hold; the old one is superseded', async () => {
    const { approvals, plans } = await fresh();
    const first = await approvals.hold('run-1', GUARD, [deactivate('u1')], NOW);
    const second = await approvals.hold('run-2', GUARD, [deactivate('u1'), deactivate('u2')], LATER);
    expect(second.id).not.toBe(first.id);
    expect((await plans.get(first.id))?.status).toBe('superseded');
  });

  it('an approval covers the same or fewer destructive ops, is consumed once, and is superseded by a new hold', async () => {
    const { approvals, plans } = await fresh();
    const held = await approvals.hold('run-1', GUARD, [deactivate('u1'), deactivate('u2')], NOW);
    expect(await approvals.approvalCovering([deactivate('u1')])).toBeUndefined();
    expect(await plans.decide(held.id, 'held', 'approved', { by: 'ana' }, LATER)).toBe(true);
    // Two operators at once: the second decision finds it no longer held.
    expect(await plans.decide(held.id, 'held', 'rejected', { by: 'bo' }, LATER)).toBe(false);
    expect(await plans.get(held.id)).toMatchObject({ status: 'approved', decidedBy: 'ana', decidedAt: LATER });
    expect((await approvals.approvalCovering([deactivate('u2')]))?.id).toBe(held.id);
    expect(await approvals.approvalCovering([deactivate('u3')])).toBeUndefined();
    const used = await approvals.approvalCovering([deactivate('u1'), deactivate('u2')]);
    if (used === undefined) throw new Error('expected an approval');
    await approvals.consume(used, 'run-2', LATER);
    expect(await plans.get(held.id)).toMatchObject({ status: 'applied', appliedRunId: 'run-2' });
    expect(await approvals.approvalCovering([deactivate('u1')])).toBeUndefined();

    const next = await approvals.hold('run-3', GUARD, [deactivate('u4')], LATER);
    await plans.decide(next.id, 'held', 'approved', { by: 'ana' }, LATER);
    await approvals.hold('run-4', GUARD, [deactivate('u4'), deactivate('u5')], LATER);
    expect((await plans.get(next.id))?.status).toBe('superseded');
  });

  it('an anomaly approval is found only for anomalies; a run without a hold closes the open ones', async () => {
    const { approvals, plans } = await fresh();
    const anomaly = await approvals.hold(
      'run-1',
      anomalyHoldReasons({ drops: [{ resource: 'users', before: 30, after: 0, limit: 10 }] }),
      [],
      NOW,
    );
    expect(await approvals.approvedAnomaly()).toBeUndefined();
    await plans.decide(anomaly.id, 'held', 'approved', { by: 'ana' }, LATER);
    expect((await approvals.approvedAnomaly())?.id).toBe(anomaly.id);
    expect(await approvals.approvalCovering([])).toBeUndefined();
    await approvals.closeObsolete(LATER);
    expect((await plans.get(anomaly.id))?.status).toBe('superseded');
    expect(await approvals.approvedAnomaly()).toBeUndefined();
  });

  it('lists one connection or all, newest first', async () => {
    const { database, plans } = await fresh();
    const other = new PlanApprovals(database.db, 'other');
    const a = await new PlanApprovals(database.db, 'c').hold('r1', GUARD, [deactivate('u1')], NOW);
    const b = await other.hold('r2', GUARD, [deactivate('u1')], LATER);
    expect((await plans.list(null, ['held'])).map((p) => p.id)).toEqual([b.id, a.id]);
    expect((await plans.list('c', ['held'])).map((p) => p.id)).toEqual([a.id]);
    expect(await plans.list('c', [])).toEqual([]);
  });
});
