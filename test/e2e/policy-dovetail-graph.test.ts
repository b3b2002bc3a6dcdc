import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphEmulator } from '../emulators/graph/graph-emulator.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { DOVETAIL_USER_EXTENSION, dovetailRolesAndAdmins, dovetailUsers } from '../support/dovetail-app-users.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { startGraphForDirsync } from '../emulators/graph/graph-dirsync-env.js';

const TENANT = 'c0ffee00-0000-4000-8000-000000000001';
const CLIENT = 'c0ffee00-0000-4000-8000-000000000002';
const SECRET = 'e2e-policy-graph-secret';
const SCIM_TOKEN = 'e2e-policy-graph-dovetail-token';
const DOVETAIL = DOVETAIL_USER_EXTENSION;
const ADMIN_FLAG = 'extension_5b1e_dovetailAdmin';

// Dovetail's settings on Entra: only the enterprise app's people, guests out, Research flattened (its leads are
// in a nested group), username = e-mail, the role from groups and the admin flag from a directory extension.
const POLICY = {
  scope: { users: { exclude: [{ attribute: 'userType', equals: 'Guest' }] }, groups: { include: ['Research*'] } },
  nestedGroups: 'flatten',
  mapping: {
    userName: 'email',
    attributes: { [`${DOVETAIL}:workspaceAdmin`]: { attribute: ADMIN_FLAG } },
  },
  roles: {
    attribute: 'role',
    rules: [
      { group: 'Research Leads', value: 'MANAGER' },
      { group: 'Research', value: 'CONTRIBUTOR' },
    ],
    default: 'VIEWER',
  },
};

