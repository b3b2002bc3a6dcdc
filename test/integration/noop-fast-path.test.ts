import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { DEFAULT_POLICY } from '../../src/core/policy/policy.js';
import { MemoryMailer } from '../../src/invites/memory-mailer.js';
import { HeldPlanRepository } from '../../src/store/held-plan-repository.js';
import type { SyncOutcome, SyncRequest } from '../../src/sync/run-sync.js';
import { ChangesConnector } from '../support/changes-connector.js';
import { leasedSync } from '../support/leased-sync.js';
import { MemoryAppTarget } from '../support/memory-app-target.js';
import { planSkipped } from '../support/plan-skipped.js';
import { silentLog } from '../support/silent-log.js';
import { SYNC_DEFAULTS } from '../support/sync-request.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const DAY_MS = 24 * 60 * 60 * 1000;

// The no-op fast path (run-sync.ts): a read of changes that brought none skips loading the mirror and planning,
// only when nothing else that decides the plan changed since the last run. Each test changes one such input.
describe.each(DIALECTS)('no-op fast path on %s', (dialect) => {
  let database: TestDatabase;
  let connector: ChangesConnector;
  let app: MemoryAppTarget;
  let mailer: MemoryMailer;
  let connectionId: string;
  let time: number;
  const clock: Clock = { now: () => new Date(time) };
  let n = 0;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'noop_fast_path');
  });
  afterAll(async () => {
    await database.destroy();
  });
  beforeEach(() => {
    connectionId = `noop-${++n}`;
    time = Date.parse('2027-01-04T09:00:00Z');
    connector = new ChangesConnector();
    app = new MemoryAppTarget();
    mailer = new MemoryMailer();
    connector.user('ada');
    connector.user('bob', { userName: 'Bob.Smith@example.com' });
    connector.group('eng', 'Engineering', ['ada', 'bob']);
  });

  const sync = (overrides: Partial<SyncRequest> = {}) =>
    leasedSync(
      { connectionId, ...SYNC_DEFAULTS, ...overrides },
      {
        db: database.db,
        connector,
        target: app,
        invites: { mailer, from: 'IT <it@example.com>', appName: 'Dashworks', appLoginUrl: undefined },
        clock,
        log: silentLog,
      },
    );

  const skipped = (outcome: SyncOutcome) => planSkipped(database.db, outcome.runId);

  /** The first sync, which applies all it plans and so stores the basis: the next no-op may skip. */
  async function settled(overrides: Partial<SyncRequest> = {}): Promise<void> {
    const first = await sync(overrides);
    expect(first.status).toBe('succeeded');
    expect(first.applied?.created).toBe(2);
  }

  it('skips planning when nothing changed, and reports what a planned no-op reports', async () => {
    await settled();
    // Forgotten, the basis makes the next no-op plan (and store it again).
    await database.db.updateTable('connections').set({ noop_basis: null }).where('id', '=', connectionId).execute();
    const planned = await sync();
    const writes = app.writes.length;
    const noop = await sync();
    expect(await skipped(planned)).toBe(false);
    expect(await skipped(noop)).toBe(true);
    expect(noop.status).toBe('succeeded');
    expect(noop.full).toBe(false);
    expect(noop.plan).toEqual({ ops: [], rejected: null });
    expect(noop.planned).toEqual(planned.planned);
    expect(noop.applied).toEqual(planned.applied);
    expect(noop.attention).toEqual(planned.attention);
    expect(app.writes.length).toBe(writes);
  });

  it('plans when the read brought a change', async () => {
    await settled();
    connector.changeUser('cyd');
    const run = await sync();
    expect(await skipped(run)).toBe(false);
    expect(app.userByName('cyd@example.com')?.active).toBe(true);
  });

  it('plans when the policy changed', async () => {
    await settled();
    const run = await sync({ policy: { ...DEFAULT_POLICY, mapping: { userName: 'email', attributes: [] } } });
    expect(await skipped(run)).toBe(false);
    expect(app.userByName('bob@example.com')).toBeDefined();
  });

  it('plans when the guards changed', async () => {
    await settled();
    const run = await sync({ guards: { ...SYNC_DEFAULTS.guards, deactivations: { kind: 'count', count: 1 } } });
    expect(await skipped(run)).toBe(false);
  });

  it('plans when the app state changed behind the run (another writer): the missing membership is put back', async () => {
    await settled();
    await database.db
      .deleteFrom('app_memberships')
      .where('connection_id', '=', connectionId)
      .where('user_external_id', '=', 'ada')
      .execute();
    const run = await sync();
    expect(await skipped(run)).toBe(false);
    expect(run.planned?.membershipsAdded).toBe(1);
  });

  it('plans when an op waits in the outbox (a failure due for retry)', async () => {
    await settled();
    await database.db
      .updateTable('ops')
      .set({ status: 'failed', next_attempt_at: new Date(time - 1000).toISOString() })
      .where('connection_id', '=', connectionId)
      .where('kind', '=', 'user.create')
      .where('subject', '=', 'ada')
      .execute();
    const run = await sync();
    expect(await skipped(run)).toBe(false);
  });

  it('plans when a reminder became due with time, and sends it', async () => {
    const reminders = { afterMs: 3 * DAY_MS, max: 1 };
    await settled({ reminders });
    expect(await skipped(await sync({ reminders }))).toBe(true);
    const sent = mailer.sent().length;
    time += 4 * DAY_MS;
    const run = await sync({ reminders });
    expect(await skipped(run)).toBe(false);
    expect(mailer.sent().length).toBe(sent + 2);
  });

  it('plans while a plan is held, and applies it once an operator approved it', async () => {
    const guards = { ...SYNC_DEFAULTS.guards, deactivations: { kind: 'count', count: 0 } } as const;
    await settled({ guards });
    connector.changeUser('bob', { userName: 'Bob.Smith@example.com', active: false, status: 'SUSPENDED' });
    const held = await sync({ guards });
    expect(held.status).toBe('held');
    const again = await sync({ guards });
    expect(await skipped(again)).toBe(false);
    expect(again.status).toBe('held');
    const id = again.heldPlanId ?? '';
    expect(await new HeldPlanRepository(database.db).decide(id, 'held', 'approved', { by: 'test' }, 'now')).toBe(true);
    const approved = await sync({ guards });
    expect(await skipped(approved)).toBe(false);
    expect(approved.approvedPlanId).toBe(id);
    expect(app.userByName('Bob.Smith@example.com')?.active).toBe(false);
  });

  it('a quiet first sync that planned nothing does not stand for the runs after it', async () => {
    connector.users.clear();
    connector.groups.clear();
    expect((await sync({ quietFirstSync: true })).plan?.ops).toEqual([]);
    expect(await skipped(await sync({ quietFirstSync: true }))).toBe(false);
    expect(await skipped(await sync({ quietFirstSync: true }))).toBe(true);
  });

  it('never skips a full read or a dry run', async () => {
    await settled();
    expect(await skipped(await sync({ full: true }))).toBe(false);
    await sync();
    expect(await skipped(await sync({ dryRun: true }))).toBe(false);
  });
});
