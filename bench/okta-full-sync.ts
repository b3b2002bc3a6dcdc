// How long does a full `dirsync sync` of a big Okta org take through the CLI, and how much memory does it need?
// Builds an org in the HTTPS Okta emulator (default 20 000 users with a realistic status mix, unicode names, and 200
// overlapping groups), runs `dirsync migrate` and a full `dirsync sync` (SQLite, JSONL target, no invites), then a
// second, incremental no-op sync. Prints wall time, IdP requests and the child's peak RSS, and the ratio to a floor
// measured in the same run: the very requests the sync made (paths and queries from the emulator's log, in order)
// fetched sequentially with plain node:https (no SDK, no parsing, no database).
// Usage: npm run build && npx vite-node bench/okta-full-sync.ts [users] [groups]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OktaOrgEmulator } from '../test/emulators/okta/okta-org-emulator.js';
import type { OktaUserStatus } from '../test/emulators/okta/okta-records.js';
import { assertBuilt, runCli, type CliResult } from '../test/support/cli-process.js';

const userCount = Number(process.argv[2] ?? 20_000);
const groupCount = Number(process.argv[3] ?? 200);
if (!Number.isInteger(userCount) || userCount < 1 || !Number.isInteger(groupCount) || groupCount < 1) {
  throw new Error('usage: vite-node bench/okta-full-sync.ts [users ≥ 1] [groups ≥ 1]');
}
assertBuilt();

// Deterministic pseudo-random numbers (mulberry32), so every run builds the same org.
let seed = 20_000;
const random = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

// Roughly what a mid-size org looks like: mostly active, a tail of every other lifecycle state.
const STATUS_MIX: readonly (readonly [OktaUserStatus, number])[] = [
  ['ACTIVE', 0.8],
  ['PASSWORD_EXPIRED', 0.04],
  ['LOCKED_OUT', 0.01],
  ['RECOVERY', 0.01],
  ['PROVISIONED', 0.03],
  ['STAGED', 0.03],
  ['SUSPENDED', 0.02],
  ['DEPROVISIONED', 0.06],
];
const statusOf = (r: number): OktaUserStatus => {
  let sum = 0;
  for (const [status, share] of STATUS_MIX) {
    sum += share;
    if (r < sum) return status;
  }
  return 'ACTIVE';
};
const FIRST = ['Ada', 'Zoë', 'José', 'Søren', 'Łukasz', 'Ørjan', 'Ñuño', 'Çağla', 'Åsa', 'Dmitrij', 'Дмитрий'];
const FIRST_MORE = ['Άννα', 'محمد', 'יעל', '太郎', '민준', 'Nguyễn', 'Chloé', 'Siobhán', 'Bjørn', 'Renée', 'Li'];
const LAST = ['Lovelace', 'Müller', "O'Brien", 'García-Márquez', 'Þórsson', 'Dvořák', 'Ødegård', 'Smith'];
const LAST_MORE = ['佐藤', '김', 'Иванова', 'Παπαδόπουλος', 'al-Farsi', 'Kowalczyk', 'Lê', 'van der Berg', 'Nowak'];
const firstNames = [...FIRST, ...FIRST_MORE];
const lastNames = [...LAST, ...LAST_MORE];
const DEPARTMENTS = ['Engineering', 'Support', 'Sales', 'Marketing', 'Finance', 'Légal', 'Opérations', 'Ventes'];

// The emulator's clock runs ten minutes behind, so the org's history is older than the no-op read's one-minute
// overlap (which re-reads everything changed in the last minute, by design): the second sync really is a no-op.
const okta = new OktaOrgEmulator({
  apiToken: 'bench-okta-token',
  clock: { now: () => new Date(Date.now() - 10 * 60_000) },
  rateLimit: { limit: 1_000_000_000 },
});
const dir = mkdtempSync(join(tmpdir(), 'dirsync-okta-bench-'));

// Prints the child's peak RSS and CPU time on exit, without touching product code: preloaded through NODE_OPTIONS.
const MARK = '@@okta-bench-usage ';
const usageHook = [
  "import { isMainThread } from 'node:worker_threads';",
  "import { writeSync } from 'node:fs';",
  "if (isMainThread) process.on('exit', () => {",
  '  const u = process.resourceUsage();',
  `  writeSync(2, '\\n${MARK}' + JSON.stringify({ maxRssKb: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime }) + '\\n');`,
  '});',
].join('\n');
const NODE_OPTIONS = `--import=data:text/javascript,${encodeURIComponent(usageHook)}`;