describe.each(DIALECTS)(
  'a policy for a Dovetail-like app, read from Entra ID through the CLI — %s mirror',
  (dialect) => {
    const emulator = new GraphEmulator();
    const scim = new ScimTestServer({ token: SCIM_TOKEN, dialect: 'dovetail' });
    let database: TestDatabase;
    let env: Record<string, string>;
    let scimUrl: string;
    let dir: string;
    const ids: Record<string, string> = {};
    const groups: Record<string, string> = {};

    const sync = async () => {
      const result = await runCli(['sync'], env);
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      return result;
    };
    const roleAndAdmin = () => dovetailRolesAndAdmins(scimUrl, SCIM_TOKEN, ids);
    const appUsers = () => dovetailUsers(scimUrl, SCIM_TOKEN, ids);

    beforeAll(async () => {
      assertBuilt();
      const { env: graphEnv } = await startGraphForDirsync(emulator, {
        tenantId: TENANT,
        clientId: CLIENT,
        clientSecret: SECRET,
        roles: ['User.Read.All', 'GroupMember.Read.All', 'Application.Read.All'],
      });
      scimUrl = await scim.start();
      database = await createTestDatabase(dialect, 'e2e_policy_graph');
      dir = await mkdtemp(join(tmpdir(), 'dirsync-policy-graph-'));
      await writeFile(join(dir, 'policy.json'), JSON.stringify(POLICY));
      const d = emulator.directory;
      const person = (name: string, fields: Record<string, unknown> = {}) => {
        ids[name] = d.createUser({
          userPrincipalName: `${name}.upn@contoso.example`,
          mail: `${name}@contoso.example`,
          givenName: name,
          surname: 'Test',
          ...fields,
        }).id;
      };
      person('ada', { [ADMIN_FLAG]: true });
      person('bob');
      person('cyd');
      person('dee');
      person('gus', { userType: 'Guest' });
      person('out'); // in Sales only, which is not assigned to the app: never read
      for (const name of ['Research', 'Research Leads', 'Sales'])
        groups[name] = d.createGroup({ displayName: name }).id;
      d.addMember(groups['Research']!, groups['Research Leads']!);
      for (const name of ['ada', 'dee']) d.addMember(groups['Research Leads']!, ids[name]!);
      for (const name of ['bob', 'gus']) d.addMember(groups['Research']!, ids[name]!);
      for (const name of ['cyd', 'out']) d.addMember(groups['Sales']!, ids[name]!);
      const app = emulator.servicePrincipals.create({ displayName: 'Dovetail' });
      for (const name of ['ada', 'cyd']) emulator.servicePrincipals.assign(app.id, ids[name]!);
      for (const name of ['Research', 'Research Leads']) emulator.servicePrincipals.assign(app.id, groups[name]!);
      env = {
        DATABASE_URL: database.url,
        ...graphEnv,
        GRAPH_SERVICE_PRINCIPAL_ID: app.id,
        APP_SCIM_URL: scimUrl,
        APP_SCIM_TOKEN: SCIM_TOKEN,
        SCIM_DIALECT: 'dovetail',
        DIRSYNC_POLICY_FILE: join(dir, 'policy.json'),
      };
      expect((await runCli(['migrate'], env)).code).toBe(0);
    }, 60_000);
    afterAll(async () => {
      await emulator.stop();
      await scim.stop();
      await database.destroy();
      await rm(dir, { recursive: true, force: true });
    });

    it('creates the assigned members, guests out, roles through nesting, the flag from an extension attribute', async () => {
      await sync();
      const users = await appUsers();
      expect([...users.keys()].sort()).toEqual(['ada', 'bob', 'cyd', 'dee']);
      expect(users.get('bob')?.userName).toBe('bob@contoso.example');
      expect(await roleAndAdmin()).toEqual({
        ada: 'MANAGER/true',
        bob: 'CONTRIBUTOR/undefined',
        cyd: 'VIEWER/undefined',
        dee: 'MANAGER/undefined',
      });
      expect(
        scim
          .groups()
          .map((group) => group.displayName)
          .sort(),
      ).toEqual(['Research', 'Research Leads']);
      // Research holds its direct members and the leads nested in it; the guest is not there.
      const research = scim.groups().find((group) => group.displayName === 'Research');
      expect(research?.members?.map((m) => m.value).sort()).toEqual(
        ['ada', 'bob', 'dee'].map((name) => users.get(name)?.id).sort(),
      );
    }, 120_000);

    it('follows the IdP: a new nested lead becomes MANAGER, the flag is cleared, a removal is work by hand', async () => {
      const d = emulator.directory;
      d.addMember(groups['Research Leads']!, ids['bob']!);
      d.updateUser(ids['ada']!, { [ADMIN_FLAG]: false });
      d.removeMember(groups['Research Leads']!, ids['ada']!);
      const result = await sync();
      // Ada stays in scope (assigned herself) but leaves the leads: VIEWER, and her removals are work by hand.
      expect(await roleAndAdmin()).toEqual({
        ada: 'VIEWER/false',
        bob: 'MANAGER/undefined',
        cyd: 'VIEWER/undefined',
        dee: 'MANAGER/undefined',
      });
      expect(result.stdout).toContain('must be made by hand');
    }, 120_000);

    it('`why` names the guest rule and the nested membership', async () => {
      const gus = await runCli(['why', ids['gus']!], env);
      expect(gus.stdout).toContain('out of scope: excluded by the policy rule userType equals "Guest"');
      const dee = await runCli(['why', ids['dee']!], env);
      expect(dee.stdout).toContain('mapped role "MANAGER" (from role rule 1: member of "Research Leads")');
      expect(dee.stdout).toContain(
        'member of "Research" in Entra ID through a nested group (policy nestedGroups: flatten) → member of "Research" in the app',
      );
    }, 60_000);

    it('reports groups nested in a cycle in the summary and the log, and the run still succeeds', async () => {
      emulator.directory.addMember(groups['Research Leads']!, groups['Research']!);
      const result = await sync();
      expect(result.stdout).toContain(
        'groups nested in 1 cycle in the IdP (flattened anyway; remove one nesting of each):',
      );
      expect(result.stdout).toMatch(/"Research( Leads)?" \([^)]+\) contains "Research( Leads)?"/);
      expect(result.stderr).toContain('groups nested in a cycle');
    }, 120_000);
  },
);
