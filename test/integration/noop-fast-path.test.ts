import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadRequest, ReadResult } from '../../connectors/directory-connector.js';
import type { Clock } from '../../src/clock.js';
import type { DirectoryChange, DirectoryPage } from '../../src/core/model/directory-change.js';
import { DEFAULT_POLICY } from '../../src/core/policy/policy.js';
import { MemoryMailer } from '../../src/invites/memory-mailer.js';
import { HeldPlanRepository } from '../../src/store/held-plan-repository.js';
import { runSync, type SyncOutcome, type SyncRequest } from '../../src/sync/run-sync.js';
import { MemoryAppTarget } from '../support/memory-app-target.js';
import { MemoryConnector } from '../support/memory-connector.js';
import { silentLog } from '../support/silent-log.js';
import { SYNC_DEFAULTS } from '../support/sync-request.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

/** Full reads as MemoryConnector; a read of changes brings only `pending` (then nothing), like Okta's or Graph's. */
class ChangesConnector extends MemoryConnector {
  pending: DirectoryChange[] = [];

  override async *read(request: ReadRequest): AsyncGenerator<DirectoryPage, ReadResult, undefined> {
    if (request.full || request.cursor === null) return yield* super.read(request);
    this.reads++;
    const changes = this.pending;
    this.pending = [];
    await Promise.resolve();
    if (changes.length > 0) yield { changes };
    return { full: false, cursor: `changes-${this.reads}` };
  }
}

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
    runSync(
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

  async function skipped(outcome: SyncOutcome): Promise<boolean> {
    const row = await database.db
      .selectFrom('runs')
      .select('summary')
      .where('id', '=', outcome.runId)
      .executeTakeFirstOrThrow();
    return (JSON.parse(row.summary ?? '{}') as { planSkipped?: boolean }).planSkipped === true;
  }

  /** The first sync, then one no-op that plans (and stores the basis): the next no-op may skip. */
  async function settled(overrides: Partial<SyncRequest> = {}): Promise<void> {
    expect((await sync(overrides)).status).toBe('succeeded');
    const noop = await sync(overrides);
    expect(noop.plan?.ops).toEqual([]);
    expect(await skipped(noop)).toBe(false);
  }

  it('skips planning when nothing changed, and reports what a planned no-op reports', async () => {
    await settled();
    const planned = await sync();
    const writes = app.writes.length;
    const noop = await sync();
    expect(await skipped(planned)).toBe(true);
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
    connector.user('cyd');
    connector.pending = [{ type: 'user', user: connector.users.get('cyd')! }];
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
    connector.user('bob', { userName: 'Bob.Smith@example.com', active: false, status: 'SUSPENDED' });
    connector.pending = [{ type: 'user', user: connector.users.get('bob')! }];
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
