// 1 000 connections on 2 workers: how many Redis clients, how much memory, how long until every connection has
// run once, and whether tenants whose IdP answers slowly hold the others back beyond the concurrency.
// Each connection: the sandbox IdP (a small directory of its own) into a JSONL target; a few "slow" ones read an
// Okta emulator that delays every users page. PostgreSQL (a schema of its own) and the local Redis.
// Prints figures and the ratio of the wall time to an ideal measured in the same run: the sum of the fast runs'
// own durations spread over the slots the slow tenants leave free.
// Usage: npm run build && npx vite-node bench/many-connections.ts [connections] [slow] [concurrency per worker]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { OktaOrgEmulator } from '../test/emulators/okta/okta-org-emulator.js';
import { generateSandboxDirectory } from '../test/fixtures/generate-sandbox-directory.js';
import { assertBuilt, runCli, startCli } from '../test/support/cli-process.js';
import { createTestDatabase } from '../test/support/test-databases.js';
import { redisOptions, TEST_REDIS_URL } from '../test/support/test-redis.js';

const CONNECTIONS = Number(process.argv[2] ?? 1000);
const SLOW = Number(process.argv[3] ?? 2);
const CONCURRENCY = Number(process.argv[4] ?? 4);
const WORKERS = 2;
const SLOW_PAGE_MS = 15_000;
assertBuilt();

const dir = mkdtempSync(join(tmpdir(), 'dirsync-many-bench-'));
const database = await createTestDatabase('postgres', 'bench_many');
const queueName = `dirsync-bench-${process.pid}`;
const okta = new OktaOrgEmulator({ apiToken: 'bench-okta' });
const { orgUrl, caPath } = await okta.start();
for (let i = 0; i < 20; i++) {
  okta.store.createUser({
    profile: { login: `p${i}@slow.example`, email: `p${i}@slow.example`, firstName: 'P', lastName: `${i}` },
    status: 'ACTIVE',
  });
}
okta.faults.inject({ path: '/api/v1/users', kind: { type: 'delay', ms: SLOW_PAGE_MS }, times: 1_000 });

// Ten distinct small directories, shared round-robin (each connection still has its own mirror and outbox).
const directories = Array.from({ length: 10 }, (_, i) => {
  const path = join(dir, `directory-${i}.json`);
  writeFileSync(path, JSON.stringify(generateSandboxDirectory({ people: 20, groups: 3, seed: 100 + i })));
  return path;
});
const lines = ['connections:'];
for (let i = 0; i < CONNECTIONS; i++) {
  const id = `t${String(i).padStart(4, '0')}`;
  if (i < SLOW) {
    lines.push(
      `  - id: ${id}`,
      `    idp: { type: okta, orgUrl: "${orgUrl}", token: "\${SLOW_OKTA_TOKEN}" }`,
      `    target: { type: jsonl, path: out/${id}.jsonl }`,
      '    schedule: 1d',
    );
  } else {
    lines.push(
      `  - id: ${id}`,
      `    idp: { type: sandbox, file: ${directories[i % directories.length]} }`,
      `    target: { type: jsonl, path: out/${id}.jsonl }`,
      '    schedule: 1d',
    );
  }
}
const file = join(dir, 'connections.yaml');
writeFileSync(file, `${lines.join('\n')}\n`);
const env = {
  DATABASE_URL: database.url,
  REDIS_URL: TEST_REDIS_URL,
  DIRSYNC_QUEUE: queueName,
  DIRSYNC_CONNECTIONS_FILE: file,
  SLOW_OKTA_TOKEN: 'bench-okta',
  NODE_EXTRA_CA_CERTS: caPath,
  WORKER_CONCURRENCY: String(CONCURRENCY),
  LOG_LEVEL: 'warn',
};

