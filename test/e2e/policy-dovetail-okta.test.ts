import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OktaOrgEmulator } from '../emulators/okta/okta-org-emulator.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { DOVETAIL_USER_EXTENSION, dovetailRolesAndAdmins, dovetailUsers } from '../support/dovetail-app-users.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const API_TOKEN = 'e2e-policy-okta-token';
const SCIM_TOKEN = 'e2e-policy-dovetail-token';
const DOVETAIL = DOVETAIL_USER_EXTENSION;

// Dovetail's admin settings (seed 003) as a policy: username = e-mail, the role from groups, the workspace admin
// flag from a group, only the Research groups pushed, guests kept out.
const POLICY = `
scope:
  users:
    exclude: [{ attribute: userType, equals: Guest }]
  groups:
    include: ["Research*"]
mapping:
  userName: email
  attributes:
    "${DOVETAIL}:workspaceAdmin": { group: "Dovetail Admins", then: true, else: false }
roles:
  attribute: role
  rules:
    - { group: "Research Leads", value: MANAGER }
    - { group: Research, value: CONTRIBUTOR }
  default: VIEWER
groups:
  links: { "Research Leads": "Leads team" }
`;

describe.each(DIALECTS)('a policy for a Dovetail-like app, read from Okta through the CLI — %s mirror', (dialect) => {
  const okta = new OktaOrgEmulator({ apiToken: API_TOKEN });
  const scim = new ScimTestServer({ token: SCIM_TOKEN, dialect: 'dovetail' });
  let database: TestDatabase;
  let env: Record<string, string>;
  let scimUrl: string;
  let dir: string;
  const ids: Record<string, string> = {};
  const groups: Record<string, string> = {};
  let leadsTeam = '';

  const person = (name: string, profile: Record<string, unknown> = {}) => {
    ids[name] = okta.store.createUser({
      profile: {
        login: `${name}.login@corp.acme.example`,
        email: `${name}@acme.example`,
        firstName: name,
        lastName: 'Test',
        userType: 'Employee',
        ...profile,
      },
    }).id;
  };
  const sync = async () => {
    const result = await runCli(['sync'], env);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    return result;
  };
  const roleAndAdmin = () => dovetailRolesAndAdmins(scimUrl, SCIM_TOKEN, ids);
  const appUsers = () => dovetailUsers(scimUrl, SCIM_TOKEN, ids);

  beforeAll(async () => {
    assertBuilt();
    const { orgUrl, caPath } = await okta.start();
    scimUrl = await scim.start();
    database = await createTestDatabase(dialect, 'e2e_policy_okta');
    dir = await mkdtemp(join(tmpdir(), 'dirsync-policy-'));
    await writeFile(join(dir, 'policy.yaml'), POLICY);
    person('ada');
    person('bob');
    person('cyd');
    person('ed');
    person('gus', { userType: 'Guest' });
    for (const name of ['Research', 'Research Leads', 'Dovetail Admins', 'Sales']) {
      groups[name] = okta.store.createGroup({ name }).id;
    }
    const member = (group: string, ...names: string[]) => {
      for (const name of names) okta.store.addMember(groups[group]!, ids[name]!);
    };
    member('Research', 'ada', 'bob', 'ed', 'gus');
    member('Research Leads', 'ada');
    member('Dovetail Admins', 'ada');
    member('Sales', 'cyd');
    // Okta's own scope: only people assigned to the app (directly, or through an assigned group) are read.
    const app = okta.store.createApp('Dovetail');
    for (const group of ['Research', 'Research Leads', 'Dovetail Admins'])
      okta.store.assignGroupToApp(app.id, groups[group]!);
    for (const name of ['bob', 'cyd']) okta.store.assignUserToApp(app.id, ids[name]!);
    env = {
      DATABASE_URL: database.url,
      OKTA_CLIENT_ORGURL: orgUrl,
      OKTA_CLIENT_TOKEN: API_TOKEN,
      OKTA_APP_ID: app.id,
      NODE_EXTRA_CA_CERTS: caPath,
      APP_SCIM_URL: scimUrl,
      APP_SCIM_TOKEN: SCIM_TOKEN,
      SCIM_DIALECT: 'dovetail',
      DIRSYNC_POLICY_FILE: join(dir, 'policy.yaml'),
    };
    // The app already has a team for the leads, under another name: the policy links the Okta group to it.
    leadsTeam = scim.seedGroup({ displayName: 'Leads team' }).id;
    expect((await runCli(['migrate'], env)).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await okta.stop();
    await scim.stop();
    await database.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates people with username = e-mail, role and admin flag from groups, the Research groups only, one linked', async () => {
    await sync();
    const users = await appUsers();
    expect([...users.keys()].sort()).toEqual(['ada', 'bob', 'cyd', 'ed']);
    expect(users.get('ada')?.userName).toBe('ada@acme.example');
    expect(await roleAndAdmin()).toEqual({
      ada: 'MANAGER/true',
      bob: 'CONTRIBUTOR/false',
      cyd: 'VIEWER/false',
      ed: 'CONTRIBUTOR/false',
    });
    expect(
      scim
        .groups()
        .map((group) => group.displayName)
        .sort(),
    ).toEqual(['Leads team', 'Research']);
    // The linked team is the app's own (same id), now holding the Okta group's people.
    const leads = scim.groups().find((group) => group.displayName === 'Leads team');
    expect(leads?.id).toBe(leadsTeam);
    expect(leads?.members?.map((m) => m.value)).toEqual([users.get('ada')?.id]);
    const research = scim.groups().find((group) => group.displayName === 'Research');
    expect(research?.members?.map((m) => m.value).sort()).toEqual(
      ['ada', 'bob', 'ed'].map((name) => users.get(name)?.id).sort(),
    );
  }, 120_000);

  it('follows group changes: a new lead becomes MANAGER, an admin loses the flag, a removal is work by hand', async () => {
    okta.store.addMember(groups['Research Leads']!, ids['ed']!);
    okta.store.removeMember(groups['Dovetail Admins']!, ids['ada']!);
    okta.store.removeMember(groups['Research']!, ids['bob']!);
    const result = await sync();
    expect(await roleAndAdmin()).toEqual({
      ada: 'MANAGER/false',
      bob: 'VIEWER/false',
      cyd: 'VIEWER/false',
      ed: 'MANAGER/false',
    });
    expect(result.stdout).toContain('must be made by hand');
    const again = await sync();
    expect(again.stdout).toContain('must be made by hand');
    expect(scim.countRequests({ method: 'PATCH' })).toBeGreaterThan(0);
  }, 120_000);

  it('plans a policy change from the mirror on the next run: new default role, nothing else moves', async () => {
    await writeFile(join(dir, 'policy.yaml'), POLICY.replace('default: VIEWER', 'default: CONTRIBUTOR'));
    const patchesBefore = scim.countRequests({ method: 'PATCH' });
    await sync();
    expect(await roleAndAdmin()).toEqual({
      ada: 'MANAGER/false',
      bob: 'CONTRIBUTOR/false',
      cyd: 'CONTRIBUTOR/false',
      ed: 'MANAGER/false',
    });
    // Two role updates; the unsupported member removal is not attempted again.
    expect(scim.countRequests({ method: 'PATCH' }) - patchesBefore).toBe(2);
  }, 120_000);

  it('`why` shows the scope, role and mapping decisions', async () => {
    const gus = await runCli(['why', ids['gus']!], env);
    expect(gus.stdout).toContain('out of scope: excluded by the policy rule userType equals "Guest"');
    const ed = await runCli(['why', ids['ed']!], env);
    expect(ed.code, ed.stderr).toBe(0);
    expect(ed.stdout).toContain('mapped role "MANAGER" (from role rule 1: member of "Research Leads")');
    expect(ed.stdout).toContain(`mapped ${DOVETAIL}:workspaceAdmin false (from member of "Dovetail Admins"`);
    expect(ed.stdout).toContain('mapped userName ed@acme.example (from the e-mail (policy mapping.userName: email))');
    // Bob's removal from Research is work by hand: `why` shows it with the reason.
    const bob = await runCli(['why', ids['bob']!], env);
    expect(bob.stdout).toMatch(/members\.remove .*unsupported/);
    expect(bob.stdout).toContain('does not remove group members over SCIM');
  }, 60_000);
});
