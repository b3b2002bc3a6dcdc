import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDirectoryFile, SandboxUser } from '../../connectors/sandbox/sandbox-directory-file.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { SmtpTestServer } from '../emulators/smtp/smtp-test-server.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli, type CliResult } from '../support/cli-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

function person(id: string, status: SandboxUser['status'], overrides: Partial<SandboxUser> = {}): SandboxUser {
  return {
    id,
    userName: `${id}@acme.example`,
    email: `${id}@acme.example`,
    givenName: id.charAt(0).toUpperCase() + id.slice(1),
    familyName: 'Lopez',
    status,
    ...overrides,
  };
}

// Two people share a display name, so a query by that name is ambiguous.
const D0: SandboxDirectoryFile = {
  users: [
    person('ana', 'ACTIVE', { displayName: 'Ana Lopez' }),
    person('bob', 'ACTIVE', { familyName: 'Berg' }),
    person('sam', 'ACTIVE', { userName: 'sam.lee@acme.example', displayName: 'Sam Lee' }),
    person('samuel', 'STAGED', { userName: 'samuel.lee@acme.example', displayName: 'Sam Lee' }),
  ],
  groups: [
    { id: 'g-eng', displayName: 'Eng', members: ['ana', 'bob', 'sam'] },
    { id: 'g-all', displayName: 'Everyone', type: 'BUILT_IN', members: ['ana', 'bob', 'sam', 'samuel'] },
  ],
};

// Ana is suspended; Bob's new e-mail is refused by the app (a 400 with a SCIM detail).
const D1: SandboxDirectoryFile = {
  ...D0,
  users: D0.users.map((user) =>
    user.id === 'ana'
      ? { ...user, status: 'SUSPENDED' as const }
      : user.id === 'bob'
        ? { ...user, email: 'bob.new@acme.example' }
        : user,
  ),
};

const TOKEN = 'why-token';
// Each test spawns the CLI a few times; on a loaded two-core machine one start can take seconds.
const SLOW = 120_000;
const REFUSAL = 'email domain of bob.new@acme.example is not verified in this workspace';

