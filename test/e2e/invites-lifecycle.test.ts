import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDirectoryFile } from '../../connectors/sandbox/sandbox-directory-file.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { SmtpTestServer } from '../emulators/smtp/smtp-test-server.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli, type CliResult } from '../support/cli-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const TOKEN = 'invites-e2e-token';

const person = (id: string, status: 'ACTIVE' | 'SUSPENDED' = 'ACTIVE') => ({
  id,
  userName: `${id}@acme.example`,
  email: `${id}@acme.example`,
  givenName: id.toUpperCase(),
  familyName: 'Test',
  status,
});
const D0: SandboxDirectoryFile = {
  users: ['ada', 'bob', 'cyd', 'dan'].map((id) => person(id)),
  groups: [],
};

interface ListedInvite {
  readonly userExternalId: string;
  readonly state: string;
  readonly sends: number;
  readonly reminders: number;
  readonly due: { readonly sendNumber: number; readonly kind: string } | null;
}

// The invite lifecycle an admin works with every week (DESIGN "Invites lifecycle", the Dashworks members page),
// through the CLI, against the SMTP test server, on both databases.
describe.each(DIALECTS)('the invite lifecycle through the CLI (%s)', (dialect) => {
  const scim = new ScimTestServer({ token: TOKEN });
  const smtp = new SmtpTestServer();
  let database: TestDatabase;
  let file: TempSandboxDirectoryFile;
  let env: Record<string, string>;
  let templates: string;

  const ok = (result: CliResult) => {
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    return result;
  };
  const cli = async (...args: string[]) => ok(await runCli(args, env));
  const listed = async (): Promise<Map<string, ListedInvite>> => {
    const result = await cli('invites', '--json');
    const body = JSON.parse(result.stdout) as { invites: ListedInvite[] };
    return new Map(body.invites.map((entry) => [entry.userExternalId, entry]));
  };
  const mailsTo = (id: string) => smtp.messages().filter((mail) => mail.to.includes(`${id}@acme.example`));

  beforeAll(async () => {
    assertBuilt();
    database = await createTestDatabase(dialect, 'e2e_invites');
    file = await writeSandboxDirectoryFile(D0);
    // The connection's own templates: the bundled ones with another subject.
    templates = await mkdtemp(join(tmpdir(), 'dirsync-invite-templates-'));
    await cp(join(process.cwd(), 'templates', 'invite'), templates, { recursive: true });
    await writeFile(join(templates, 'subject.liquid'), 'Bienvenue sur {{ app_name }} ({{ kind }} {{ send_number }})');
    env = {
      DATABASE_URL: database.url,
      DIRSYNC_SANDBOX_FILE: file.path,
      APP_SCIM_URL: await scim.start(),
      APP_SCIM_TOKEN: TOKEN,
      SMTP_URL: (await smtp.start()).url,
      INVITE_FROM: 'Acme IT <it@acme.example>',
      APP_NAME: 'Dashworks',
      INVITE_ON_FIRST_SYNC: 'false',
      INVITE_TEMPLATE_DIR: templates,
    };
    expect((await runCli(['migrate'], env)).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await scim.stop();
    await smtp.stop();
    await database.destroy();
    await file.remove();
    await rm(templates, { recursive: true, force: true });
  });

  it('a quiet first sync provisions everyone and invites nobody; they are listed not-invited', async () => {
    await cli('sync');
    expect(scim.users()).toHaveLength(4);
    expect(smtp.messages()).toHaveLength(0);
    const invites = await listed();
    expect([...invites.values()].map((entry) => entry.state)).toEqual(Array(4).fill('not-invited'));
    const text = await cli('invites', '--state', 'not-invited');
    expect(text.stdout).toContain('invites of connection default: 4 not-invited, 0 sent, 0 accepted, 0 blocked');
  }, 60_000);

  it('`invites send --user` invites one person now, and `--not-invited` the rest; unknown people change nothing', async () => {
    const unknown = await runCli(['invites', 'send', '--user', 'ada', 'nobody@acme.example'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'no one in the app of connection default has the id, login or e-mail "nobody@acme.example"',
    );
    expect(smtp.messages()).toHaveLength(0);

    await cli('invites', 'send', '--user', 'ADA@acme.example');
    expect(mailsTo('ada')).toHaveLength(1);
    expect(mailsTo('ada')[0]?.subject).toBe('Bienvenue sur Dashworks (invite 1)');
    expect(smtp.messages()).toHaveLength(1);
    await cli('invites', 'send', '--not-invited');
    expect(
      smtp
        .messages()
        .map((mail) => mail.to[0])
        .sort(),
    ).toEqual(['ada', 'bob', 'cyd', 'dan'].map((id) => `${id}@acme.example`));
    const invites = await listed();
    expect([...invites.values()].map((entry) => [entry.state, entry.sends])).toEqual(Array(4).fill(['sent', 1]));
    // Inviting again is a resend's job.
    const again = await cli('invites', 'send', '--user', 'bob');
    expect(again.stdout).toContain('already invited (1 sent');
    expect(smtp.messages()).toHaveLength(4);
  }, 120_000);

  it('`invites resend` keeps to the cooldown unless forced, and carries the admin’s note, escaped in HTML', async () => {
    const early = await cli('invites', 'resend', '--user', 'ada', '--message', 'Hi <b>Ada</b> & welcome');
    expect(early.stdout).toContain('INVITE_RESEND_COOLDOWN');
    expect(mailsTo('ada')).toHaveLength(1);

    await cli('invites', 'resend', '--user', 'ada', '--message', 'Hi <b>Ada</b> & welcome', '--force');
    const [first, second] = mailsTo('ada');
    expect(second).toBeDefined();
    expect(second?.messageId).not.toBe(first?.messageId);
    expect(second?.text).toContain('Hi <b>Ada</b> & welcome');
    expect(second?.html).toContain('Hi &lt;b&gt;Ada&lt;/b&gt; &amp; welcome');
    expect(second?.subject).toBe('Bienvenue sur Dashworks (resend 2)');
    expect((await listed()).get('ada')).toMatchObject({ state: 'sent', sends: 2, due: null });
  }, 120_000);

  it('`invites accepted` ends the reminders; a deactivated person is blocked and never sent to', async () => {
    await cli('invites', 'accepted', 'ada');
    await file.write({ ...D0, users: D0.users.map((user) => (user.id === 'dan' ? person('dan', 'SUSPENDED') : user)) });
    await cli('sync');
    const invites = await listed();
    expect(invites.get('ada')?.state).toBe('accepted');
    expect(invites.get('dan')?.state).toBe('blocked');
    const resend = await cli('invites', 'resend', '--pending', '--force');
    expect(resend.stdout).toContain('2 resend(s) queued');
    expect(mailsTo('bob')).toHaveLength(2);
    expect(mailsTo('cyd')).toHaveLength(2);
    expect(mailsTo('ada')).toHaveLength(2);
    expect(mailsTo('dan')).toHaveLength(1);
    // `why` tells the whole story of a person's invites.
    const why = await cli('why', 'ada');
    expect(why.stdout).toContain('sent to ada@acme.example at');
    expect(why.stdout).toContain('resend (send 2): sent to ada@acme.example at');
    expect(why.stdout).toContain(', with a personal note');
    expect(why.stdout).toContain('joined the app at');
  }, 120_000);

  it('normal runs send reminders after INVITE_REMIND_AFTER, at most INVITE_MAX_REMINDERS, never to people who joined', async () => {
    const remind = { ...env, INVITE_REMIND_AFTER: '1s', INVITE_MAX_REMINDERS: '1' };
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    ok(await runCli(['sync'], remind));
    expect(mailsTo('bob')).toHaveLength(3);
    expect(mailsTo('cyd')).toHaveLength(3);
    expect(mailsTo('ada')).toHaveLength(2);
    expect(mailsTo('dan')).toHaveLength(1);
    expect((await listed()).get('bob')).toMatchObject({ sends: 3, reminders: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    ok(await runCli(['sync'], remind));
    expect(mailsTo('bob')).toHaveLength(3);
  }, 120_000);

  it('INVITE_MAX_PER_MINUTE sends at most that many a minute; the rest stay due for a later run', async () => {
    await file.write({ users: [...D0.users, ...['eve', 'fay', 'gil'].map((id) => person(id))], groups: [] });
    const limited = { ...env, INVITE_MAX_PER_MINUTE: '1' };
    const before = smtp.messages().length;
    // The reminders above were sent within the minute: the budget is spent, the new people wait.
    ok(await runCli(['sync'], limited));
    expect(smtp.messages().length - before).toBe(0);
    const waiting = [...(await listed()).values()].filter((entry) => entry.due !== null).map((e) => e.userExternalId);
    expect(waiting.sort()).toEqual(['eve', 'fay', 'gil']);
    // Without the limit the next run sends them, each once.
    await cli('sync');
    expect(smtp.messages().length - before).toBe(3);
  }, 120_000);
});
