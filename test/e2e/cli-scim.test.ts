import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDirectoryFile } from '../../connectors/sandbox/sandbox-directory-file.js';
import { SmtpTestServer } from '../emulators/smtp/smtp-test-server.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { diffApp, expectedApp } from '../support/expected-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

type Status = SandboxDirectoryFile['users'][number]['status'];

function person(id: string, status: Status, overrides: Partial<SandboxDirectoryFile['users'][number]> = {}) {
  const given = id.charAt(0).toUpperCase() + id.slice(1);
  return {
    id,
    userName: `${id}@acme.example`,
    email: `${id}@acme.example`,
    givenName: given,
    familyName: 'Müller-O’Neil',
    status,
    ...overrides,
  };
}

const D0: SandboxDirectoryFile = {
  users: [
    person('ada', 'ACTIVE'),
    person('bob', 'ACTIVE'),
    person('cyd', 'STAGED'),
    person('dan', 'SUSPENDED'),
    person('eve', 'ACTIVE'),
    person('fay', 'PASSWORD_EXPIRED', { email: 'fay.private@mail.example' }),
    person('gus', 'LOCKED_OUT'),
    person('hal', 'DEPROVISIONED'),
    person('ivy', 'PROVISIONED'),
    person('jon', 'RECOVERY', { givenName: 'Jón', familyName: "D'Angelo", displayName: "Jón D'Angelo" }),
    person('kim', 'ACTIVE'),
  ],
  groups: [
    { id: 'g-eng', displayName: 'Eng', members: ['ada', 'bob', 'cyd', 'eve'] },
    { id: 'g-sales', displayName: 'Sales', members: ['fay', 'gus', 'hal'] },
    { id: 'g-empty', displayName: 'Nobody yet', members: [] },
    { id: 'g-all', displayName: 'Everyone', type: 'BUILT_IN', members: ['ada', 'bob', 'eve', 'kim'] },
  ],
};

const TOKEN = 'e2e-token';