interface Usage {
  readonly maxRssKb: number;
  readonly userUs: number;
  readonly systemUs: number;
}
interface TimedRun {
  readonly ms: number;
  readonly result: CliResult;
  readonly usage: Usage;
  readonly paths: readonly string[];
  /** Share of the sync's wall time the bench process (that is, the emulator) was busy. */
  readonly emulatorBusyMs: number;
  /** When the child's first and last IdP requests were answered, in ms from its spawn. */
  readonly firstRequestMs: number;
  readonly lastRequestMs: number;
}

// When each request was answered (the bench's own emulator instance; the log keeps no times).
const answeredAt: number[] = [];
const record = okta.requests.record.bind(okta.requests);
okta.requests.record = (entry) => {
  answeredAt.push(performance.now());
  record(entry);
};

try {
  // The org.
  const buildStart = performance.now();
  const groups = Array.from({ length: groupCount }, (_, i) =>
    okta.store.createGroup({ name: `${DEPARTMENTS[i % DEPARTMENTS.length] ?? 'Team'} ${String(i + 1)} – Équipe` }),
  );
  const statusCounts = new Map<OktaUserStatus, number>();
  let memberships = 0;
  for (let i = 0; i < userCount; i++) {
    const firstName = pick(firstNames);
    const lastName = pick(lastNames);
    const status = statusOf(random());
    statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
    const login = `user${String(i).padStart(6, '0')}@acme.example`;
    const email = i % 10 === 0 ? `u${String(i)}@mail.acme.example` : login;
    const user = okta.store.createUser({ profile: { login, email, firstName, lastName }, status });
    // 1–3 distinct groups each, skewed so a few groups are big (several member pages) and most are small.
    const count = 1 + Math.floor(random() * 3);
    const mine = new Set<number>();
    while (mine.size < Math.min(count, groupCount)) mine.add(Math.floor(groupCount * random() ** 2));
    for (const index of mine) {
      const group = groups[index];
      if (group !== undefined) okta.store.addMember(group.id, user.id);
    }
    memberships += mine.size;
  }
  const largestGroup = Math.max(...groups.map((g) => g.members.size));
  const buildMs = performance.now() - buildStart;

  const { orgUrl, caPath, caPem } = await okta.start();
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'dirsync.db')}`,
    OKTA_CLIENT_ORGURL: orgUrl,
    OKTA_CLIENT_TOKEN: okta.apiToken,
    NODE_EXTRA_CA_CERTS: caPath,
    APP_JSONL_PATH: join(dir, 'changes.jsonl'),
    INVITE_MODE: 'off',
    LOG_LEVEL: 'warn',
    NODE_OPTIONS,
  };

  const parseUsage = (stderr: string): Usage => {
    const line = stderr.split('\n').find((l) => l.startsWith(MARK));
    if (line === undefined) throw new Error(`the child printed no resource usage (NODE_OPTIONS --import?): ${stderr}`);
    return JSON.parse(line.slice(MARK.length)) as Usage;
  };
  const timed = async (label: string, args: readonly string[]): Promise<TimedRun> => {
    okta.requests.clear();
    answeredAt.length = 0;
    const elu = performance.eventLoopUtilization();
    const start = performance.now();
    const result = await runCli(args, env);
    const ms = performance.now() - start;
    const busy = performance.eventLoopUtilization(elu);
    if (result.code !== 0)
      throw new Error(`${label} exited ${String(result.code)}:\n${result.stdout}\n${result.stderr}`);
    const failed = okta.requests.entries.filter((e) => e.status !== 200);
    if (failed.length > 0) throw new Error(`${label}: ${String(failed.length)} IdP requests were not 200 (throttled?)`);
    return {
      ms,
      result,
      usage: parseUsage(result.stderr),
      paths: okta.requests.entries.map((e) => e.path),
      emulatorBusyMs: busy.active,
      firstRequestMs: (answeredAt[0] ?? start) - start,
      lastRequestMs: (answeredAt.at(-1) ?? start) - start,
    };
  };

  const migrate = await timed('migrate', ['migrate']);
  const full = await timed('full sync', ['sync']);
  const jsonlLines = readFileSync(env.APP_JSONL_PATH, 'utf8').split('\n').filter(Boolean).length;
  const second = await timed('second sync', ['sync']);
  if (!/changes only/.test(second.result.stdout)) {
    console.warn(`note: the second sync did not say "changes only":\n${second.result.stdout}`);
  }

  // The floor: the same requests, in the same order, one at a time with plain node:https (keep-alive, as the
  // SDK's fetch has on Node 20), each body read to the end and thrown away.
  const agent = new Agent({ ca: caPem, keepAlive: true, maxSockets: 1 });
  const get = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        `${orgUrl}${path}`,
        { agent, headers: { authorization: `SSWS ${okta.apiToken}`, accept: 'application/json' } },
        (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.on('end', () => {
            if (res.statusCode === 200) resolve(bytes);
            else reject(new Error(`floor: ${path} answered ${String(res.statusCode)}`));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const byFamily = new Map<string, { n: number; ms: number; bytes: number }>();
  const familyOf = (path: string) => {
    const pathname = path.split('?')[0] ?? path;
    if (/^\/api\/v1\/groups\/[^/]+\/users$/.test(pathname)) return 'group members';
    if (pathname === '/api/v1/users') return path.includes('search=') ? 'users (search)' : 'users';
    return pathname;
  };
  okta.requests.clear();
  const floorStart = performance.now();
  for (const path of full.paths) {
    const t = performance.now();
    const bytes = await get(path);
    const f = byFamily.get(familyOf(path)) ?? { n: 0, ms: 0, bytes: 0 };
    byFamily.set(familyOf(path), { n: f.n + 1, ms: f.ms + performance.now() - t, bytes: f.bytes + bytes });
  }
  const floorMs = performance.now() - floorStart;
  agent.destroy();

  const mb = (kb: number) => (kb / 1024).toFixed(0);
  const cpu = (u: Usage) => `${((u.userUs + u.systemUs) / 1000).toFixed(0)} ms CPU`;
  const statuses = STATUS_MIX.map(([s]) => `${s} ${String(statusCounts.get(s) ?? 0)}`).join(', ');
  const totalBytes = [...byFamily.values()].reduce((sum, f) => sum + f.bytes, 0);
  console.log(`users: ${String(userCount)} (${statuses})`);
  console.log(
    `groups: ${String(groupCount)} (+ Everyone); memberships: ${String(memberships)}; largest group: ${String(largestGroup)}`,
  );
  console.log(`org built in ${buildMs.toFixed(0)} ms; migrate ${migrate.ms.toFixed(0)} ms`);
  console.log(`IdP requests (full sync): ${String(full.paths.length)}; ${(totalBytes / 1e6).toFixed(1)} MB of JSON`);
  console.log(
    `full sync (CLI): ${full.ms.toFixed(0)} ms wall, ${cpu(full.usage)}; emulator busy ${full.emulatorBusyMs.toFixed(0)} ms`,
  );
  console.log(
    `  of which: start-up to first IdP answer ${full.firstRequestMs.toFixed(0)} ms, ` +
      `reading (first to last IdP answer) ${(full.lastRequestMs - full.firstRequestMs).toFixed(0)} ms, ` +
      `after the last IdP answer (mirror, plan, apply to JSONL, exit) ${(full.ms - full.lastRequestMs).toFixed(0)} ms`,
  );
  console.log(`floor (${String(full.paths.length)} same GETs, sequential node:https): ${floorMs.toFixed(0)} ms`);
  for (const [family, f] of byFamily) {
    console.log(`  ${family}: ${String(f.n)} requests, ${f.ms.toFixed(0)} ms, ${(f.bytes / 1e6).toFixed(1)} MB`);
  }
  console.log(`ratio full sync / floor: ${(full.ms / floorMs).toFixed(2)}`);
  console.log(`peak RSS (full sync child): ${mb(full.usage.maxRssKb)} MB; JSONL target lines: ${String(jsonlLines)}`);
  if (process.env['BENCH_SHOW_OUTPUT'] === '1') console.log(`full sync stdout:\n${full.result.stdout}`);
  console.log(
    `second sync (incremental, no-op): ${second.ms.toFixed(0)} ms wall, ${cpu(second.usage)}; ` +
      `IdP requests: ${String(second.paths.length)} (${second.paths.map((p) => p.split('?')[0]).join(', ')}); ` +
      `peak RSS ${mb(second.usage.maxRssKb)} MB`,
  );
} finally {
  await okta.stop();
  rmSync(dir, { recursive: true, force: true });
}
