import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDirectoryFile } from '../../connectors/sandbox/sandbox-directory-file.js';
import { GraphEmulator } from '../emulators/graph/graph-emulator.js';
import { OktaOrgEmulator } from '../emulators/okta/okta-org-emulator.js';
import { SmtpTestServer } from '../emulators/smtp/smtp-test-server.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { assertBuilt, runCli, startCli, waitFor } from '../support/cli-process.js';
import { expectAppExact, scimWrites } from '../support/expected-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { redisOptions, TEST_REDIS_URL } from '../support/test-redis.js';

const OKTA_TOKEN = 'many-okta-api-token';
const TENANT = '6f0c4a3e-0000-4000-8000-0000000c0001';
const CLIENT = '0b8f7d2c-0000-4000-8000-0000000c0002';
const GRAPH_SECRET = 'many-graph-secret';
const SCIM_A = 'many-scim-token-acme';
const SCIM_B = 'many-scim-token-globex';

// DESIGN "Connections": two tenants (an Okta org and an Entra tenant) into two SCIM apps, one database, one
// connections file whose secrets stay in the environment; through the CLI and through the worker.
describe('many connections in one deployment (Okta + Graph emulators → two SCIM apps, one PostgreSQL)', () => {
  const okta = new OktaOrgEmulator({ apiToken: OKTA_TOKEN });
  const graph = new GraphEmulator();
  const acmeApp = new ScimTestServer({ token: SCIM_A });
  const globexApp = new ScimTestServer({ token: SCIM_B });
  const smtp = new SmtpTestServer();
  const dir = mkdtempSync(join(tmpdir(), 'dirsync-many-'));
  const file = join(dir, 'connections.yaml');
  const queueName = `dirsync-test-many-${process.pid}`;
  const oktaUsers = new Set<string>();
  const oktaGroups = new Set<string>();
  let database: TestDatabase;
  let env: Record<string, string>;
  let yaml: (extra?: string, withGlobex?: boolean) => string;

  const oktaUser = (login: string, status: 'ACTIVE' | 'SUSPENDED' = 'ACTIVE') => {
    const id = okta.store.createUser({ profile: { login, email: login, firstName: 'A', lastName: login }, status }).id;
    oktaUsers.add(id);
    return id;
  };
  const oktaDirectory = (): SandboxDirectoryFile => ({
    users: [...oktaUsers].map((id) => {
      const u = okta.store.user(id);
      const { login, email, firstName, lastName } = u.profile;
      return { id, userName: login, email, givenName: firstName, familyName: lastName, status: u.status };
    }),
    groups: [...oktaGroups].map((id) => {
      const g = okta.store.group(id);
      return { id, displayName: g.profile.name, members: [...g.members] };
    }),
  });
  const graphDirectory = (): SandboxDirectoryFile => {
    const store = graph.directory;
    return {
      users: store.users().map((u) => ({
        id: u.id,
        userName: u.userPrincipalName,
        email: u.mail ?? u.userPrincipalName,
        givenName: u.givenName ?? '',
        familyName: u.surname ?? '',
        ...(u.displayName ? { displayName: u.displayName } : {}),
        status: u.accountEnabled ? ('ACTIVE' as const) : ('SUSPENDED' as const),
      })),
      groups: store.groups().map((g) => ({
        id: g.id,
        displayName: g.displayName,
        members: (store.members(g.id) ?? []).filter((m) => m.type === 'user').map((m) => m.id),
      })),
    };
  };
  /** Each app holds exactly its own tenant, and nothing of the other. */
  const expectBothExact = () => {
    expectAppExact(acmeApp, oktaDirectory());
    expectAppExact(globexApp, graphDirectory());
    const graphIds = new Set(graph.directory.users().map((u) => u.id));
    expect(acmeApp.users().filter((u) => !oktaUsers.has(u.externalId ?? ''))).toEqual([]);
    expect(globexApp.users().filter((u) => !graphIds.has(u.externalId ?? ''))).toEqual([]);
  };

  beforeAll(async () => {
    assertBuilt();
    const oktaEndpoint = await okta.start();
    const graphEndpoints = await graph.start();
    graph.registerApp({
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: GRAPH_SECRET,
      roles: ['User.Read.All', 'GroupMember.Read.All'],
    });
    // One CA bundle for both emulators: NODE_EXTRA_CA_CERTS takes one file of any number of certificates.
    const caPath = join(dir, 'ca-bundle.pem');
    writeFileSync(caPath, `${oktaEndpoint.caPem}\n${readFileSync(graphEndpoints.caPath, 'utf8')}`);
    database = await createTestDatabase('postgres', 'many_connections');
    const acmeUrl = await acmeApp.start();
    const globexUrl = await globexApp.start();
    const smtpUrl = (await smtp.start()).url;
    yaml = (extra = '', withGlobex = true) => `
connections:
  - id: acme
    idp: { type: okta, orgUrl: ${oktaEndpoint.orgUrl}, token: "\${ACME_OKTA_TOKEN}" }
    target: { type: scim, url: ${acmeUrl}, token: "\${ACME_SCIM_TOKEN}" }
    invites: { smtpUrl: "\${SMTP_URL}", from: "Acme IT <it@acme.example>" }
    schedule: 1h
${
  withGlobex
    ? `  - id: globex
    idp:
      type: graph
      tenantId: "\${GLOBEX_TENANT}"
      clientId: "\${GLOBEX_CLIENT}"
      clientSecret: "\${GLOBEX_SECRET}"
      authorityHost: ${graphEndpoints.authorityHost}
      graphBaseUrl: ${graphEndpoints.graphBaseUrl}
    target: { type: scim, url: ${globexUrl}, token: "\${GLOBEX_SCIM_TOKEN}" }
    invites: { smtpUrl: "\${SMTP_URL}", from: "Globex IT <it@globex.example>" }
`
    : ''
}${extra}`;
    writeFileSync(file, yaml());
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      DIRSYNC_QUEUE: queueName,
      DIRSYNC_CONNECTIONS_FILE: file,
      NODE_EXTRA_CA_CERTS: caPath,
      ACME_OKTA_TOKEN: OKTA_TOKEN,
      ACME_SCIM_TOKEN: SCIM_A,
      GLOBEX_TENANT: TENANT,
      GLOBEX_CLIENT: CLIENT,
      GLOBEX_SECRET: GRAPH_SECRET,
      GLOBEX_SCIM_TOKEN: SCIM_B,
      SMTP_URL: smtpUrl,
      DIRSYNC_LEASE_MS: '3000',
    };
    const ada = oktaUser('ada@acme.example');
    const bob = oktaUser('bob@acme.example');
    oktaUser('cy@acme.example', 'SUSPENDED');
    const eng = okta.store.createGroup({ name: 'Engineering' }).id;
    okta.store.addMember(eng, ada);
    okta.store.addMember(eng, bob);
    oktaGroups.add(eng);
    const d = graph.directory;
    const gail = d.createUser({
      userPrincipalName: 'gail@globex.example',
      mail: 'gail@globex.example',
      givenName: 'Gail',
      surname: 'G',
    });
    const hank = d.createUser({
      userPrincipalName: 'hank@globex.example',
      mail: 'hank@globex.example',
      givenName: 'Hank',
      surname: 'H',
    });
    d.createUser({ userPrincipalName: 'off@globex.example', accountEnabled: false, givenName: 'Off', surname: 'O' });
    const sales = d.createGroup({ displayName: 'Sales' });
    d.addMember(sales.id, gail.id);
    d.addMember(sales.id, hank.id);
  });
  afterAll(async () => {
    const queue = new Queue(queueName, { connection: redisOptions() });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await Promise.all([okta.stop(), graph.stop(), acmeApp.stop(), globexApp.stop(), smtp.stop()]);
    await database.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the registry without a secret, and asks for -c when a command needs one connection', async () => {
    expect((await runCli(['migrate'], env)).code).toBe(0);
    const list = await runCli(['connections'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/2 connection\(s\) from the connections file/);
    expect(list.stdout).toMatch(/acme +\(active\)\n +idp: +okta https:\/\/127\.0\.0\.1:\d+/);
    expect(list.stdout).toMatch(/globex +\(active\)\n +idp: +graph tenant 6f0c4a3e/);
    const json = await runCli(['connections', '--json'], env);
    const parsed = JSON.parse(json.stdout) as { connections: { id: string; schedule: string; lastRun: unknown }[] };
    expect(parsed.connections.map((c) => [c.id, c.schedule])).toEqual([
      ['acme', 'every 1h'],
      ['globex', 'every 15m'],
    ]);
    for (const secret of [OKTA_TOKEN, GRAPH_SECRET, SCIM_A, SCIM_B]) {
      expect(list.stdout + json.stdout).not.toContain(secret);
    }
    const ambiguous = await runCli(['sync'], env);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('2 connections are configured: pick one with -c ID (acme, globex)');
    const unknown = await runCli(['plan', '-c', 'initech'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no connection "initech" .* known: acme, globex/);
  });

  it('syncs each connection through the CLI into its own app; nothing crosses over', async () => {
    const acme = await runCli(['sync', '-c', 'acme'], env);
    expect(acme.code, acme.stderr).toBe(0);
    expect(acme.stdout).toMatch(/connection acme, https:\/\/127\.0\.0\.1/);
    expect(globexApp.requests()).toEqual([]);
    expectAppExact(acmeApp, oktaDirectory());
    const acmeWrites = scimWrites(acmeApp);

    const globex = await runCli(['sync', '--connection', 'globex'], env);
    expect(globex.code, globex.stderr).toBe(0);
    expect(scimWrites(acmeApp)).toBe(acmeWrites);
    expectBothExact();
    expect(
      smtp
        .messages()
        .map((m) => `${m.envelopeFrom} → ${m.envelopeTo.join()}`)
        .sort(),
    ).toEqual([
      'it@acme.example → ada@acme.example',
      'it@acme.example → bob@acme.example',
      'it@globex.example → gail@globex.example',
      'it@globex.example → hank@globex.example',
    ]);

    const status = await runCli(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/connection acme — okta .*\n(.*\n)*? +app: +2 users \(2 active\), 1 groups/);
    expect(status.stdout).toMatch(/connection globex — graph .*\n(.*\n)*? +app: +2 users \(2 active\), 1 groups/);
    const one = JSON.parse((await runCli(['status', '-c', 'globex', '--json'], env)).stdout) as {
      connections: { id: string; stored: { app: { users: number } } }[];
    };
    expect(one.connections.map((c) => [c.id, c.stored.app.users])).toEqual([['globex', 2]]);
  }, 120_000);

  it('`dirsync check` verifies each connection’s IdP, app, mail server, database and Redis, and names what fails', async () => {
    const before = [acmeApp.requests().length, globexApp.requests().length] as const;
    const good = await runCli(['check', '-c', 'acme'], env);
    expect(good.code, good.stdout).toBe(0);
    expect(good.stdout).toMatch(/ok +database/);
    expect(good.stdout).toMatch(/ok +redis/);
    expect(good.stdout).toMatch(/ok +okta users/);
    expect(good.stdout).toMatch(/ok +scim users/);
    expect(good.stdout).toMatch(/ok +smtp/);
    expect(good.stdout).toMatch(/all checks passed/);
    const bad = await runCli(['check', '-c', 'globex', '--json'], {
      ...env,
      GLOBEX_SECRET: 'not-the-secret',
      GLOBEX_SCIM_TOKEN: 'nope',
    });
    expect(bad.code).toBe(2);
    const report = JSON.parse(bad.stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(report.ok).toBe(false);
    const failed = report.checks.filter((check) => !check.ok).map((check) => check.name);
    expect(failed).toContain('graph token');
    expect(failed.some((name) => name.startsWith('scim'))).toBe(true);
    expect(bad.stdout).not.toContain('not-the-secret');
    // Nothing was written by either check.
    const writes = [...acmeApp.requests().slice(before[0]), ...globexApp.requests().slice(before[1])].filter(
      (r) => r.method !== 'GET',
    );
    expect(writes).toEqual([]);
  }, 120_000);

  it('the worker serves both on their schedules, and follows the connections file on SIGHUP', async () => {
    // Changes in both tenants since the CLI runs.
    const dee = oktaUser('dee@acme.example');
    okta.store.addMember([...oktaGroups][0]!, dee);
    const hank = graph.directory.users().find((u) => u.userPrincipalName === 'hank@globex.example')!;
    graph.directory.updateUser(hank.id, { accountEnabled: false });

    const runs = (connection: string) =>
      database.db
        .selectFrom('runs')
        .selectAll()
        .where('connection_id', '=', connection)
        .orderBy('started_at')
        .execute();
    const worker = startCli(['worker'], { ...env, WORKER_CONCURRENCY: '2', LOG_LEVEL: 'info' });
    try {
      for (const connection of ['acme', 'globex']) {
        await waitFor(
          `a scheduled run of ${connection}`,
          async () => (await runs(connection)).find((r) => r.trigger === 'schedule' && r.status === 'succeeded'),
          60_000,
        );
      }
      expectBothExact();
      const queue = new Queue(queueName, { connection: redisOptions() });
      try {
        const schedulerIds = async () => (await queue.getJobSchedulers(0, -1, true)).map((s) => s.id ?? s.key).sort();
        expect(await schedulerIds()).toEqual(['schedule-acme', 'schedule-globex']);

        // A broken file on SIGHUP: the worker says so and keeps what it had.
        writeFileSync(file, 'connections: [ { id: acme } ]');
        worker.child.kill('SIGHUP');
        await waitFor(
          'the refusal in the log',
          () => worker.output().stderr.includes('keeps the previous ones'),
          20_000,
        );
        expect(await schedulerIds()).toEqual(['schedule-acme', 'schedule-globex']);

        // globex removed, a sandbox connection added: schedules follow without a restart.
        const jsonl = join(dir, 'initech.jsonl');
        writeFileSync(
          file,
          yaml(
            `  - id: initech\n    idp: { type: sandbox }\n    target: { type: jsonl, path: ${jsonl} }\n    schedule: 2h\n`,
            false,
          ),
        );
        worker.child.kill('SIGHUP');
        await waitFor(
          'the new schedules',
          async () => JSON.stringify(await schedulerIds()) === JSON.stringify(['schedule-acme', 'schedule-initech']),
          20_000,
        );
        await waitFor(
          'the new connection’s first run',
          async () => (await runs('initech')).find((r) => r.status === 'succeeded'),
          60_000,
        );
        expect(readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).length).toBeGreaterThan(30);
      } finally {
        await queue.close();
      }
      // globex's data stays until an operator purges it; status says so.
      const status = await runCli(['status'], env);
      expect(status.stdout).toMatch(/connection globex — not in the registry any more \(data kept/);
      const purge = await runCli(['connections', 'remove', 'globex', '--purge'], env);
      expect(purge.code, purge.stderr).toBe(0);
      expect(purge.stdout).toMatch(/deleted connection globex: .*app_users/);
      expect(await runs('globex')).toEqual([]);
      expect((await runs('acme')).length).toBeGreaterThan(0);
    } finally {
      worker.child.kill('SIGTERM');
      expect((await worker.done).code).toBe(0);
    }
  }, 180_000);
});