describe.each([
  ['sqlite', 'strict'],
  ['postgres', 'limited'],
] as const)('dirsync sync through the CLI against a %s mirror and a %s SCIM app', (dialect, mode) => {
  const scim = new ScimTestServer({ token: TOKEN, mode });
  const smtp = new SmtpTestServer({ auth: { user: 'mailer', pass: 'mail-pass' } });
  let database: TestDatabase;
  let file: TempSandboxDirectoryFile;
  let env: Record<string, string>;

  beforeAll(async () => {
    assertBuilt();
    const scimUrl = await scim.start();
    const { url: smtpUrl } = await smtp.start();
    database = await createTestDatabase(dialect, `cli_scim_${mode}`);
    file = await writeSandboxDirectoryFile(D0);
    env = {
      DATABASE_URL: database.url,
      DIRSYNC_SANDBOX_FILE: file.path,
      APP_SCIM_URL: scimUrl,
      APP_SCIM_TOKEN: TOKEN,
      SMTP_URL: smtpUrl,
      INVITE_FROM: 'Acme IT <it@acme.example>',
      APP_NAME: 'Dashworks',
      APP_LOGIN_URL: 'https://app.dashworks.example/login',
      SCIM_MAX_MEMBERS_PER_PATCH: '2',
    };
  });
  afterAll(async () => {
    await scim.stop();
    await smtp.stop();
    await file.remove();
    await database.destroy();
  });

  const everCreated = () =>
    new Set(
      scim
        .users()
        .map((u) => u.externalId ?? '')
        .filter(Boolean),
    );
  const sync = async (...args: string[]) => {
    const result = await runCli(['sync', ...args], env);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    return result;
  };
  const writes = () => scim.requests().filter((r) => r.method !== 'GET').length;
  const invitedIds = (from = 0) =>
    smtp
      .messages()
      .slice(from)
      .map((m) => m.envelopeTo.join(','))
      .sort();

  it('first sync: creates the active people and in-scope groups, adopts an existing account, invites each created person once', async () => {
    // Kim already has an account in the app, created by hand with a different case: adopted, not invited.
    scim.seedUser({ userName: 'KIM@acme.example', displayName: 'Kim by hand', active: true });
    const result = await sync();
    expect(result.stdout).toMatch(/created\s+8\s+8/);
    expect(diffApp(scim, expectedApp(D0, everCreated()), everCreated())).toEqual([]);
    expect(scim.userByName('kim@acme.example')?.externalId).toBe('kim');
    expect(scim.groupByName('Everyone')).toBeUndefined();
    expect(scim.groupByName('Nobody yet')?.members ?? []).toEqual([]);
    expect(invitedIds()).toEqual(
      ['ada', 'bob', 'eve', 'fay.private@mail.example', 'gus', 'ivy', 'jon']
        .map((x) => (x.includes('@') ? x : `${x}@acme.example`))
        .sort(),
    );
    const [mail] = smtp.messages().filter((m) => m.envelopeTo[0] === 'ada@acme.example');
    expect(mail?.envelopeTo).toHaveLength(1);
    expect(mail?.envelopeFrom).toBe('it@acme.example');
    expect(mail?.subject).toContain('Dashworks');
    expect(mail?.text).toContain('https://app.dashworks.example/login');
    expect(mail?.messageId).toMatch(/^<invite\..+@acme\.example>$/);
  });

  it('a no-op sync makes no SCIM write and sends no mail', async () => {
    const before = { writes: writes(), mails: smtp.messages().length };
    const result = await sync();
    expect(result.stdout).toMatch(/created\s+0\s+0/);
    expect(writes()).toBe(before.writes);
    expect(smtp.messages().length).toBe(before.mails);
  });

  it('follows suspensions, deletions, first activations, renames and membership moves, inviting only the newly created', async () => {
    const mailsBefore = smtp.messages().length;
    const D1: SandboxDirectoryFile = {
      users: [
        person('ada', 'ACTIVE', { userName: 'ada.lovelace@acme.example', email: 'ada.lovelace@acme.example' }),
        person('bob', 'SUSPENDED'),
        person('cyd', 'ACTIVE'), // staged → active: created now, invited now
        person('dan', 'ACTIVE'), // never active before: created now, invited now
        // eve deleted from the directory
        person('fay', 'DEPROVISIONED', { email: 'fay.private@mail.example' }),
        person('gus', 'LOCKED_OUT', { email: 'gus.new@acme.example' }),
        person('hal', 'DEPROVISIONED'),
        person('ivy', 'PROVISIONED'),
        person('jon', 'RECOVERY', { givenName: 'Jón', familyName: "D'Angelo", displayName: "Jón D'Angelo" }),
        person('kim', 'ACTIVE'),
      ],
      groups: [
        { id: 'g-eng', displayName: 'Engineering', members: ['ada', 'bob', 'cyd', 'ivy'] },
        // sales deleted
        { id: 'g-empty', displayName: 'Nobody yet', members: [] },
        { id: 'g-ops', displayName: 'Ops', members: ['dan', 'gus', 'kim'] },
        { id: 'g-all', displayName: 'Everyone', type: 'BUILT_IN', members: ['ada'] },
      ],
    };
    await file.write(D1);
    const created = everCreated();
    await sync();
    const ever = new Set([...created, 'cyd', 'dan']);
    expect(diffApp(scim, expectedApp(D1, ever), ever)).toEqual([]);
    expect(scim.users().find((u) => u.externalId === 'eve')?.active).toBe(false);
    expect(scim.users().find((u) => u.externalId === 'ada')?.userName).toBe('ada.lovelace@acme.example');
    expect(scim.groupByName('Sales')).toBeUndefined();
    expect(invitedIds(mailsBefore)).toEqual(['cyd@acme.example', 'dan@acme.example']);
    // No user was ever deleted from the app.
    expect(scim.countRequests({ method: 'DELETE', path: /^\/Users/ })).toBe(0);

    // Bob comes back: reactivated, not invited again.
    const mailsBeforeReactivation = smtp.messages().length;
    await file.write({ ...D1, users: D1.users.map((u) => (u.id === 'bob' ? { ...u, status: 'ACTIVE' as const } : u)) });
    const back = await sync();
    expect(back.stdout).toMatch(/reactivated\s+1\s+1/);
    expect(scim.users().find((u) => u.externalId === 'bob')?.active).toBe(true);
    expect(smtp.messages().length).toBe(mailsBeforeReactivation);

    const status = await runCli(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/0 pending, 0 failed/);
  });

  it('a rejected SCIM token stops with exit 2 and one line that names APP_SCIM_TOKEN, without the token', async () => {
    await file.write({ ...D0, users: [...D0.users, person('new', 'ACTIVE')] });
    const result = await runCli(['sync'], { ...env, APP_SCIM_TOKEN: 'wrong-token-zz9' });
    expect(result.code).toBe(2);
    const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('dirsync:'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/APP_SCIM_TOKEN is rejected by http:\/\/127\.0\.0\.1:\d+\/scim\/v2/);
    expect(result.stdout + result.stderr).not.toContain('wrong-token-zz9');
  });
});
