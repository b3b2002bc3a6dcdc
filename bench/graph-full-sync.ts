// How long does a first (full delta round) `dirsync sync` of a big Entra ID tenant take through the CLI, against the
// Graph emulator, and how far is it from the floor: the same delta pages fetched sequentially with plain node:https
// in this process (no SDK, no database, no planning)? Also prints the IdP requests, the child's peak RSS and a second
// (no-op) sync. The target is a JSONL file (the app side is not what this measures); no SMTP, no invites.
// Usage: npm run build && npx vite-node bench/graph-full-sync.ts [users] [groups]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphEmulator } from '../test/emulators/graph/graph-emulator.js';
import type { GraphLoggedRequest } from '../test/emulators/graph/graph-request-log.js';
import { assertBuilt, runCli } from '../test/support/cli-process.js';
import { childUsage, USAGE_NODE_OPTIONS, withoutUsage } from './support/child-usage.js';
import { buildGraphBenchTenant } from './support/graph-bench-tenant.js';
import { graphDeltaResource, isGraphDeltaPage, measureGraphReadFloor } from './support/graph-read-floor.js';
import { startGraphForDirsync } from '../test/emulators/graph/graph-dirsync-env.js';

const userCount = Number(process.argv[2] ?? 20_000);
const groupCount = Math.max(8, Number(process.argv[3] ?? 200));
const TENANT = '6f0c4a3e-0000-4000-8000-00000000be01';
const CLIENT = '0b8f7d2c-0000-4000-8000-00000000be02';
const SECRET = 'bench-graph-secret';

const peakRssMb = (stderr: string): number | undefined => {
  const usage = childUsage(stderr);
  return usage === undefined ? undefined : usage.maxRssKb / 1024;
};

assertBuilt();
const emulator = new GraphEmulator();
const dir = mkdtempSync(join(tmpdir(), 'dirsync-bench-graph-'));
try {
  const { endpoints, env: graphEnv } = await startGraphForDirsync(emulator, {
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SECRET,
  });
  const buildStart = performance.now();
  const shape = buildGraphBenchTenant(emulator.directory, { users: userCount, groups: groupCount });
  // groups/delta objects: a group's members@delta holds at most 100 members, a bigger group repeats.
  const groupObjects = shape.groupSizes.reduce((sum, n) => sum + Math.max(1, Math.ceil(n / 100)), 0);
  const buildMs = performance.now() - buildStart;
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'dirsync.db')}`,
    ...graphEnv,
    APP_JSONL_PATH: join(dir, 'changes.jsonl'),
    INVITE_MODE: 'off',
    LOG_LEVEL: 'warn',
    NODE_OPTIONS: USAGE_NODE_OPTIONS,
  };
  const migrated = await runCli(['migrate'], env);
  if (migrated.code !== 0) throw new Error(`migrate exited ${migrated.code}: ${migrated.stderr}`);

  const timedSync = async (label: string) => {
    emulator.clearRequests();
    const start = performance.now();
    const result = await runCli(['sync'], env);
    const ms = performance.now() - start;
    if (result.code !== 0) throw new Error(`${label} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    const requests = emulator.requests();
    return { ms, result, requests, rssMb: peakRssMb(result.stderr) };
  };
  // What a child costs before it does anything: Node start-up and loading the CLI's modules.
  const startupStart = performance.now();
  const startup = await runCli(['--help'], env);
  const startupMs = performance.now() - startupStart;
  const first = await timedSync('first sync');
  const second = await timedSync('second sync');

  // The floor: the delta pages of the first sync, sequentially, plain node:https, one token fetched beforehand.
  const floor = await measureGraphReadFloor(
    { tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, ...endpoints },
    first.requests,
  );
  const syncPagesBy = (resource: string) =>
    first.requests.filter(isGraphDeltaPage).filter((r) => graphDeltaResource(r.url) === resource).length;

  const count = (requests: readonly GraphLoggedRequest[]) => {
    const tokenRequests = requests.filter((r) => r.service === 'token').length;
    const graph = requests.filter((r) => r.service === 'graph');
    const other = graph.filter((r) => !isGraphDeltaPage(r)).length;
    const failed = requests.filter((r) => r.status >= 400).length;
    return `${requests.length} (token service ${tokenRequests}, Graph ${graph.length}: ${graph.length - other} delta pages${other > 0 ? `, ${other} other` : ''}${failed > 0 ? `; ${failed} answered >= 400` : ''})`;
  };
  const mb = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(0)} MB`);
  const summary = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((line) => `    | ${line}`)
      .join('\n');
  const line = '-'.repeat(100);

  console.log(line);
  console.log(
    `users: ${userCount} (${shape.disabled} disabled, ${shape.guests} guests with #EXT# UPNs, ${shape.noMail} members without mail)`,
  );
  console.log(
    `groups: ${groupCount}; ${shape.memberships} direct memberships; big: ${shape.bigGroups.map((b) => `${b.name} ${b.members}`).join(', ')}`,
  );
  console.log(
    `  groups/delta objects (<= 100 members@delta each): ~${groupObjects}; tenant built in ${buildMs.toFixed(0)} ms`,
  );
  console.log(
    `CLI start-up (dirsync --help, same env): ${startupMs.toFixed(0)} ms; peak RSS ${mb(peakRssMb(startup.stderr))}`,
  );
  console.log(
    `first sync (full delta round, CLI child): ${first.ms.toFixed(0)} ms; peak RSS ${mb(first.rssMb)}; IdP requests ${count(first.requests)}`,
  );
  console.log(`  delta pages: users ${syncPagesBy('users')}, groups ${syncPagesBy('groups')}`);
  console.log(summary(first.result.stdout));
  const firstWarnings = withoutUsage(first.result.stderr);
  if (firstWarnings !== '') console.log(`  stderr:\n${firstWarnings.slice(0, 2000)}`);
  console.log(
    `second sync (no changes): ${second.ms.toFixed(0)} ms; peak RSS ${mb(second.rssMb)}; IdP requests ${count(second.requests)}`,
  );
  console.log(summary(second.result.stdout));
  console.log(
    `floor (${floor.pages} delta pages, sequential, plain node:https, ${(floor.bytes / 1024 / 1024).toFixed(1)} MB of JSON): ${floor.ms.toFixed(0)} ms`,
  );
  console.log(`  floor ${floor.mode}: users ${floor.pagesBy.users}, groups ${floor.pagesBy.groups} pages`);
  console.log(`ratio first sync / floor: ${(first.ms / floor.ms).toFixed(1)}`);
  console.log(line);
} finally {
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
}
