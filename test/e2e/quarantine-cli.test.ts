import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OktaOrgEmulator } from '../emulators/okta/okta-org-emulator.js';
import { assertBuilt, runCli, type CliResult } from '../support/cli-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const API_TOKEN = 'quarantine-e2e-token';
const CONNECTION = 'acme';

/** The connection's entry of `status --json`. */
interface StatusJson {
  connections: {
    id: string;
    stored: {
      quarantine: {
        quarantined: boolean;
        until: string | null;
        level: number;
        reason: string | null;
        failingRuns: number;
      };
    };
  }[];
}

// Through the built CLI against the Okta emulator: an admin revokes the token, dirsync keeps failing, the
// connection is quarantined, `status` and `connections` say so, `resume` (or a successful run) lifts it.
describe.each(DIALECTS)('quarantine through the CLI — %s', (dialect) => {
  const okta = new OktaOrgEmulator({ apiToken: API_TOKEN });
  let database: TestDatabase;
  let folder: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    assertBuilt();
    const { orgUrl, caPath } = await okta.start();
    for (const name of ['ada', 'bob']) {
      okta.store.createUser({
        profile: { login: `${name}@acme.example`, email: `${name}@acme.example`, firstName: name, lastName: 'Q' },
        status: 'ACTIVE',
      });
    }
    database = await createTestDatabase(dialect, 'quarantine_cli');
    folder = mkdtempSync(join(tmpdir(), 'dirsync-quarantine-'));
    env = {
      DATABASE_URL: database.url,
      DIRSYNC_CONNECTION_ID: CONNECTION,
      OKTA_CLIENT_ORGURL: orgUrl,
      OKTA_CLIENT_TOKEN: API_TOKEN,
      NODE_EXTRA_CA_CERTS: caPath,
      APP_JSONL_PATH: join(folder, 'changes.jsonl'),
    };
  });
  afterAll(async () => {
    await okta.stop();
    await database.destroy();
    rmSync(folder, { recursive: true, force: true });
  });

  const cli = async (args: string[], code: number): Promise<CliResult> => {
    const result = await runCli(args, env);
    expect(result.code, `dirsync ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(code);
    return result;
  };
  const quarantineOf = async () => {
    const status = JSON.parse((await cli(['status', '--json'], 0)).stdout) as StatusJson;
    return status.connections.find((connection) => connection.id === CONNECTION)?.stored.quarantine;
  };
  const failThreeTimes = async () => {
    okta.auth.setApiToken('revoked-by-an-admin');
    for (let i = 0; i < 3; i++) {
      const failed = await cli(['sync'], 2);
      expect(failed.stderr).toMatch(/dirsync: OKTA_CLIENT_TOKEN is rejected by https:\/\/127\.0\.0\.1:\d+/);
    }
  };

  it('three failing syncs: status and connections show the quarantine, with the reason and how to lift it', async () => {
    await cli(['sync'], 0);
    await failThreeTimes();

    const text = (await cli(['status'], 0)).stdout;
    expect(text).toMatch(
      /\n {2}quarantine: quarantined until \d{4}-\d\d-\d\dT[\d:.]+Z \(level 1\): credentials rejected: OKTA_CLIENT_TOKEN is rejected by \S+.*; `dirsync resume -c acme` lifts it\n/,
    );
    expect(text).toMatch(/\n {2}failing: +3 run\(s\) in a row\n/);

    const quarantine = await quarantineOf();
    expect(quarantine).toMatchObject({ quarantined: true, level: 1, failingRuns: 3 });
    expect(quarantine?.reason).toMatch(/^credentials rejected: OKTA_CLIENT_TOKEN is rejected/);
    // One hour from the third failure (which was a moment ago).
    const left = Date.parse(quarantine?.until ?? '') - Date.now();
    expect(left).toBeGreaterThan(55 * 60_000);
    expect(left).toBeLessThanOrEqual(60 * 60_000);

    const connections = await cli(['connections'], 0);
    expect(connections.stdout).toMatch(/^acme {2}\(quarantined\)$/m);
    expect(connections.stdout).toMatch(
      /quarantined until \S+ \(level 1, 3 failing run\(s\) in a row\): credentials rejected/,
    );
    const listed = JSON.parse((await cli(['connections', '--json'], 0)).stdout) as {
      connections: { id: string; state: string; quarantine?: { level: number } }[];
    };
    expect(listed.connections).toEqual([
      expect.objectContaining({
        id: CONNECTION,
        state: 'quarantined',
        quarantine: expect.objectContaining({ level: 1 }),
      }),
    ]);
  });

  it('resume lifts it and says what it lifted; status is clear; resuming again or an unknown id says so', async () => {
    const resumed = await cli(['resume', '-c', CONNECTION], 0);
    expect(resumed.stdout).toMatch(
      /^lifted the quarantine of connection acme: it was quarantined until \S+ \(level 1, 3 failing runs in a row\): credentials rejected: OKTA_CLIENT_TOKEN is rejected/,
    );
    expect(resumed.stdout).toMatch(/its next scheduled run goes ahead/);

    const text = (await cli(['status'], 0)).stdout;
    expect(text).not.toMatch(/quarantine:|failing:/);
    expect(await quarantineOf()).toEqual({ quarantined: false, until: null, level: 0, reason: null, failingRuns: 0 });
    expect((await cli(['connections'], 0)).stdout).toMatch(/^acme {2}\(active\)$/m);

    expect((await cli(['resume'], 0)).stdout).toBe('connection acme is not quarantined; nothing to lift\n');
    const unknown = await cli(['resume', '-c', 'nope'], 2);
    expect(unknown.stderr).toMatch(/no connection "nope"/);
  });

  it('a sync of a quarantined connection runs, says first that it is quarantined, and its success lifts it', async () => {
    await failThreeTimes();
    expect(await quarantineOf()).toMatchObject({ quarantined: true, level: 1 });

    okta.auth.setApiToken(API_TOKEN);
    const result = await cli(['sync'], 0);
    const notice = result.stderr.indexOf('is quarantined until');
    expect(notice).toBeGreaterThanOrEqual(0);
    expect(result.stderr).toMatch(
      /goes ahead because it was asked for \(cli\), and lifts the quarantine if it succeeds/,
    );
    expect(notice).toBeLessThan(result.stderr.indexOf('"msg":"run started"'));
    expect(result.stderr).toMatch(/a successful run lifted the quarantine/);

    expect(await quarantineOf()).toMatchObject({ quarantined: false, level: 0, failingRuns: 0 });
    expect((await cli(['status'], 0)).stdout).not.toMatch(/quarantine:|failing:/);
  });
});
