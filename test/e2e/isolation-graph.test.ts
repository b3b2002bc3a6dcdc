import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphEmulator } from '../emulators/graph/graph-emulator.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { startGraphForDirsync } from '../emulators/graph/graph-dirsync-env.js';

const TENANT = '6f0c4a3e-0000-4000-8000-00000000e2e7';
const CLIENT = '0b8f7d2c-0000-4000-8000-00000000e2e8';
const SECRET = 'e2e-isolation-graph-secret';
const TOKEN = 'e2e-isolation-scim-token';

// One malformed Entra user must not block everyone (issue 10): a user without userPrincipalName, one whose
// accountEnabled is not a boolean and one whose display name holds a bidi isolate are each isolated by id; the rest
// syncs; once fixed they sync, and the read after their release is a full round that catches up their memberships.
describe.each(DIALECTS)(
  'dirsync sync isolates malformed Graph users (real SDKs, HTTPS emulator) — %s mirror',
  (dialect) => {
    const emulator = new GraphEmulator();
    const scim = new ScimTestServer({ token: TOKEN });
    let database: TestDatabase;
    let env: Record<string, string>;
    const ids: Record<string, string> = {};
    let engId = '';

    const person = (name: string) => {
      ids[name] = emulator.directory.createUser({
        userPrincipalName: `${name}@contoso.example`,
        givenName: name,
        surname: 'Test',
      }).id;
    };
    const scimUser = (name: string) => scim.users().find((user) => user.externalId === ids[name]);
    const engMembers = () => (scim.groupByName('Engineering')?.members ?? []).map((member) => member.value).sort();
    const sync = async () => {
      const result = await runCli(['sync'], env);
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      return result;
    };

    beforeAll(async () => {
      assertBuilt();
      const { env: graphEnv } = await startGraphForDirsync(emulator, {
        tenantId: TENANT,
        clientId: CLIENT,
        clientSecret: SECRET,
      });
      database = await createTestDatabase(dialect, 'e2e_isolation_graph');
      env = {
        DATABASE_URL: database.url,
        ...graphEnv,
        APP_SCIM_URL: await scim.start(),
        APP_SCIM_TOKEN: TOKEN,
      };
      for (const name of ['ada', 'bob', 'cyd']) person(name);
      engId = emulator.directory.createGroup({ displayName: 'Engineering' }).id;
      for (const name of ['ada', 'bob', 'cyd']) emulator.directory.addMember(engId, ids[name]!);
      expect((await runCli(['migrate'], env)).code).toBe(0);
      await sync();
    });
    afterAll(async () => {
      await emulator.stop();
      await scim.stop();
      await database.destroy();
    });

    it('exits 0 naming each isolated user by id; nobody is deactivated, memberships stay, the rest syncs', async () => {
      const d = emulator.directory;
      d.setWireOverride(ids['bob']!, { userPrincipalName: null });
      d.updateUser(ids['cyd']!, { displayName: 'Cyd \u2066Test' });
      person('dee');
      d.setWireOverride(ids['dee']!, { accountEnabled: 'yes' });
      person('eve');
      d.removeMember(engId, ids['bob']!);
      const bobAppId = scimUser('bob')?.id;

      const result = await sync();

      expect(result.stdout).toMatch(/changes only/);
      expect(result.stdout).toContain('3 objects isolated (not synced):');
      expect(result.stdout).toContain(`  user ${ids['bob']}: userPrincipalName: Invalid input: expected string`);
      expect(result.stdout).toContain(
        `  user ${ids['cyd']}: displayName contains a bidi control (U+2066 LEFT-TO-RIGHT ISOLATE) at character 5`,
      );
      expect(result.stdout).toContain(`  user ${ids['dee']}: accountEnabled: Invalid input: expected boolean`);
      expect(result.stdout + result.stderr).not.toContain('\u2066');
      expect(scimUser('bob')?.active).toBe(true);
      expect(engMembers()).toContain(bobAppId); // the member change of an isolated user waits
      expect(scimUser('cyd')?.displayName).toBe('cyd Test');
      expect(scimUser('dee')).toBeUndefined();
      expect(scimUser('eve')?.active).toBe(true);
    });

    it('syncs the fixed users, and the full round after their release applies what changed meanwhile', async () => {
      const d = emulator.directory;
      d.setWireOverride(ids['bob']!, undefined);
      d.updateUser(ids['cyd']!, { displayName: 'Cyd Fixed' });
      d.setWireOverride(ids['dee']!, undefined);

      const fixed = await sync();
      expect(fixed.stdout).toMatch(/changes only/);
      expect(fixed.stdout).not.toContain('isolated');
      expect(scimUser('cyd')?.displayName).toBe('Cyd Fixed');
      expect(scimUser('dee')?.active).toBe(true);

      const next = await sync();
      expect(next.stdout).toMatch(/full read/);
      expect(engMembers()).toEqual([scimUser('ada')?.id, scimUser('cyd')?.id].sort());
      expect(scimUser('bob')?.active).toBe(true);
    });
  },
);
