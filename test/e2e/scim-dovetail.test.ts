import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDirectoryFile } from '../../connectors/sandbox/sandbox-directory-file.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const TOKEN = 'dovetail-token';

const person = (id: string) => ({
  id,
  userName: `${id}@acme.example`,
  email: `${id}@acme.example`,
  givenName: id.toUpperCase(),
  familyName: 'Researcher',
  status: 'ACTIVE' as const,
});

const D0: SandboxDirectoryFile = {
  users: [person('ada'), person('bob'), person('cyd')],
  groups: [{ id: 'g-research', displayName: 'Research', members: ['ada', 'bob', 'cyd'] }],
};

describe.each(DIALECTS)('a Dovetail-like app through the CLI (SCIM_DIALECT=dovetail, %s mirror)', (dialect) => {
  const scim = new ScimTestServer({ token: TOKEN, dialect: 'dovetail' });
  let database: TestDatabase;
  let file: TempSandboxDirectoryFile;
  let env: Record<string, string>;

  beforeAll(async () => {
    assertBuilt();
    const url = await scim.start();
    database = await createTestDatabase(dialect, 'scim_dovetail');
    file = await writeSandboxDirectoryFile(D0);
    env = {
      DATABASE_URL: database.url,
      DIRSYNC_SANDBOX_FILE: file.path,
      APP_SCIM_URL: url,
      APP_SCIM_TOKEN: TOKEN,
      SCIM_DIALECT: 'dovetail',
    };
  }, 60_000);
  afterAll(async () => {
    await scim.stop();
    await database.destroy();
    await file.remove();
  });

  it('provisions people and the group, reports a member removal as work by hand, and never fails on it', async () => {
    const first = await runCli(['sync'], env);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(scim.users()).toHaveLength(3);
    const [group] = scim.groups();
    expect(group?.displayName).toBe('Research');
    expect(group?.members).toHaveLength(3);

    // Bob leaves the group: Dovetail cannot remove members over SCIM.
    await file.write({ ...D0, groups: [{ id: 'g-research', displayName: 'Research', members: ['ada', 'cyd'] }] });
    const second = await runCli(['sync'], env);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain('must be made by hand');
    expect(second.stdout).toContain('Research');
    expect(scim.countRequests({ method: 'PATCH', path: `/Groups/${group?.id ?? ''}` })).toBe(1);
    expect(scim.groups()[0]?.members).toHaveLength(3);

    const status = await runCli(['status'], env);
    expect(status.stdout).toContain('must be made by hand');

    // The next run asks again, says so again, and still exits 0: no failure on every run.
    const third = await runCli(['sync'], env);
    expect(third.code, third.stdout + third.stderr).toBe(0);
    expect(third.stdout).toContain('must be made by hand');
  }, 120_000);
});