describe.each(DIALECTS)('dirsync why, on %s: the evidence for one user or group', (dialect) => {
  const scim = new ScimTestServer({ token: TOKEN });
  const smtp = new SmtpTestServer();
  let database: TestDatabase;
  let file: TempSandboxDirectoryFile;
  let env: Record<string, string>;
  const runs: string[] = [];

  const why = (...args: string[]): Promise<CliResult> => runCli(['why', ...args], env);
  const runIdOf = (result: CliResult): string => {
    const id = /\(run ([0-9a-f-]{36})\)/.exec(result.stdout)?.[1];
    if (id === undefined) throw new Error(`no run id in:\n${result.stdout}\n${result.stderr}`);
    return id;
  };

  beforeAll(async () => {
    assertBuilt();
    const scimUrl = await scim.start();
    const { url: smtpUrl } = await smtp.start();
    database = await createTestDatabase(dialect, 'why');
    file = await writeSandboxDirectoryFile(D0);
    env = {
      DATABASE_URL: database.url,
      DIRSYNC_SANDBOX_FILE: file.path,
      APP_SCIM_URL: scimUrl,
      APP_SCIM_TOKEN: TOKEN,
      SMTP_URL: smtpUrl,
      INVITE_FROM: 'Acme IT <it@acme.example>',
      LOG_LEVEL: 'warn',
    };
    const first = await runCli(['sync'], env);
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
    runs.push(runIdOf(first));

    await file.write(D1);
    const bob = scim.users().find((user) => user.externalId === 'bob');
    if (bob === undefined) throw new Error('bob was not created');
    scim.failNext({ method: 'PATCH', path: `/Users/${bob.id}`, status: 400, detail: REFUSAL });
    const second = await runCli(['sync'], env);
    expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(1);
    runs.push(runIdOf(second));
  }, 120_000);

  afterAll(async () => {
    await scim.stop();
    await smtp.stop();
    await file?.remove();
    await database?.destroy();
  });

  it(
    'a suspended user, by login in another case: the record, the decisions, each op with its run, the invite',
    async () => {
      const result = await why('-c', 'default', 'ANA@acme.example');
      expect(result.code, result.stderr).toBe(0);
      const out = result.stdout;
      const [created, suspended] = runs;
      expect(out).toContain('why ana@acme.example (Ana Lopez) — user ana of connection default (matched by login)');
      expect(out).toMatch(/IdP record \(the sandbox directory, as mirrored; last read \d{4}-\d\d-\d\dT/);
      expect(out).toContain('status        SUSPENDED (not active)');
      expect(out).toContain('groups        "Eng", "Everyone"');
      expect(out).toContain('active        no');
      expect(out).toContain(
        '- not active in the sandbox directory (SUSPENDED) → should be inactive in the app; app: inactive (in step)',
      );
      expect(out).toContain('- mapped userName ana@acme.example (from userName); app: ana@acme.example (in step)');
      expect(out).toContain('- member of "Everyone" in the sandbox directory → out of scope: built-in group');
      expect(out).toContain(
        '- member of "Eng" in the sandbox directory, but not active → not a member of "Eng" in the app; app: not a member (in step)',
      );

      const opLine = (kind: string, title: string, run: string | undefined, runStatus: string) =>
        new RegExp(
          `  \\S+Z  ${kind.replace('.', '\\.')}  applied, 1 attempt: ${title}\\n      run ${run} \\(cli, full, started \\S+Z, ${runStatus}\\)`,
        );
      expect(out).toMatch(
        opLine('user.create', 'create ana@acme\\.example, active, then invite', created, 'succeeded'),
      );
      expect(out).toMatch(opLine('members.add', 'add to "Eng"', created, 'succeeded'));
      expect(out).toMatch(opLine('invite.send', 'send the invite', created, 'succeeded'));
      expect(out).toMatch(opLine('members.remove', 'remove from "Eng"', suspended, 'partial'));
      expect(out).toMatch(opLine('user.deactivate', 'deactivate \\(active: false; [^)]*\\)', suspended, 'partial'));
      // Newest last.
      expect(out.indexOf('user.create')).toBeLessThan(out.indexOf('invite.send'));
      expect(out.indexOf('invite.send')).toBeLessThan(out.indexOf('user.deactivate'));
      // Bob's failed update is not Ana's.
      expect(out).not.toContain('user.update');

      const mail = smtp.messages().find((message) => message.envelopeTo.includes('ana@acme.example'));
      const invite = await database.db
        .selectFrom('invites')
        .select(['sent_at', 'message_id'])
        .where('user_external_id', '=', 'ana')
        .executeTakeFirstOrThrow();
      expect(mail?.messageId).toBe(invite.message_id);
      expect(out).toContain(
        `invites\n  sent to ana@acme.example at ${invite.sent_at}, Message-ID ${invite.message_id} (1 attempt)`,
      );
    },
    SLOW,
  );

  it(
    'a failed op shows the app’s answer, and the decision it leaves out of step',
    async () => {
      const result = await why('Bob Berg');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('(matched by display name)');
      expect(result.stdout).toContain(
        '- mapped email bob.new@acme.example (from email); app: bob@acme.example (differs)',
      );
      expect(result.stdout).toMatch(
        new RegExp(
          `user\\.update  failed, 1 attempt: update email → bob\\.new@acme\\.example\\n      run ${runs[1]} [^\\n]*\\n      the app answered: [^\\n]*${REFUSAL.replace(/\./g, '\\.')}[^\\n]*400`,
        ),
      );
    },
    SLOW,
  );

  it(
    'a group by name: its members counted on both sides, and its ops naming the people',
    async () => {
      const result = await why('eng');
      expect(result.code, result.stderr).toBe(0);
      const out = result.stdout;
      expect(out).toContain('why "Eng" — group g-eng of connection default (matched by display name)');
      expect(out).toContain('members       3 direct: 3 user(s), 2 active');
      expect(out).toContain(
        '- 3 direct members in the sandbox directory (1 not active) → 2 members in the app; app: 2 members (in step)',
      );
      expect(out).toMatch(new RegExp(`group\\.create  applied, 1 attempt: create group "Eng"\\n      run ${runs[0]}`));
      expect(out).toMatch(/members\.add {2}applied, 1 attempt: add 3 members: [^\n]*ana@acme\.example/);
      expect(out).toMatch(
        new RegExp(`members\\.remove  applied, 1 attempt: remove 1 member: ana@acme\\.example\\n      run ${runs[1]}`),
      );
      expect(out).not.toContain('invites');

      const everyone = await why('Everyone');
      expect(everyone.code).toBe(0);
      expect(everyone.stdout).toContain(
        '- out of scope: built-in group → should not be in the app; app: not in the app (in step)',
      );
    },
    SLOW,
  );

  it(
    'names nothing: exit 2 with what was searched and what to do',
    async () => {
      const result = await why('nobody@acme.example');
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(
        'dirsync: no user or group "nobody@acme.example" in connection default (looked for an id, login, e-mail or display name',
      );
      expect(result.stderr).toContain('dirsync sync -c default');
    },
    SLOW,
  );

  it(
    'an ambiguous display name: exit 2 listing every candidate with its id',
    async () => {
      const result = await why('sam lee');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('dirsync: "sam lee" names 2 subjects in connection default');
      expect(result.stderr).toContain('dirsync why -c default <id>');
      expect(result.stderr).toMatch(/user {3}sam {2}sam\.lee@acme\.example \(Sam Lee\) {2}\(matched by display name\)/);
      expect(result.stderr).toMatch(/user {3}samuel {2}samuel\.lee@acme\.example \(Sam Lee\)/);

      // Its id resolves it.
      const one = await why('samuel');
      expect(one.code).toBe(0);
      expect(one.stdout).toContain(
        '- not active in the sandbox directory (STAGED) → not created in the app (only active people are); app: not in the app (in step)',
      );
      expect(one.stdout).toContain('invites\n  none: the user is not in the app');
    },
    SLOW,
  );

  it(
    '--json: one document with the same facts',
    async () => {
      const ana = JSON.parse((await why('--json', 'ana@acme.example')).stdout);
      expect(ana).toMatchObject({
        connection: 'default',
        type: 'user',
        id: 'ana',
        label: 'ana@acme.example (Ana Lopez)',
        matchedBy: 'login',
        idp: { status: 'SUSPENDED', active: false, userName: 'ana@acme.example' },
        app: { active: false, origin: 'created' },
      });
      expect(ana.decisions).toContainEqual({
        topic: 'active',
        text: 'not active in the sandbox directory (SUSPENDED) → should be inactive in the app',
        app: 'inactive',
        inStep: true,
      });
      expect(
        ana.ops.map((op: { kind: string; status: string; run: { id: string } }) => [op.kind, op.status, op.run.id]),
      ).toEqual([
        ['user.create', 'applied', runs[0]],
        ['members.add', 'applied', runs[0]],
        ['invite.send', 'applied', runs[0]],
        ['members.remove', 'applied', runs[1]],
        ['user.deactivate', 'applied', runs[1]],
      ]);
      const mail = smtp.messages().find((message) => message.envelopeTo.includes('ana@acme.example'));
      expect(ana.invites).toMatchObject([
        { status: 'sent', email: 'ana@acme.example', messageId: mail?.messageId, attempts: 1 },
      ]);

      const bob = JSON.parse((await why('--json', 'bob')).stdout);
      expect(bob.ops).toContainEqual(
        expect.objectContaining({ kind: 'user.update', status: 'failed', answer: expect.stringContaining(REFUSAL) }),
      );

      const eng = JSON.parse((await why('--json', 'Eng')).stdout);
      expect(eng).toMatchObject({
        type: 'group',
        id: 'g-eng',
        idp: { members: { users: 3, activeUsers: 2, others: 0 } },
        app: { members: 2 },
      });

      const ambiguous = await why('--json', 'Sam Lee');
      expect(ambiguous.code).toBe(2);
      expect(
        JSON.parse(ambiguous.stdout)
          .candidates.map((c: { id: string }) => c.id)
          .sort(),
      ).toEqual(['sam', 'samuel']);
    },
    SLOW,
  );
});
