import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDirectoryFile } from '../../connectors/sandbox/sandbox-directory-file.js';
import { isJsonObject } from '../emulators/scim/scim-json.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

// DESIGN "Safety": a failed op fails alone (exit 1, named), is retried by later runs, is parked after
// DIRSYNC_MAX_OP_ATTEMPTS failures (listed by `status`, left alone by runs) until `dirsync retry`; an op the app
// cannot perform is work for a person and does not change the exit code. Through the built CLI.

const TOKEN = 'op-failures-token';
const REFUSAL = 'userName bob@acme.example: this e-mail domain is not allowed';

const person = (id: string) => ({
  id,
  userName: `${id}@acme.example`,
  email: `${id}@acme.example`,
  givenName: id.charAt(0).toUpperCase() + id.slice(1),
  familyName: 'Doe',
  status: 'ACTIVE' as const,
});

const DIRECTORY: SandboxDirectoryFile = {
  users: [person('ada'), person('bob')],
  groups: [{ id: 'g-sales', displayName: 'Sales', members: ['ada', 'bob'] }],
};

describe.each(['sqlite', 'postgres'] as const)(
  'failed, parked, retried and unsupported ops through the CLI on %s',
  (dialect) => {
    const scim = new ScimTestServer({ token: TOKEN });
    const noPatch = new ScimTestServer({ token: TOKEN, patch: false });
    let database: TestDatabase;
    let otherDatabase: TestDatabase;
    let file: TempSandboxDirectoryFile;
    let env: Record<string, string>;

    beforeAll(async () => {
      assertBuilt();
      await scim.start();
      await noPatch.start();
      database = await createTestDatabase(dialect, 'op_failures');
      otherDatabase = await createTestDatabase(dialect, 'op_unsupported');
      file = await writeSandboxDirectoryFile(DIRECTORY);
      env = {
        DATABASE_URL: database.url,
        DIRSYNC_SANDBOX_FILE: file.path,
        APP_SCIM_URL: scim.baseUrl,
        APP_SCIM_TOKEN: TOKEN,
        DIRSYNC_MAX_OP_ATTEMPTS: '2',
      };
    });
    afterAll(async () => {
      await scim.stop();
      await noPatch.stop();
      await file.remove();
      await database.destroy();
      await otherDatabase.destroy();
    });

    const bobPosts = () =>
      scim
        .requests({ method: 'POST', path: '/Users' })
        .filter(
          (request) => isJsonObject(request.requestBody) && request.requestBody['userName'] === 'bob@acme.example',
        ).length;
    const run = async (args: string[], expected: number, extra: Record<string, string> = {}) => {
      const result = await runCli(args, { ...env, ...extra });
      expect(result.code, `${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(expected);
      return result;
    };
    const key = 'user.create:default:bob';

    it('a user the app refuses: exit 1 naming them, parked after 2 runs, listed by status, left alone, retried on `retry`', async () => {
      scim.failNext({
        method: 'POST',
        path: '/Users',
        when: (request) => isJsonObject(request.body) && request.body['userName'] === 'bob@acme.example',
        status: 400,
        detail: REFUSAL,
        times: Infinity,
      });
      const first = await run(['sync'], 1);
      expect(first.stdout).toContain('bob@acme.example');
      expect(first.stdout).toContain(REFUSAL);
      expect(first.stdout).toMatch(/next attempt on the next run/);
      expect(scim.userByName('ada@acme.example')?.externalId).toBe('ada');

      const second = await run(['sync'], 1);
      expect(bobPosts()).toBe(2);
      expect(second.stdout).toContain('parked: 1 op failed too often');
      expect(second.stdout).toContain(`dirsync retry ${key}`);

      const status = await run(['status'], 0);
      expect(status.stdout).toContain('1 parked');
      expect(status.stdout).toContain(key);
      expect(status.stdout).toContain(REFUSAL);
      const json = JSON.parse((await run(['status', '--json'], 0)).stdout) as {
        connections: { attention: { counts: Record<string, number>; ops: { key: string; status: string }[] } }[];
      };
      expect(json.connections[0]?.attention.counts).toMatchObject({ parked: 1, failed: 0, held: 0 });
      expect(json.connections[0]?.attention.ops).toEqual([expect.objectContaining({ key, status: 'parked' })]);

      const parked = await run(['sync'], 1);
      expect(bobPosts()).toBe(2);
      expect(parked.stdout).toContain(`dirsync retry ${key}`);

      const unknown = await run(['retry', 'user.create:default:nobody'], 2);
      expect(unknown.stderr).toContain('no op has the key user.create:default:nobody');
      await run(['retry'], 2);

      scim.clearFaults();
      const retried = await run(['retry', key], 0);
      expect(retried.stdout).toContain(key);
      const fixed = await run(['sync'], 0);
      expect(bobPosts()).toBe(3);
      expect(scim.userByName('bob@acme.example')?.externalId).toBe('bob');
      expect(fixed.stdout).not.toContain('parked');
      expect((await run(['status'], 0)).stdout).toContain('0 parked');
      expect((await run(['retry', '--all'], 0)).stdout).toContain('nothing to retry');
    });

    it('an app without PATCH: member additions are work for a person, exit 0, nothing sent', async () => {
      const extra = { DATABASE_URL: otherDatabase.url, APP_SCIM_URL: noPatch.baseUrl };
      const result = await run(['sync'], 0, extra);
      expect(result.stdout).toContain('work for a person');
      expect(result.stdout).toContain(
        '2 member additions in Sales must be made by hand: ada@acme.example, bob@acme.example',
      );
      expect(noPatch.countRequests({ method: 'PATCH' })).toBe(0);
      expect(noPatch.groupByName('Sales')).toBeDefined();
      const status = await run(['status'], 0, extra);
      expect(status.stdout).toContain('1 unsupported');
      expect(status.stdout).toContain('must be made by hand');
    });
  },
);
