// Issue #13: how far is a first `dirsync sync` of a 100 000-user org from the floor, and does it stay within the
// targets of DESIGN "Performance"? For each IdP (the Okta and Graph emulators) it builds a deterministic org, starts a
// SCIM test server (generic dialect, strict, advertising /Bulk of --bulk operations) and an SMTP test server, runs `dirsync migrate`, a first `dirsync sync`
// (SQLite, invites on) and a no-op `dirsync sync` through the built CLI, then measures the floor in the same run:
// (a) every IdP page of the sync fetched sequentially with plain node:https, (b) the minimal SCIM creates (one POST
// per user and per group, one PATCH per chunk of members) and (c) one invite per created person over one SMTP
// connection, both sequential against fresh test servers. A sync past --timeout-s is stopped (SIGTERM) and its
// progress reported with an extrapolated time, labelled as such.
// Usage: npm run build && npx vite-node bench/scale.ts [--idp okta|graph|both] [--users N] [--groups N]
//          [--members-per-user K] [--timeout-s S] [--bulk N (0: the app has no /Bulk)]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ScimTestServer } from '../test/emulators/scim/scim-test-server.js';
import { SmtpTestServer } from '../test/emulators/smtp/smtp-test-server.js';
import { assertBuilt, runCli } from '../test/support/cli-process.js';
import { USAGE_NODE_OPTIONS, withoutUsage } from './support/child-usage.js';
import { cpuProfileNodeOptions } from './support/cpu-profile.js';
import { MailCounter, ScimWriteCounter } from './support/draining-counters.js';
import { startGraphScaleIdp } from './support/graph-scale-idp.js';
import { startOktaScaleIdp } from './support/okta-scale-idp.js';
import { readOutboxCensus } from './support/outbox-census.js';
import type { ScaleIdp, ScaleOrgSize } from './support/scale-idp.js';
import { formatScaleReport, type ScaleFigures } from './support/scale-report.js';
import { measureScimWriteFloor } from './support/scim-write-floor.js';
import { measureSmtpInviteFloor } from './support/smtp-invite-floor.js';
import { timedCliRun } from './support/timed-cli-run.js';

const SCIM_TOKEN = 'bench-scim-token';
/** Sent to the CLI as SCIM_MAX_MEMBERS_PER_PATCH and used by the write floor, so both chunk alike. */
const MEMBERS_PER_PATCH = 100;

