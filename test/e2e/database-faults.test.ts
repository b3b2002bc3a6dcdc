import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeDatabase, parseDatabaseUrl } from '../../src/store/database-url.js';
import { OktaOrgEmulator } from '../emulators/okta/okta-org-emulator.js';
import { generateSandboxDirectory } from '../fixtures/generate-sandbox-directory.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCliWhenFree, startCli, waitFor, type CliResult } from '../support/cli-process.js';
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from '../support/test-databases.js';

// A PostgreSQL session of the CLI dies in the middle of a statement: the test holds a lock the statement needs,
// waits until the CLI's session is blocked on it (pg_stat_activity), terminates that session, then lets go.
// Each CLI gets an application_name of its own, so no other process's sessions are ever touched.

const ACTIVE = new Set(['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY', 'PROVISIONED']);
const KILLED = '(terminating connection due to administrator command, 57P01)';

/** stderr without pino's JSON log lines: what a person reads. */
function messageLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        return typeof (JSON.parse(line) as { level?: unknown }).level !== 'number';
      } catch {
        return true;
      }
    });
}

function logMessages(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg?: string }).msg ?? '');
}

function jsonlRecords(path: string): { op: string; appId: string }[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { op: string; appId: string });
}

describe('a PostgreSQL session killed during `dirsync sync`', () => {
  let watcher: pg.Client;
  let locker: pg.Client;
  let database: TestDatabase;
  let folder: string;
  let app: string;
  let env: Record<string, string>;
  let schema: string;
  let n = 0;

  beforeAll(async () => {
    assertBuilt();
    watcher = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await watcher.connect();
  });
  afterAll(async () => {
    await watcher.end();
  });
  beforeEach(async () => {
    database = await createTestDatabase('postgres', 'db_faults_e2e');
    folder = mkdtempSync(join(tmpdir(), 'dirsync-db-faults-'));
    app = `dirsync-faults-${process.pid}-${++n}`;
    const url = new URL(database.url);
    schema = url.searchParams.get('schema') ?? 'public';
    url.searchParams.set('application_name', app);
    env = {
      DATABASE_URL: url.toString(),
      APP_JSONL_PATH: join(folder, 'changes.jsonl'),
      LOG_LEVEL: 'warn',
      DIRSYNC_LEASE_MS: '6000',
    };
    // A session of its own: pg_stat_activity is read once per transaction, so the watcher stays out of it.
    locker = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await locker.connect();
  });
  afterEach(async () => {
    await locker.end();
    await database.destroy();
    rmSync(folder, { recursive: true, force: true });
  });

  const table = (name: string) => `"${schema}"."${name}"`;
  const runStatuses = async () =>
    (
      await watcher.query<{ status: string; error: string | null }>(
        `select status, error from ${table('runs')} order by started_at`,
      )
    ).rows;

  /** Terminates the CLI's session once it waits on a lock for a statement matching `statement`; returns it. */
  async function terminateWhenBlocked(statement: RegExp, cli: Promise<CliResult>): Promise<string> {
    let exited: CliResult | undefined;
    void cli.then((result) => (exited = result));
    return waitFor(
      `the CLI's session to wait on ${statement.source}`,
      async () => {
        if (exited !== undefined) throw new Error(`the CLI ended first (${exited.code}):\n${exited.stderr}`);
        const { rows } = await watcher.query<{ query: string; killed: boolean }>(
          `select query, pg_terminate_backend(pid) as killed from pg_stat_activity
            where application_name = $1 and wait_event_type = 'Lock' and query ~* $2`,
          [app, statement.source],
        );
        return rows.find((row) => row.killed)?.query;
      },
      60_000,
    );
  }

  /** The message the CLI must print: the database named without credentials, the driver's reason, what next. */
  const wentAway = () =>
    `dirsync: the database ${describeDatabase(parseDatabaseUrl(env['DATABASE_URL'] ?? ''))} went away during the run ${KILLED}: ` +
    'nothing more was written; the next run resumes once it answers again';

  describe('on the sandbox directory', () => {
    const directory = generateSandboxDirectory({ people: 150, groups: 6, seed: 7 });
    const activeIds = directory.users.filter((user) => ACTIVE.has(user.status)).map((user) => `u-${user.id}`);
    let file: TempSandboxDirectoryFile;

    beforeAll(async () => {
      file = await writeSandboxDirectoryFile(directory);
    });
    afterAll(async () => {
      await file.remove();
    });

    /** The next run converges: every active person created exactly once in the JSONL file, a no-op after that. */
    async function expectConvergence(): Promise<void> {
      const next = await runCliWhenFree(['sync'], { ...env, DIRSYNC_SANDBOX_FILE: file.path }, 60_000);
      expect(next.code, next.stderr).toBe(0);
      // The failed run gave its lease back itself (the database answered again): nobody had to wait for it.
      expect(next.busyAnswers).toBe(0);
      const creates = jsonlRecords(env['APP_JSONL_PATH'] ?? '')
        .filter((record) => record.op === 'user.create')
        .map((record) => record.appId);
      expect(creates.length).toBe(new Set(creates).size);
      expect(new Set(creates)).toEqual(new Set(activeIds));
      expect((await runStatuses()).map((run) => run.status)).toEqual(['failed', 'succeeded']);
    }

    it('while the mirror is written: exit 2 with one line naming the database, the run closed as failed, the next run converges', async () => {
      await locker.query('begin');
      await locker.query(`lock table ${table('idp_users')} in exclusive mode`);
      const cli = startCli(['sync'], { ...env, DIRSYNC_SANDBOX_FILE: file.path });
      expect(await terminateWhenBlocked(/idp_users/, cli.done)).toMatch(/insert into "idp_users"/);
      await locker.query('commit');
      const killed = await cli.done;

      expect(killed.code, killed.stderr).toBe(2);
      expect(killed.stderr).not.toMatch(/Unhandled|^\s+at /m);
      expect(messageLines(killed.stderr)).toEqual([wentAway()]);
      expect(jsonlRecords(env['APP_JSONL_PATH'] ?? '')).toEqual([]);
      expect(await runStatuses()).toEqual([{ status: 'failed', error: wentAway().slice('dirsync: '.length) }]);

      await expectConvergence();
    }, 180_000);

    it('while applying: exit 2 after the op in flight, the summary says what was applied, the next run converges', async () => {
      const cli = startCli(['sync'], { ...env, DIRSYNC_SANDBOX_FILE: file.path });
      await waitFor('20 ops applied', () => jsonlRecords(env['APP_JSONL_PATH'] ?? '').length >= 20, 90_000);
      await locker.query('begin');
      await locker.query(`lock table ${table('app_users')} in exclusive mode`);
      expect(await terminateWhenBlocked(/app_users/, cli.done)).toMatch(/"app_users"/);
      await locker.query('commit');
      const killed = await cli.done;

      expect(killed.code, killed.stderr).toBe(2);
      expect(killed.stderr).not.toMatch(/Unhandled|^\s+at /m);
      expect(messageLines(killed.stderr)).toEqual([wentAway()]);
      expect(killed.stdout).toMatch(/created\s+\d[\d ]*\s+\d/);
      const [run] = await runStatuses();
      expect(run?.status).toBe('failed');
      expect(run?.error).toContain(`went away during the run ${KILLED}`);

      await expectConvergence();
    }, 180_000);
  });

  describe('on Okta', () => {
    const okta = new OktaOrgEmulator({ apiToken: 'db-faults-token' });
    let oktaEnv: Record<string, string>;

    beforeAll(async () => {
      const { orgUrl, caPath } = await okta.start();
      oktaEnv = { OKTA_CLIENT_ORGURL: orgUrl, OKTA_CLIENT_TOKEN: 'db-faults-token', NODE_EXTRA_CA_CERTS: caPath };
      const ids = Array.from(
        { length: 12 },
        (_, i) =>
          okta.store.createUser({
            profile: { login: `p${i}@acme.example`, email: `p${i}@acme.example`, firstName: 'P', lastName: `${i}` },
            status: 'ACTIVE',
          }).id,
      );
      const group = okta.store.createGroup({ name: 'Staff' });
      for (const id of ids) okta.store.addMember(group.id, id);
    });
    afterAll(async () => {
      await okta.stop();
    });

    it('while the directory is read: the lease renewal killed in flight is retried on a new session, and the run succeeds', async () => {
      // The read takes 5 s; the lease (6 s) is renewed every 2 s, so one renewal falls inside it.
      okta.faults.inject({ path: '/api/v1/users', kind: { type: 'delay', ms: 5_000 } });
      const cli = startCli(['sync'], { ...env, ...oktaEnv });
      await waitFor('the run to hold its lease', async () => {
        const { rows } = await watcher.query(`select 1 from ${table('connection_leases')}`);
        return rows.length > 0;
      });
      await locker.query('begin');
      await locker.query(`select 1 from ${table('connection_leases')} for update`);
      expect(await terminateWhenBlocked(/connection_leases/, cli.done)).toMatch(/update "connection_leases"/);
      await locker.query('commit');
      const result = await cli.done;

      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/Unhandled|^\s+at /m);
      expect(messageLines(result.stderr)).toEqual([]);
      expect(logMessages(result.stderr)).toContain('could not renew the connection lease; retrying');
      expect((await runStatuses()).map((run) => run.status)).toEqual(['succeeded']);
      expect(jsonlRecords(env['APP_JSONL_PATH'] ?? '').filter((r) => r.op === 'user.create')).toHaveLength(12);
    }, 180_000);
  });
});
