import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionRepository } from '../../src/store/connection-repository.js';
import { OktaOrgEmulator } from '../emulators/okta/okta-org-emulator.js';
import { assertBuilt, runCli, startCli, waitFor } from '../support/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { redisOptions, TEST_REDIS_URL } from '../support/test-redis.js';

const API_TOKEN = 'quarantine-worker-token';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => {
        resolve(port);
      });
    });
    server.on('error', reject);
  });
}

// The production path: worker processes on real Redis and BullMQ, PostgreSQL, the Okta emulator over HTTPS. A
// schedule of one second stands for the ordinary 15 minutes.
describe('the worker and a quarantined connection (BullMQ on Redis, PostgreSQL)', () => {
  const okta = new OktaOrgEmulator({ apiToken: API_TOKEN });
  const connectionId = `qw${process.pid}`;
  const queueName = `dirsync-test-quarantine-${process.pid}`;
  let queue: Queue;
  let database: TestDatabase;
  let folder: string;
  let env: Record<string, string>;
  let stopWorker: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    assertBuilt();
    const { orgUrl, caPath } = await okta.start();
    for (const name of ['ada', 'bob', 'cyd']) {
      okta.store.createUser({
        profile: { login: `${name}@acme.example`, email: `${name}@acme.example`, firstName: name, lastName: 'Q' },
        status: 'ACTIVE',
      });
    }
    database = await createTestDatabase('postgres', 'quarantine_worker');
    folder = mkdtempSync(join(tmpdir(), 'dirsync-quarantine-worker-'));
    queue = new Queue(queueName, { connection: redisOptions() });
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      DIRSYNC_CONNECTION_ID: connectionId,
      OKTA_CLIENT_ORGURL: orgUrl,
      OKTA_CLIENT_TOKEN: API_TOKEN,
      NODE_EXTRA_CA_CERTS: caPath,
      APP_JSONL_PATH: join(folder, 'changes.jsonl'),
      SYNC_INTERVAL: '1s',
      DIRSYNC_JOB_LOCK_MS: '2000',
      DIRSYNC_LEASE_MS: '3000',
      DIRSYNC_QUEUE: queueName,
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    await stopWorker?.();
    await queue.obliterate({ force: true });
    await queue.close();
    await okta.stop();
    await database.destroy();
    rmSync(folder, { recursive: true, force: true });
  }, 60_000);

  const runs = () =>
    database.db
      .selectFrom('runs')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .orderBy('started_at')
      .execute();
  const quarantine = () => new ConnectionRepository(database.db).quarantine(connectionId);
  const skipped = (stderr: string) =>
    stderr.split('\n').filter((line) => line.includes('"msg":"scheduled run skipped: connection')).length;

  it('skips the scheduled runs of a quarantined connection with one log line each; resync runs it; resume lets the schedule run it', async () => {
    const port = await freePort();
    okta.auth.setApiToken('revoked-by-an-admin');
    const worker = startCli(['worker'], { ...env, METRICS_PORT: String(port) });
    stopWorker = async () => {
      worker.child.kill('SIGTERM');
      await worker.done;
    };

    // Three scheduled runs fail on the revoked token: the connection is quarantined with the reason.
    const quarantined = await waitFor(
      'the quarantine',
      async () => {
        const state = await quarantine();
        return state.level > 0 ? state : undefined;
      },
      60_000,
    );
    expect(quarantined).toMatchObject({ failingRuns: 3, level: 1 });
    expect(quarantined.reason).toMatch(
      /^credentials rejected: OKTA_CLIENT_TOKEN is rejected by https:\/\/127\.0\.0\.1/,
    );
    expect((await runs()).map((run) => [run.trigger, run.status])).toEqual([
      ['schedule', 'failed'],
      ['schedule', 'failed'],
      ['schedule', 'failed'],
    ]);

    // The schedule keeps firing; each firing is one log line and no run.
    await waitFor('three skipped firings', () => skipped(worker.output().stderr) >= 3, 20_000);
    const line = worker
      .output()
      .stderr.split('\n')
      .find((l) => l.includes('scheduled run skipped'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      connection: connectionId,
      until: quarantined.until?.toISOString(),
      level: 1,
      reason: quarantined.reason,
    });
    expect(await runs()).toHaveLength(3);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/\ndirsync_connections_quarantined 1\n/);
    expect(metrics).toMatch(
      new RegExp(`dirsync_runs_skipped_total\\{connection="${connectionId}",reason="quarantined"\\} [3-9]`),
    );

    // An operator fixed the token and asks for a run: it runs despite the quarantine, and its success lifts it.
    okta.auth.setApiToken(API_TOKEN);
    expect((await runCli(['resync'], env)).code).toBe(0);
    const manual = await waitFor(
      'the manual run',
      async () => (await runs()).find((run) => run.trigger === 'manual' && run.status !== 'running'),
      30_000,
    );
    expect(manual.status).toBe('succeeded');
    expect(worker.output().stderr).toMatch(/goes ahead because it was asked for \(manual\)/);
    // Recorded right after the run row is closed.
    await waitFor('the quarantine lifted', async () => (await quarantine()).level === 0, 10_000);
    expect(await quarantine()).toMatchObject({ failingRuns: 0, level: 0, until: null });
    await waitFor(
      'the schedule running it again',
      async () =>
        (await runs()).find(
          (run) => run.trigger === 'schedule' && run.started_at > manual.started_at && run.status === 'succeeded',
        ),
      30_000,
    );

    // Revoked again: quarantined again (from level 1: the success reset it). `resume` lets the schedule run it.
    okta.auth.setApiToken('revoked-again');
    await waitFor('the second quarantine', async () => (await quarantine()).level > 0, 60_000);
    const skips = skipped(worker.output().stderr);
    await waitFor('a skipped firing', () => skipped(worker.output().stderr) > skips, 20_000);
    okta.auth.setApiToken(API_TOKEN);
    const resumedAt = new Date().toISOString();
    const resume = await runCli(['resume'], env);
    expect(resume.code).toBe(0);
    expect(resume.stdout).toMatch(/^lifted the quarantine of connection \S+: it was quarantined until/);
    const after = await waitFor(
      'a scheduled run after resume',
      async () =>
        (await runs()).find(
          (run) => run.trigger === 'schedule' && run.started_at > resumedAt && run.status !== 'running',
        ),
      30_000,
    );
    expect(after.status).toBe('succeeded');
    await waitFor('the record cleared', async () => (await quarantine()).failingRuns === 0, 10_000);
    expect(await quarantine()).toMatchObject({ failingRuns: 0, level: 0, until: null });
    expect((await runs()).filter((run) => run.trigger === 'manual')).toHaveLength(1);

    await stopWorker();
    stopWorker = undefined;
  }, 180_000);
});