const { values } = parseArgs({
  options: {
    idp: { type: 'string', default: 'both' },
    users: { type: 'string', default: '100000' },
    groups: { type: 'string', default: '1000' },
    'members-per-user': { type: 'string', default: '5' },
    'timeout-s': { type: 'string', default: '240' },
    // The SCIM app's /Bulk maxOperations as its /ServiceProviderConfig advertises it; 0: no /Bulk.
    bulk: { type: 'string', default: '100' },
  },
});
const positive = (name: string, raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1, not "${raw}"`);
  return value;
};
const size: ScaleOrgSize = {
  users: positive('users', values.users),
  groups: positive('groups', values.groups),
  membershipsPerUser: positive('members-per-user', values['members-per-user']),
};
const timeoutMs = positive('timeout-s', values['timeout-s']) * 1000;
const bulkOperations = values.bulk === '0' ? 0 : positive('bulk', values.bulk);
const starters: Record<string, (size: ScaleOrgSize) => Promise<ScaleIdp>> = {
  okta: startOktaScaleIdp,
  graph: startGraphScaleIdp,
};
const chosen = values.idp === 'both' ? ['okta', 'graph'] : [values.idp];
for (const name of chosen) {
  if (starters[name] === undefined) throw new Error(`--idp must be okta, graph or both, not "${name}"`);
}
assertBuilt();

for (const name of chosen) {
  const start = starters[name];
  if (start === undefined) continue;
  const lines = await benchIdp(await start(size));
  console.log(lines.join('\n'));
}

async function benchIdp(idp: ScaleIdp): Promise<string[]> {
  const scim = new ScimTestServer({
    token: SCIM_TOKEN,
    ...(bulkOperations === 0 ? {} : { bulk: { maxOperations: bulkOperations, maxPayloadSize: 1_048_576 } }),
  });
  const smtp = new SmtpTestServer();
  const dir = mkdtempSync(join(tmpdir(), 'dirsync-scale-bench-'));
  try {
    const scimUrl = await scim.start();
    const smtpUrl = (await smtp.start()).url;
    const dbPath = join(dir, 'dirsync.db');
    const env = {
      ...idp.env,
      DATABASE_URL: `sqlite:${dbPath}`,
      APP_SCIM_URL: scimUrl,
      APP_SCIM_TOKEN: SCIM_TOKEN,
      SCIM_MAX_MEMBERS_PER_PATCH: String(MEMBERS_PER_PATCH),
      SMTP_URL: smtpUrl,
      INVITE_FROM: 'Acme IT <it@acme.example>',
      // Info level: the CLI's progress lines (every 5 s) say which kind of op it is applying.
      LOG_LEVEL: 'info',
      // BENCH_CPU_PROF=<dir>: each CLI child writes a V8 CPU profile there (open in Chrome DevTools);
      // BENCH_NODE_OPTIONS: more options for the CLI children (e.g. an --import that traces memory).
      NODE_OPTIONS: [
        USAGE_NODE_OPTIONS,
        ...(process.env['BENCH_CPU_PROF'] === undefined ? [] : [cpuProfileNodeOptions(process.env['BENCH_CPU_PROF'])]),
        ...(process.env['BENCH_NODE_OPTIONS'] === undefined ? [] : [process.env['BENCH_NODE_OPTIONS']]),
      ].join(' '),
      // Writes in flight at once: set DIRSYNC_APPLY_CONCURRENCY in the bench's environment to compare settings.
      ...(process.env['DIRSYNC_APPLY_CONCURRENCY'] === undefined
        ? {}
        : { DIRSYNC_APPLY_CONCURRENCY: process.env['DIRSYNC_APPLY_CONCURRENCY'] }),
    };
    const migrated = await runCli(['migrate'], env);
    if (migrated.code !== 0) throw new Error(`dirsync migrate exited ${String(migrated.code)}: ${migrated.stderr}`);
    idp.takeRequests();

    const scimWrites = new ScimWriteCounter(scim);
    const mailCounter = new MailCounter(smtp);
    const probes = { idp: () => idp.requestCount(), scim: () => scimWrites.drain(), mail: () => mailCounter.drain() };
    const first = await timedCliRun(['sync'], env, { timeoutMs, probes });
    if (!first.timedOut && first.result.code !== 0) {
      throw new Error(
        `first sync exited ${String(first.result.code)}:\n${first.result.stdout}\n${withoutUsage(first.result.stderr)}`,
      );
    }
    const firstIdp = idp.takeRequests();
    const writes = { total: scimWrites.drain(), byRoute: new Map(scimWrites.byRoute) };
    const mails = mailCounter.drain();
    const census = readOutboxCensus(dbPath);

    let noopRun;
    if (!first.timedOut) {
      const writesBefore = writes.total;
      const run = await timedCliRun(['sync'], env, { timeoutMs, probes });
      if (!run.timedOut && run.result.code !== 0) {
        throw new Error(
          `no-op sync exited ${String(run.result.code)}:\n${run.result.stdout}\n${withoutUsage(run.result.stderr)}`,
        );
      }
      noopRun = { run, idp: idp.takeRequests(), writes: scimWrites.drain() - writesBefore };
    }
    // A scheduled worker's usual run: a no-op after a no-op. Both skip planning when the first sync left nothing
    // to do and nobody else wrote since (the basis a writing run stores, see src/sync/run-sync.ts).
    let steadyNoop;
    if (noopRun !== undefined && !noopRun.run.timedOut) {
      const run = await timedCliRun(['sync'], env, { timeoutMs, probes });
      steadyNoop = {
        run,
        idp: idp.takeRequests(),
        writes: scimWrites.drain() - writes.total - noopRun.writes,
        planSkipped: /planning skipped/.test(run.result.stdout + run.result.stderr),
      };
    }

    // The floors, after the syncs so they never compete with them for the two cores.
    const readFloor = await firstIdp.readFloor();
    const writeFloor = await measureScimWriteFloor(SCIM_TOKEN, {
      userCreates: census.userCreates,
      groupMembers: census.groupMembers,
      membersPerPatch: MEMBERS_PER_PATCH,
    });
    const mailFloor = await measureSmtpInviteFloor(census.invites);
    const noop = noopRun === undefined ? undefined : { ...noopRun, floor: await noopRun.idp.readFloor() };

    const figures: ScaleFigures = {
      title: `${idp.name}: ${size.users.toLocaleString('en-US')} users, ${size.groups.toLocaleString('en-US')} groups, ${String(size.membershipsPerUser)} memberships per user`,
      orgLines: idp.orgLines,
      first,
      timeoutMs,
      firstIdp,
      minimum: idp.minimum,
      noopMinimum: idp.noopMinimum,
      scimWrites: {
        total: writes.total,
        breakdown: [...writes.byRoute].map(([route, count]) => `${route} ${count.toLocaleString('en-US')}`).join(', '),
      },
      mails,
      census,
      readFloor,
      writeFloor,
      mailFloor,
      noop,
      steadyNoop,
    };
    const report = formatScaleReport(figures);
    if (process.env['BENCH_SHOW_OUTPUT'] === '1') {
      report.push(
        'first sync stdout:',
        ...first.result.stdout
          .trim()
          .split('\n')
          .map((l) => `  | ${l}`),
      );
    }
    return report;
  } finally {
    await idp.stop();
    await scim.stop();
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