const redis = new Redis(redisOptions());
const clientCount = async () => ((await redis.call('CLIENT', 'LIST')) as string).trim().split('\n').length;
const rssOf = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  if ((await runCli(['migrate'], env)).code !== 0) throw new Error('migrate failed');
  const baseline = await clientCount();
  const started = performance.now();
  const workers = Array.from({ length: WORKERS }, () => startCli(['worker'], env));
  const done = async () => {
    const rows = await database.db
      .selectFrom('runs')
      .select(['connection_id', 'status', 'started_at', 'finished_at'])
      .where('status', '!=', 'running')
      .execute();
    return rows;
  };
  let fastDoneAt: number | null = null;
  let maxClients = 0;
  let peakRss = 0;
  for (;;) {
    const rows = await done();
    const finished = new Set(rows.map((row) => row.connection_id));
    maxClients = Math.max(maxClients, (await clientCount()) - baseline);
    for (const worker of workers) peakRss = Math.max(peakRss, rssOf(worker.child.pid ?? 0).rss);
    const fastFinished = [...finished].filter((id) => Number(id.slice(1)) >= SLOW).length;
    if (fastDoneAt === null && fastFinished >= CONNECTIONS - SLOW) fastDoneAt = performance.now();
    if (finished.size >= CONNECTIONS) break;
    if (performance.now() - started > 15 * 60_000) throw new Error(`only ${finished.size} connections ran in 15 min`);
    await sleep(500);
  }
  const allDoneAt = performance.now();
  const rows = await done();
  const statuses = new Map<string, number>();
  for (const row of rows) statuses.set(row.status, (statuses.get(row.status) ?? 0) + 1);
  const runMs = (row: { started_at: string; finished_at: string | null }) =>
    Date.parse(row.finished_at ?? row.started_at) - Date.parse(row.started_at);
  const fast = rows.filter((row) => Number(row.connection_id.slice(1)) >= SLOW);
  const slow = rows.filter((row) => Number(row.connection_id.slice(1)) < SLOW);
  const fastWork = fast.reduce((sum, row) => sum + runMs(row), 0);
  const slots = WORKERS * CONCURRENCY;
  const ideal = fastWork / (slots - Math.min(SLOW, slots - 1));
  const peaks = workers.map((worker) => rssOf(worker.child.pid ?? 0));
  const fastWall = (fastDoneAt ?? allDoneAt) - started;
  console.log(
    `connections: ${CONNECTIONS} (${SLOW} slow: every Okta users page takes ${SLOW_PAGE_MS / 1000} s), ${WORKERS} workers × WORKER_CONCURRENCY=${CONCURRENCY}`,
  );
  console.log(`runs: ${[...statuses].map(([status, n]) => `${n} ${status}`).join(', ')}`);
  console.log(`Redis clients opened by the workers: ${maxClients} (at most, sampled every 0.5 s; ${WORKERS} workers)`);
  console.log(`worker RSS: ${peaks.map((p) => `${p.rss.toFixed(0)} MB now, ${p.peak.toFixed(0)} MB peak`).join('; ')}`);
  console.log(
    `every fast connection ran once after ${(fastWall / 1000).toFixed(1)} s; all ${CONNECTIONS} after ${((allDoneAt - started) / 1000).toFixed(1)} s`,
  );
  console.log(
    `fast runs: ${fast.length}, mean ${(fastWork / Math.max(1, fast.length)).toFixed(0)} ms each; slow runs: ${slow.map((row) => `${(runMs(row) / 1000).toFixed(1)} s`).join(', ')}`,
  );
  console.log(
    `ideal for the fast ones (their own run time over the ${slots - Math.min(SLOW, slots - 1)} slots the slow ones leave): ${(ideal / 1000).toFixed(1)} s; ratio ${(fastWall / ideal).toFixed(2)}`,
  );
  for (const worker of workers) worker.child.kill('SIGTERM');
  await Promise.all(workers.map((worker) => worker.done));
} finally {
  const queue = new Queue(queueName, { connection: redisOptions() });
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  redis.disconnect();
  await okta.stop();
  await database.destroy();
  rmSync(dir, { recursive: true, force: true });
}
