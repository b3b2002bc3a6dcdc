import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OktaOrgEmulator } from '../emulators/okta/okta-org-emulator.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const API_TOKEN = 'e2e-isolation-okta-token';
const SCIM_TOKEN = 'e2e-isolation-scim-token';

// One bad Okta record must not block everyone (issue 10): an unknown status, a NUL byte and a bidi override each
// isolate their user, by IdP id, in the summary and `status`; the rest syncs; the fixed records sync later.
describe.each(DIALECTS)(
  'dirsync sync isolates malformed Okta users (real SDK, HTTPS emulator) — %s mirror',
  (dialect) => {
    const okta = new OktaOrgEmulator({ apiToken: API_TOKEN });
    const scim = new ScimTestServer({ token: SCIM_TOKEN });
    let database: TestDatabase;
    let env: Record<string, string>;
    const ids: Record<string, string> = {};

    const person = (name: string) => {
      ids[name] = okta.store.createUser({
        profile: { login: `${name}@acme.example`, email: `${name}@acme.example`, firstName: name, lastName: 'Test' },
      }).id;
    };
    const scimUser = (name: string) => scim.users().find((user) => user.externalId === ids[name]);
    const sync = async () => {
      const result = await runCli(['sync'], env);
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      return result;
    };

    beforeAll(async () => {
      assertBuilt();
      const { orgUrl, caPath } = await okta.start();
      database = await createTestDatabase(dialect, 'e2e_isolation_okta');
      env = {
        DATABASE_URL: database.url,
        OKTA_CLIENT_ORGURL: orgUrl,
        OKTA_CLIENT_TOKEN: API_TOKEN,
        NODE_EXTRA_CA_CERTS: caPath,
        APP_SCIM_URL: await scim.start(),
        APP_SCIM_TOKEN: SCIM_TOKEN,
      };
      for (const name of ['ada', 'bob', 'cyd']) person(name);
      const eng = okta.store.createGroup({ name: 'Engineering' });
      for (const name of ['ada', 'bob', 'cyd']) okta.store.addMember(eng.id, ids[name]!);
      expect((await runCli(['migrate'], env)).code).toBe(0);
      await sync();
    });
    afterAll(async () => {
      await okta.stop();
      await scim.stop();
      await database.destroy();
    });

    it('exits 0 naming each isolated user by IdP id with the reason; nobody is deactivated and the rest syncs', async () => {
      okta.store.setWireOverride(ids['bob']!, { status: 'PENDING_USER_ACTION' });
      okta.store.updateUser(ids['cyd']!, { displayName: 'Cyd\u0000Test' });
      person('dan');
      okta.store.updateUser(ids['dan']!, { firstName: '\u202Enad' });
      person('eve');
      const engId = [...okta.store.groups.values()].find((group) => group.profile.name === 'Engineering')!.id;
      okta.store.removeMember(engId, ids['bob']!);

      const result = await sync();

      expect(result.stdout).toContain('3 objects isolated (not synced):');
      expect(result.stdout).toContain(
        `  user ${ids['bob']}: status PENDING_USER_ACTION is not an Okta status dirsync knows`,
      );
      expect(result.stdout).toContain(`  user ${ids['cyd']}: displayName contains a NUL byte (U+0000) at character 4`);
      expect(result.stdout).toContain(
        `  user ${ids['dan']}: givenName contains a bidi control (U+202E RIGHT-TO-LEFT OVERRIDE) at character 1`,
      );
      expect(result.stdout + result.stderr).not.toContain('\u0000');
      expect(result.stdout + result.stderr).not.toContain('\u202E');
      // The log names them too, one warn line each, without the values.
      const warnings = result.stderr.split('\n').filter((line) => line.includes('isolated: not synced'));
      expect(warnings).toHaveLength(3);
      expect(warnings.join('\n')).toContain(ids['cyd']!);

      expect(scimUser('bob')?.active).toBe(true); // never deactivated because of it
      expect(scim.groupByName('Engineering')?.members?.map((member) => member.value).length).toBe(3); // bob kept
      expect(scimUser('cyd')?.displayName).toBe('cyd Test');
      expect(scimUser('dan')).toBeUndefined();
      expect(scimUser('eve')?.active).toBe(true);

      const status = await runCli(['status'], env);
      expect(status.stdout).toContain('isolated:  3 IdP object(s) not synced');
      expect(status.stdout).toContain(`user ${ids['bob']}: status PENDING_USER_ACTION`);
      const json = await runCli(['plan', '--full', '--json'], env);
      expect(json.code, `${json.stdout}\n${json.stderr}`).toBe(0);
      expect((JSON.parse(json.stdout) as { isolated: { id: string }[] }).isolated.map((object) => object.id)).toEqual(
        [ids['bob'], ids['cyd'], ids['dan']].sort(),
      );
    });

    it('a later sync after the records are fixed syncs them and lists nothing isolated', async () => {
      okta.store.setWireOverride(ids['bob']!, undefined);
      okta.store.updateUser(ids['cyd']!, { displayName: 'Cyd Fixed' });
      okta.store.updateUser(ids['dan']!, { firstName: 'Dan' });

      const result = await sync();

      expect(result.stdout).toMatch(/changes only/);
      expect(result.stdout).not.toContain('isolated');
      expect(scimUser('bob')?.active).toBe(true);
      expect(scimUser('cyd')?.displayName).toBe('Cyd Fixed');
      expect(scimUser('dan')?.active).toBe(true);
      const status = await runCli(['status'], env);
      expect(status.stdout).not.toContain('isolated:');

      // bob's memberships stayed as they were while he was isolated; the read after his release is full, and applies
      // that he left Engineering meanwhile.
      const next = await sync();
      expect(next.stdout).toMatch(/full read/);
      expect(scim.groupByName('Engineering')?.members?.length).toBe(2); // ada, cyd
      expect(scim.groupByName('Engineering')?.members?.map((member) => member.value)).not.toContain(
        scimUser('bob')?.id,
      );
    });
  },
);
