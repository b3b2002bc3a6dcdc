// How long does a full `dirsync sync` of a big Okta org take through the CLI, and how much memory does it need?
// Builds an org in the HTTPS Okta emulator (default 20 000 users with a realistic status mix, unicode names, and 200
// overlapping groups), runs `dirsync migrate` and a full `dirsync sync` (SQLite, JSONL target, no invites), then a
// second, incremental no-op sync. Prints wall time, IdP requests and the child's peak RSS, and the ratio to a floor
// measured in the same run: the very requests the sync made (paths and queries from the emulator's log, in order)
// fetched sequentially with plain node:https (no SDK, no parsing, no database).
// Usage: npm run build && npx vite-node bench/okta-full-sync.ts [users] [groups]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OktaOrgEmulator } from '../test/emulators/okta/okta-org-emulator.js';
import { assertBuilt, runCli, type CliResult } from '../test/support/cli-process.js';
import { childUsage, cpuMs, USAGE_NODE_OPTIONS, type ChildUsage } from './support/child-usage.js';
import { buildOktaBenchOrg, OKTA_STATUS_MIX } from './support/okta-bench-org.js';
import { measureOktaReadFloor } from './support/okta-read-floor.js';

const userCount = Number(process.argv[2] ?? 20_000);
const groupCount = Number(process.argv[3] ?? 200);
if (!Number.isInteger(userCount) || userCount < 1 || !Number.isInteger(groupCount) || groupCount < 1) {
  throw new Error('usage: vite-node bench/okta-full-sync.ts [users ≥ 1] [groups ≥ 1]');
}
assertBuilt();

// The emulator's clock runs ten minutes behind, so the org's history is older than the no-op read's one-minute
// overlap (which re-reads everything changed in the last minute, by design): the second sync really is a no-op.
const okta = new OktaOrgEmulator({
  apiToken: 'bench-okta-token',
  clock: { now: () => new Date(Date.now() - 10 * 60_000) },
  rateLimit: { limit: 1_000_000_000 },
});
const dir = mkdtempSync(join(tmpdir(), 'dirsync-okta-bench-'));

interface TimedRun {
  readonly ms: number;
  readonly result: CliResult;
  readonly usage: ChildUsage;
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
  // The org: 1–3 groups per user, skewed so a few groups are big.
  const buildStart = performance.now();
  const org = buildOktaBenchOrg(okta.store, { users: userCount, groups: groupCount });
  const { statusCounts, memberships } = org;
  const largestGroup = Math.max(0, ...org.groupSizes);
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
    NODE_OPTIONS: USAGE_NODE_OPTIONS,
  };

  const parseUsage = (stderr: string): ChildUsage => {
    const usage = childUsage(stderr);
    if (usage === undefined) throw new Error(`the child printed no resource usage (NODE_OPTIONS --import?): ${stderr}`);
    return usage;
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

  // The floor: the same requests, in the same order, one at a time with plain node:https.
  const floor = await measureOktaReadFloor({ orgUrl, caPem, apiToken: okta.apiToken }, full.paths);
  const { byFamily, ms: floorMs, bytes: totalBytes } = floor;

  const mb = (kb: number) => (kb / 1024).toFixed(0);
  const cpu = (u: ChildUsage) => `${cpuMs(u).toFixed(0)} ms CPU`;
  const statuses = OKTA_STATUS_MIX.map(([s]) => `${s} ${String(statusCounts.get(s) ?? 0)}`).join(', ');
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
