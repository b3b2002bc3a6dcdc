import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpTestServer } from '../emulators/smtp/smtp-test-server.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { generateSandboxDirectory } from '../fixtures/generate-sandbox-directory.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli, type CliResult } from '../support/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

const SCIM_TOKEN = 'scimTOKEN-7f3a9q-distinctive';
const SMTP_PASS = 'smtpPASS-x81k-distinctive';
const PG_PASS = 'pgPASS-55z-distinctive';
const SECRETS = [SCIM_TOKEN, SMTP_PASS, PG_PASS, encodeURIComponent(SMTP_PASS)];

const TABLES = [
  'connections',
  'idp_users',
  'idp_groups',
  'idp_memberships',
  'cursors',
  'app_users',
  'app_groups',
  'app_memberships',
  'ops',
  'invites',
  'runs',
] as const;

describe('secrets never reach a log line, an error message or the database', () => {
  const scim = new ScimTestServer({ token: SCIM_TOKEN });
  const smtp = new SmtpTestServer({ auth: { user: 'mailer', pass: SMTP_PASS } });
  let database: TestDatabase;
  let file: TempSandboxDirectoryFile;
  let env: Record<string, string>;
  const outputs: CliResult[] = [];
  const directory = generateSandboxDirectory({ people: 30, groups: 3, seed: 3 });

  beforeAll(async () => {
    assertBuilt();
    const scimUrl = await scim.start();
    const { port } = await smtp.start();
    database = await createTestDatabase('postgres', 'secrets');
    const url = new URL(database.url);
    url.username = 'postgres';
    url.password = PG_PASS; // trust auth ignores it; it must still never be printed or stored
    file = await writeSandboxDirectoryFile(directory);
    env = {
      DATABASE_URL: url.toString(),
      DIRSYNC_SANDBOX_FILE: file.path,
      APP_SCIM_URL: scimUrl,
      APP_SCIM_TOKEN: SCIM_TOKEN,
      SMTP_URL: `smtp://mailer:${encodeURIComponent(SMTP_PASS)}@127.0.0.1:${port}`,
      INVITE_FROM: 'it@acme.example',
      LOG_LEVEL: 'trace',
    };
  });
  afterAll(async () => {
    await scim.stop();
    await smtp.stop();
    await file.remove();
    await database.destroy();
  });

  it('in successful runs, failing runs (rejected token, rejected SMTP password, bad config) and every table', async () => {
    outputs.push(await runCli(['sync'], env));
    expect(outputs[0]?.code, outputs[0]?.stderr).toBe(0);
    expect(smtp.messages().length).toBeGreaterThan(0);
    outputs.push(await runCli(['plan'], env));
    outputs.push(await runCli(['status'], env));

    // A new hire, so the failing runs below have a create and an invite to attempt.
    const newcomer = { id: '00unewcomer', userName: 'new.comer@acme.example', email: 'new.comer@acme.example' };
    await file.write({
      ...directory,
      users: [...directory.users, { ...newcomer, givenName: 'New', familyName: 'Comer', status: 'ACTIVE' as const }],
    });
    outputs.push(await runCli(['sync'], { ...env, APP_SCIM_TOKEN: `${SCIM_TOKEN}-but-wrong` }));
    outputs.push(
      await runCli(['sync'], {
        ...env,
        SMTP_URL: env['SMTP_URL']!.replace(encodeURIComponent(SMTP_PASS), encodeURIComponent(`${SMTP_PASS}-wrong`)),
      }),
    );
    outputs.push(await runCli(['sync'], { ...env, DATABASE_URL: env['DATABASE_URL']!.replace(/:\d+\//, ':1/') }));
    outputs.push(await runCli(['sync'], { ...env, SCIM_MAX_MEMBERS_PER_PATCH: 'x' }));
    expect(outputs.slice(3).map((o) => o.code)).toEqual([2, 2, 2, 2]);
    expect(outputs[4]?.stderr).toMatch(/SMTP|smtp/);

    for (const output of outputs) {
      for (const secret of SECRETS) {
        expect(output.stdout).not.toContain(secret);
        expect(output.stderr).not.toContain(secret);
      }
    }
    for (const table of TABLES) {
      const rows = await database.db.selectFrom(table).selectAll().execute();
      const text = JSON.stringify(rows);
      for (const secret of SECRETS) expect(text, `table ${table}`).not.toContain(secret);
    }
  }, 120_000);
});
