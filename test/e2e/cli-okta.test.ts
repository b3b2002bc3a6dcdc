import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDirectoryFile } from '../../connectors/sandbox/sandbox-directory-file.js';
import { OktaOrgEmulator } from '../emulators/okta/okta-org-emulator.js';
import type { OktaUserStatus } from '../emulators/okta/okta-records.js';
import { SmtpTestServer } from '../emulators/smtp/smtp-test-server.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { expectAppExact, scimWrites } from '../support/expected-app.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const API_TOKEN = 'e2e-okta-api-token';
const SCIM_TOKEN = 'e2e-scim-token';

describe.each(DIALECTS)('dirsync sync through the CLI on Okta (real SDK, HTTPS emulator) — %s mirror', (dialect) => {
  // The org's history starts ten minutes ago, so the no-op read below is older than dirsync's one-minute overlap
  // (which re-reads anything changed in the last minute, by design); the changes later happen "now".
  let offsetMs = -10 * 60_000;
  const okta = new OktaOrgEmulator({ apiToken: API_TOKEN, clock: { now: () => new Date(Date.now() + offsetMs) } });
  const scim = new ScimTestServer({ token: SCIM_TOKEN });
  const smtp = new SmtpTestServer();
  const userIds = new Set<string>();
  const groupIds = new Set<string>();
  let database: TestDatabase;
  let env: Record<string, string>;

  const user = (login: string, status: OktaUserStatus, names: [string, string] = ['Test', 'Person'], email = login) => {
    const created = okta.store.createUser({
      profile: { login, email, firstName: names[0], lastName: names[1] },
      status,
    });
    userIds.add(created.id);
    return created.id;
  };
  const group = (name: string, members: string[]) => {
    const created = okta.store.createGroup({ name });
    for (const id of members) okta.store.addMember(created.id, id);
    groupIds.add(created.id);
    return created.id;
  };

  // The emulator's org in the oracle's terms; Everyone (BUILT_IN) is left out as DESIGN says.
  const asDirectory = (): SandboxDirectoryFile => ({
    users: [...userIds].map((id) => {
      const u = okta.store.user(id);
      return {
        id,
        userName: u.profile.login,
        email: u.profile.email,
        givenName: u.profile.firstName,
        familyName: u.profile.lastName,
        status: u.status,
      };
    }),
    groups: [...groupIds].map((id) => {
      const g = okta.store.group(id);
      return { id, displayName: g.profile.name, members: [...g.members] };
    }),
  });

  beforeAll(async () => {
    assertBuilt();
    const { orgUrl, caPath } = await okta.start();
    database = await createTestDatabase(dialect, 'cli_okta');
    env = {
      DATABASE_URL: database.url,
      OKTA_CLIENT_ORGURL: orgUrl,
      OKTA_CLIENT_TOKEN: API_TOKEN,
      NODE_EXTRA_CA_CERTS: caPath,
      APP_SCIM_URL: await scim.start(),
      APP_SCIM_TOKEN: SCIM_TOKEN,
      SMTP_URL: (await smtp.start()).url,
      INVITE_FROM: 'it@acme.example',
    };
    const ada = user('ada@acme.example', 'ACTIVE', ['Ada', 'Lovelace'], 'ada.lovelace@mail.example');
    const bob = user('bob@acme.example', 'PASSWORD_EXPIRED', ['Bob', "O'Brien"]);
    const cyd = user('cyd@acme.example', 'STAGED', ['Cyd', 'Zoë']);
    const dan = user('dan@acme.example', 'LOCKED_OUT', ['Dan', 'Müller']);
    user('eve@acme.example', 'SUSPENDED', ['Eve', 'Søren']);
    user('fay@acme.example', 'DEPROVISIONED', ['Fay', 'Łukasz']);
    user('gus@acme.example', 'RECOVERY', ['Gus', '佐藤']);
    user('Hal@acme.example', 'PROVISIONED', ['Hal', 'Case']);
    group('Engineering', [ada, bob, cyd]);
    group('Support', [dan]);
    group('Empty', []);
  });
  afterAll(async () => {
    await okta.stop();
    await scim.stop();
    await smtp.stop();
    await database.destroy();
  });

  const sync = async () => {
    const result = await runCli(['sync'], env);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    return result;
  };
  const exact = () => {
    expectAppExact(scim, asDirectory());
  };
  const writes = () => scimWrites(scim);

  it('first sync: a full read creates the active people and groups (Everyone left out), inviting each once', async () => {
    expect((await runCli(['migrate'], env)).code).toBe(0);
    const result = await sync();
    expect(result.stdout).toMatch(/full read/);
    exact();
    expect(scim.groupByName('Everyone')).toBeUndefined();
    expect(smtp.messages()).toHaveLength(5); // ada, bob, dan, gus, Hal
  });

  it('a no-op sync costs three Okta requests, re-reads no group members, writes nothing and sends no mail', async () => {
    okta.requests.clear();
    const before = { writes: writes(), mails: smtp.messages().length };
    const result = await sync();
    expect(result.stdout).toMatch(/changes only/);
    // The first sync applied all it planned and left nothing waiting: this first no-op stands on it.
    expect(result.stderr).toContain('planning skipped');
    expect(okta.requests.entries.map((r) => r.path.split('?')[0])).toEqual([
      '/api/v1/users',
      '/api/v1/groups',
      '/api/v1/logs',
    ]);
    expect(writes()).toBe(before.writes);
    expect(smtp.messages().length).toBe(before.mails);
  });

  it('a no-op after a no-op skips planning: same summary and status as a planned no-op, same three requests', async () => {
    // The first sync left the basis (it applied everything) and the previous no-op stood on it: forget it to plan.
    await database.db.updateTable('connections').set({ noop_basis: null }).execute();
    const normalise = (text: string) =>
      text.replace(/\d+\.\d s \(run [0-9a-f-]+\)/g, 'T s (run R)').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'R');
    const planned = await sync();
    const plannedStatus = await runCli(['status'], env);
    okta.requests.clear();
    const before = { writes: writes(), mails: smtp.messages().length };
    const skipped = await sync();
    const skippedStatus = await runCli(['status'], env);
    expect(okta.requests.entries).toHaveLength(3);
    expect(writes()).toBe(before.writes);
    expect(smtp.messages().length).toBe(before.mails);
    expect(normalise(skipped.stdout)).toBe(normalise(planned.stdout));
    expect(skipped.stderr).toContain('planning skipped');
    expect(planned.stderr).not.toContain('planning skipped');
    // `status` lists one run more; the newest reads the same, and so does everything else.
    const runLine = /^\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+(.*)$/;
    const statusOf = (text: string) => ({
      newest: text
        .split('\n')
        .map((line) => runLine.exec(line)?.[1])
        .find((run) => run !== undefined),
      rest: text
        .split('\n')
        .filter((line) => !runLine.test(line))
        .join('\n'),
    });
    expect(statusOf(skippedStatus.stdout)).toEqual(statusOf(plannedStatus.stdout));
    expect(statusOf(skippedStatus.stdout).newest).toMatch(/^succeeded\s+incremental\s+cli$/);
  });

  it('follows deactivation, suspension, deletion, reactivation, activation of a staged user, renames and moves', async () => {
    offsetMs = 0;
    const s = okta.store;
    const id = (login: string) => [...userIds].find((u) => s.user(u).profile.login === login)!;
    const gid = (name: string) => [...groupIds].find((g) => s.group(g).profile.name === name)!;
    s.setStatus(id('bob@acme.example'), 'SUSPENDED');
    s.setStatus(id('dan@acme.example'), 'DEPROVISIONED');
    const gus = id('gus@acme.example');
    s.setStatus(gus, 'DEPROVISIONED');
    s.deleteUser(gus);
    userIds.delete(gus);
    s.setStatus(id('eve@acme.example'), 'ACTIVE'); // was SUSPENDED, never created: created now
    s.setStatus(id('cyd@acme.example'), 'ACTIVE'); // staged → active
    s.updateUser(id('ada@acme.example'), { login: 'ada.l@acme.example', email: 'ada@acme.example' });
    user('ivy@acme.example', 'ACTIVE', ['Ivy', 'New']);
    s.renameGroup(gid('Engineering'), 'Engineering & Product');
    const support = gid('Support');
    s.deleteGroup(support);
    groupIds.delete(support);
    group('Sales', [id('eve@acme.example'), id('ivy@acme.example')]);
    s.removeMember(gid('Engineering & Product'), id('ada.l@acme.example'));
    s.addMember(gid('Empty'), id('ada.l@acme.example'));
    const mails = smtp.messages().length;
    await sync();
    exact();
    expect(
      smtp
        .messages()
        .slice(mails)
        .map((m) => m.envelopeTo[0])
        .sort(),
    ).toEqual(['cyd@acme.example', 'eve@acme.example', 'ivy@acme.example']);

    // Bob comes back: reactivated, no new invite.
    s.setStatus(id('bob@acme.example'), 'ACTIVE');
    const before = smtp.messages().length;
    const back = await sync();
    expect(back.stdout).toMatch(/reactivated\s+1\s+1/);
    exact();
    expect(smtp.messages().length).toBe(before);
  });

  it('a read that fails past its retries changes nothing in the app, and the next run applies the change', async () => {
    const s = okta.store;
    const ivy = [...userIds].find((u) => s.user(u).profile.login === 'ivy@acme.example')!;
    s.setStatus(ivy, 'SUSPENDED');
    okta.faults.inject({ path: /^\/api\/v1\/groups/, times: 100, kind: { type: 'status', status: 503 } });
    const before = writes();
    const failed = await runCli(['sync'], env);
    okta.faults.clear();
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(
      /dirsync: Okta at https:\/\/127\.0\.0\.1:\d+ did not answer GET \/api\/v1\/groups.*retried/,
    );
    expect(writes()).toBe(before); // a half-read directory deactivates no one
    expect(scim.users().find((u) => u.externalId === ivy)?.active).toBe(true);
    await sync();
    expect(scim.users().find((u) => u.externalId === ivy)?.active).toBe(false);
    exact();
  }, 60_000);

  it('a wrong token fails with exit 2 and one line naming OKTA_CLIENT_TOKEN, changing nothing', async () => {
    const before = writes();
    const result = await runCli(['sync'], { ...env, OKTA_CLIENT_TOKEN: 'wrong-okta-token-zz' });
    expect(result.code).toBe(2);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('dirsync:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/OKTA_CLIENT_TOKEN is rejected by https:\/\/127\.0\.0\.1:\d+: E0000011/);
    expect(result.stdout + result.stderr).not.toContain('wrong-okta-token-zz');
    expect(writes()).toBe(before);
  });
});
