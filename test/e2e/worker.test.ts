import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpTestServer } from '../emulators/smtp/smtp-test-server.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { generateSandboxDirectory } from '../fixtures/generate-sandbox-directory.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli, startCli, waitFor } from '../support/cli-process.js';
import { diffApp, expectedApp } from '../support/expected-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { redisOptions, TEST_REDIS_URL } from '../support/test-redis.js';

const REDIS_URL = TEST_REDIS_URL;
const TOKEN = 'worker-test-token';
let connections = 0;

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

// The production path: PostgreSQL, real Redis, worker processes, the SCIM and SMTP test servers.
describe('dirsync worker (BullMQ on Redis, PostgreSQL)', () => {
  const directory = generateSandboxDirectory({ people: 500, groups: 12, seed: 66 });
  const scim = new ScimTestServer({ token: TOKEN });
  const smtp = new SmtpTestServer();
  let file: TempSandboxDirectoryFile;
  let scimUrl: string;
  let smtpUrl: string;
  const children: ChildProcess[] = [];
  const queues: Queue[] = [];
  const databases: TestDatabase[] = [];

  beforeAll(async () => {
    assertBuilt();
    file = await writeSandboxDirectoryFile(directory);
    scimUrl = await scim.start();
    smtpUrl = (await smtp.start()).url;
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    // A queue on the private Redis of the restart test has no server any more: give up on it after a moment.
    const within = (work: Promise<unknown>) =>
      Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000))]);
    await Promise.all(
      queues.map(async (queue) => {
        await within(queue.obliterate({ force: true }));
        await within(queue.close());
        await within(queue.disconnect());
      }),
    );
    await Promise.all(databases.map((database) => database.destroy()));
    await Promise.all([scim.stop(), smtp.stop(), file.remove()]);
  }, 120_000);

  async function setup(label: string, overrides: Record<string, string> = {}) {
    const connectionId = `w${process.pid}-${++connections}-${label}`;
    const database = await createTestDatabase('postgres', `worker_${label}`);
    databases.push(database);
    // A queue of its own per test: workers of other tests (and files) never see its jobs.
    const queueName = `dirsync-test-${connectionId}`;
    const queue = new Queue(queueName, { connection: redisOptions(overrides['REDIS_URL'] ?? REDIS_URL) });
    queues.push(queue);
    scim.reset();
    smtp.clear();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      DIRSYNC_CONNECTION_ID: connectionId,
      DIRSYNC_SANDBOX_FILE: file.path,
      APP_SCIM_URL: scimUrl,
      APP_SCIM_TOKEN: TOKEN,
      SMTP_URL: smtpUrl,
      INVITE_FROM: 'it@acme.example',
      SYNC_INTERVAL: '1h',
      DIRSYNC_JOB_LOCK_MS: '2000',
      DIRSYNC_LEASE_MS: '3000',
      DIRSYNC_QUEUE: queueName,
      LOG_LEVEL: 'info',
      ...overrides,
    };
    const runs = () =>
      database.db
        .selectFrom('runs')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .orderBy('started_at')
        .execute();
    const worker = (extra: Record<string, string> = {}) => {
      const started = startCli(['worker'], { ...env, ...extra });
      children.push(started.child);
      return started;
    };
    return { connectionId, database, queue, env, runs, worker };
  }

  const activeCount = directory.users.filter((u) =>
    ['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY', 'PROVISIONED'].includes(u.status),
  ).length;
  const expectExact = () => {
    const ever = new Set(scim.users().map((u) => u.externalId ?? ''));
    expect(diffApp(scim, expectedApp(directory, ever), ever)).toEqual([]);
    const created = new Map<string, number>();
    for (const r of scim.requests({ method: 'POST', path: '/Users', status: 201 })) {
      const name = (r.requestBody as { userName: string }).userName.toLowerCase();
      created.set(name, (created.get(name) ?? 0) + 1);
    }
    expect([...created.values()].filter((n) => n > 1)).toEqual([]);
    const ids = new Map<string, Set<string>>();
    for (const m of smtp.messages())
      ids.set(m.envelopeTo.join(), (ids.get(m.envelopeTo.join()) ?? new Set()).add(m.messageId ?? ''));
    expect(ids.size).toBe(activeCount);
    expect([...ids.values()].filter((s) => s.size > 1)).toEqual([]);
  };

  it('refuses to start on an unmigrated database and says `dirsync migrate`', async () => {
    const { env } = await setup('unmigrated');
    const result = await runCli(['worker'], {
      ...env,
      DATABASE_URL: `${env.DATABASE_URL.split('?')[0]}?schema=nothing_here_${process.pid}`,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not migrated.*dirsync migrate/);
  });

  it('runs on its schedule and on resync, serves /healthz and /metrics, shows its queue in status, and stops on SIGTERM', async () => {
    const port = await freePort();
    const { env, runs, worker, connectionId } = await setup('schedule', { METRICS_PORT: String(port) });
    const w = worker();
    await waitFor(
      'the first scheduled run',
      async () => (await runs()).find((r) => r.trigger === 'schedule' && r.status === 'succeeded'),
      60_000,
    );
    expectExact();

    const enqueuedAt = Date.now();
    const resync = await runCli(['resync'], env);
    expect(resync.code).toBe(0);
    expect(resync.stdout).toMatch(/enqueued a manual run of connection .*: job \S+/);
    const manual = await waitFor(
      'the manual run',
      async () => (await runs()).find((r) => r.trigger === 'manual'),
      30_000,
    );
    console.log(
      `resync → run started: ${Date.parse(manual.started_at) - enqueuedAt} ms (includes the CLI's own start)`,
    );

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', checks: { redis: 'ok', database: 'ok' } });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain(`dirsync_runs_total{connection="${connectionId}",result="succeeded"}`);
    expect(metrics).toMatch(/dirsync_ops_applied_total\{connection="[^"]+",kind="user\.create"\} \d+/);
    expect(metrics).toContain('dirsync_queue_jobs');

    const status = await runCli(['status'], env);
    expect(status.stdout).toMatch(/schedule: +every 1h, next run/);
    expect(status.stdout).toMatch(/worker queue: \d+ waiting, \d+ active/);
    expect(status.stdout).toMatch(/succeeded .* manual/);

    const stopAt = Date.now();
    w.child.kill('SIGTERM');
    const exit = await w.done;
    expect(exit.code).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
  }, 120_000);

  it('two workers and a burst of triggers: never two runs of one connection at once, at most one follow-up', async () => {
    const { env, runs, worker } = await setup('single_flight');
    worker();
    worker();
    await waitFor('a run in progress', async () => (await runs()).find((r) => r.status === 'running'), 60_000);
    const burst = await Promise.all(Array.from({ length: 8 }, () => runCli(['resync'], env)));
    expect(burst.map((r) => r.code)).toEqual(Array(8).fill(0));
    const jobIds = new Set(burst.map((r) => /job (\S+)/.exec(r.stdout)?.[1]));
    expect(jobIds.size).toBe(1); // every trigger of the burst joined the one waiting follow-up
    await waitFor(
      'the follow-up run',
      async () => {
        const all = await runs();
        return all.length >= 2 && all.every((r) => r.status !== 'running');
      },
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // nothing else may start
    const all = await runs();
    expect(all.filter((r) => r.trigger === 'manual')).toHaveLength(1);
    for (let i = 1; i < all.length; i++) {
      expect(Date.parse(all[i]!.started_at)).toBeGreaterThanOrEqual(Date.parse(all[i - 1]!.finished_at!));
    }
    expectExact();
  }, 120_000);

  it('a CLI sync during a worker run does not run: it exits 2 naming the worker’s run, and the app ends exact', async () => {
    const { env, runs, worker } = await setup('cli_beside');
    const w = worker();
    await waitFor('writes reaching the app', () => scim.users().length > 40, 60_000);
    const cli = await runCli(['sync'], env);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(
      /connection \S+ is busy: run [0-9a-f-]{36} \(worker pid \d+ on [^,]+, job \S+\) holds it/,
    );
    await waitFor('the worker’s run', async () => (await runs()).find((r) => r.status === 'succeeded'), 90_000);
    expect((await runs()).map((r) => r.trigger)).toEqual(['schedule']);
    expectExact();
    w.child.kill('SIGTERM');
    expect((await w.done).code).toBe(0);
  }, 150_000);

  it('a metrics port it cannot bind stops the worker with exit 2 before it takes a job', async () => {
    const busy = createServer();
    const port = await new Promise<number>((resolve) => {
      busy.listen(0, () => {
        resolve((busy.address() as { port: number }).port);
      });
    });
    try {
      const { env, runs } = await setup('port_taken');
      const result = await runCli(['worker'], { ...env, METRICS_PORT: String(port) });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`cannot serve /healthz on METRICS_PORT=${port}: .*EADDRINUSE`));
      expect(await runs()).toEqual([]);
    } finally {
      busy.close();
    }
  }, 60_000);

  it('kill -9 of the worker in the middle of a run: another worker takes the job over and the app ends exact', async () => {
    const { runs, worker } = await setup('kill');
    const a = worker();
    const b = worker();
    await waitFor('a run in progress with writes reaching the app', () => scim.users().length > 60, 60_000);
    const active = [a, b].find((w) => w.output().stderr.includes('"msg":"run started"'));
    expect(active).toBeDefined();
    active!.child.kill('SIGKILL');
    const other = active === a ? b : a;
    await waitFor(
      'the other worker to finish the job',
      async () => (await runs()).find((r) => r.status === 'succeeded'),
      90_000,
    );
    expect(other.output().stderr).toContain('"msg":"run started"');
    expectExact();
    const all = await runs();
    expect(all.map((r) => r.status)).toEqual(['failed', 'succeeded']);
    expect(all[0]?.error).toMatch(/abandoned/);
  }, 150_000);

  it('SIGTERM in the middle of a run: the current op finishes, the worker exits 0 at once, and the next worker converges', async () => {
    const { runs, worker } = await setup('sigterm');
    const first = worker();
    await waitFor('writes reaching the app', () => scim.users().length > 60, 60_000);
    const stopAt = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.done;
    expect(exit.code).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    expect(scim.users().length).toBeLessThan(activeCount); // it really stopped part-way
    worker();
    await waitFor('the resumed run', async () => (await runs()).find((r) => r.status === 'succeeded'), 90_000);
    expectExact();
  }, 150_000);

  it('a failed run is recorded with its reason and retried by BullMQ with backoff; SCIM errors reach /metrics', async () => {
    const port = await freePort();
    const { runs, worker, queue } = await setup('retry', { DIRSYNC_RETRY_DELAY_MS: '300', METRICS_PORT: String(port) });
    scim.failNext({ method: 'POST', path: '/Users', status: 503, times: 1 }); // retried inside the run
    smtp.failNext(1, 451); // a temporary refusal: the run stops, the invite stays due
    worker();
    const done = await waitFor(
      'the retried run',
      async () => (await runs()).find((r) => r.status === 'succeeded'),
      60_000,
    );
    const all = await runs();
    expect(all[0]?.status).toBe('failed');
    expect(all[0]?.error).toMatch(/451|temporar|SMTP|smtp/i);
    expect(Date.parse(done.started_at) - Date.parse(all[0]!.finished_at!)).toBeGreaterThanOrEqual(250);
    // The run row is closed a moment before BullMQ moves the job to completed.
    const job = await waitFor('the completed job', async () => (await queue.getCompleted())[0], 15_000);
    expect(job.attemptsMade).toBeGreaterThanOrEqual(1);
    expectExact();
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/dirsync_target_errors_total\{connection="[^"]+",kind="unavailable"\} [1-9]/);
    expect(metrics).toMatch(/dirsync_runs_total\{connection="[^"]+",result="stopped"\} 1/);
  }, 90_000);

  it('a rejected SCIM token fails the job once, without retries, and the run records why', async () => {
    const { runs, worker, queue } = await setup('bad_token', { APP_SCIM_TOKEN: 'not-the-token' });
    worker();
    const failed = await waitFor('the failed job', async () => (await queue.getFailed())[0], 60_000);
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/APP_SCIM_TOKEN is rejected/);
    const [run] = await runs();
    expect(run?.status).toBe('failed');
    expect(run?.error).toMatch(/APP_SCIM_TOKEN is rejected/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await runs()).toHaveLength(1);
  }, 90_000);

  it('Redis going away: the worker logs it, keeps trying, and resumes when Redis is back', async () => {
    const port = await freePort();
    const startRedis = () => {
      const redis = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      children.push(redis);
      return redis;
    };
    let redis = startRedis();
    const redisUrl = `redis://127.0.0.1:${port}`;
    const { runs, worker, env } = await setup('redis_restart', { REDIS_URL: redisUrl });
    await waitFor(
      'the private Redis',
      async () => /worker queue: \d+ waiting/.test((await runCli(['status'], env)).stdout),
      20_000,
    );
    const w = worker();
    await waitFor('the first run', async () => (await runs()).find((r) => r.status === 'succeeded'), 60_000);
    redis.kill('SIGKILL');
    await waitFor('the outage in the log', () => w.output().stderr.includes('is unreachable; retrying'), 30_000);
    redis = startRedis(); // an empty Redis (nothing persisted): the scheduler is gone, the worker is not
    await waitFor('the recovery in the log', () => w.output().stderr.includes('is back'), 30_000);
    const resync = await waitFor(
      'resync accepted',
      async () => {
        const r = await runCli(['resync'], env);
        return r.code === 0 ? r : undefined;
      },
      20_000,
    );
    expect(resync.stdout).toMatch(/job/);
    await waitFor(
      'a run after the outage',
      async () => (await runs()).find((r) => r.trigger === 'manual' && r.status === 'succeeded'),
      60_000,
    );
    w.child.kill('SIGTERM');
    expect((await w.done).code).toBe(0);
    redis.kill('SIGKILL');
  }, 150_000);
});
