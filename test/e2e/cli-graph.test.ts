import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDirectoryFile } from '../../connectors/sandbox/sandbox-directory-file.js';
import { GraphEmulator } from '../emulators/graph/graph-emulator.js';
import { SmtpTestServer } from '../emulators/smtp/smtp-test-server.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { expectAppExact, scimWrites } from '../support/expected-app.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { startGraphForDirsync } from '../emulators/graph/graph-dirsync-env.js';

const TENANT = '6f0c4a3e-0000-4000-8000-00000000e2e1';
const CLIENT = '0b8f7d2c-0000-4000-8000-00000000e2e2';
const SECRET = 'e2e-graph-secret';
const TOKEN = 'e2e-scim-token';

/**
 * The emulator's directory in the oracle's terms (DESIGN "Semantics"): enabled = active; e-mail = mail, else the
 * primary SMTP: proxy address, else otherMails[0], else the UPN; display name, else "given family".
 */
function asDirectory(emulator: GraphEmulator): SandboxDirectoryFile {
  const store = emulator.directory;
  const users = store.users().map((u) => {
    const primary = u.proxyAddresses.find((a) => a.startsWith('SMTP:'))?.slice(5);
    return {
      id: u.id,
      userName: u.userPrincipalName,
      email: u.mail ?? primary ?? u.otherMails[0] ?? u.userPrincipalName,
      givenName: u.givenName ?? '',
      familyName: u.surname ?? '',
      ...(u.displayName ? { displayName: u.displayName } : {}),
      status: u.accountEnabled ? ('ACTIVE' as const) : ('SUSPENDED' as const),
    };
  });
  const groups = store.groups().map((g) => ({
    id: g.id,
    displayName: g.displayName,
    members: (store.members(g.id) ?? []).filter((m) => m.type === 'user').map((m) => m.id),
  }));
  return { users, groups };
}

describe.each(DIALECTS)(
  'dirsync sync through the CLI on Microsoft Graph delta queries (real SDKs, HTTPS emulator) — %s mirror',
  (dialect) => {
    const emulator = new GraphEmulator();
    const scim = new ScimTestServer({ token: TOKEN });
    const smtp = new SmtpTestServer();
    let database: TestDatabase;
    let env: Record<string, string>;

    beforeAll(async () => {
      assertBuilt();
      const { env: graphEnv } = await startGraphForDirsync(emulator, {
        tenantId: TENANT,
        clientId: CLIENT,
        clientSecret: SECRET,
      });
      database = await createTestDatabase(dialect, 'cli_graph');
      env = {
        DATABASE_URL: database.url,
        ...graphEnv,
        APP_SCIM_URL: await scim.start(),
        APP_SCIM_TOKEN: TOKEN,
        SMTP_URL: (await smtp.start()).url,
        INVITE_FROM: 'it@contoso.example',
      };
      const d = emulator.directory;
      const ada = d.createUser({
        userPrincipalName: 'ada@contoso.example',
        mail: 'ada@contoso.example',
        givenName: 'Ada',
        surname: 'Lovelace',
        displayName: 'Ada Lovelace',
      });
      const bob = d.createUser({
        userPrincipalName: 'bob@contoso.example',
        proxyAddresses: ['smtp:bob.alias@contoso.example', 'SMTP:bob.smith@contoso.example'],
        givenName: 'Bob',
        surname: 'Smith',
      });
      const guest = d.createUser({
        userPrincipalName: 'zoe_fabrikam.example#EXT#@contoso.example',
        mail: 'zoe@fabrikam.example',
        userType: 'Guest',
        givenName: 'Zoë',
        surname: "O'Neil",
      });
      d.createUser({
        userPrincipalName: 'off@contoso.example',
        accountEnabled: false,
        givenName: 'Off',
        surname: 'Line',
      });
      const eng = d.createGroup({ displayName: 'Engineering' });
      const ops = d.createGroup({ displayName: 'Ops' });
      d.addMember(eng.id, ada.id);
      d.addMember(eng.id, bob.id);
      d.addMember(eng.id, ops.id); // nested: not flattened, ignored
      d.addMember(ops.id, guest.id);
    });
    afterAll(async () => {
      await emulator.stop();
      await scim.stop();
      await smtp.stop();
      await database.destroy();
    });

    const sync = async () => {
      const result = await runCli(['sync'], env);
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      return result;
    };
    const exact = () => {
      expectAppExact(scim, asDirectory(emulator));
    };
    const writes = () => scimWrites(scim);

    it('first sync: a full delta round creates the enabled people and the groups, inviting each once', async () => {
      expect((await runCli(['migrate'], env)).code).toBe(0);
      const result = await sync();
      expect(result.stdout).toMatch(/full read/);
      exact();
      expect(
        smtp
          .messages()
          .map((m) => m.envelopeTo[0])
          .sort(),
      ).toEqual(['ada@contoso.example', 'bob.smith@contoso.example', 'zoe@fabrikam.example'].sort());
    });

    it('a no-op sync uses the stored delta links only and writes nothing to the app', async () => {
      emulator.clearRequests();
      const before = writes();
      const result = await sync();
      expect(result.stdout).toMatch(/changes only/);
      const graph = emulator.requests({ service: 'graph' });
      expect(graph.map((r) => r.url.split('?')[0]?.replace(/^.*\/v1\.0/, ''))).toEqual([
        '/users/delta',
        '/groups/delta',
      ]);
      expect(graph.every((r) => /\$deltatoken=/.test(r.url))).toBe(true);
      expect(writes()).toBe(before);
    });

    it('follows disables, deletes, creates, a UPN rename, group renames, creates, deletes and membership moves', async () => {
      const d = emulator.directory;
      const byUpn = (upn: string) => d.users().find((u) => u.userPrincipalName === upn)!;
      const group = (name: string) => d.groups().find((g) => g.displayName === name)!;
      d.updateUser(byUpn('bob@contoso.example').id, { accountEnabled: false });
      d.deleteUser(byUpn('zoe_fabrikam.example#EXT#@contoso.example').id);
      d.updateUser(byUpn('off@contoso.example').id, { accountEnabled: true });
      d.updateUser(byUpn('ada@contoso.example').id, { userPrincipalName: 'ada.lovelace@contoso.example' });
      const cyd = d.createUser({
        userPrincipalName: 'cyd@contoso.example',
        otherMails: ['cyd@home.example'],
        givenName: 'Cyd',
      });
      d.updateGroup(group('Engineering').id, { displayName: 'Engineering & Product' });
      const sales = d.createGroup({ displayName: 'Sales' });
      d.addMember(sales.id, cyd.id);
      d.addMember(sales.id, byUpn('off@contoso.example').id);
      d.removeMember(group('Engineering & Product').id, byUpn('ada.lovelace@contoso.example').id);
      d.deleteGroup(group('Ops').id);
      const mails = smtp.messages().length;
      await sync();
      exact();
      expect(scim.users().find((u) => u.userName === 'ada.lovelace@contoso.example')).toBeDefined();
      expect(
        smtp
          .messages()
          .slice(mails)
          .map((m) => m.envelopeTo[0])
          .sort(),
      ).toEqual(['cyd@home.example', 'off@contoso.example']);
    });

    it('a delta round interrupted by throttling stores no half-round link, changes nothing, and the next run converges', async () => {
      const d = emulator.directory;
      const dee = d.users().find((u) => u.userPrincipalName === 'off@contoso.example')!;
      d.updateUser(dee.id, { accountEnabled: false });
      emulator.throttleNext({
        status: 503,
        retryAfterSeconds: 1,
        times: 10,
        match: { service: 'graph', url: /groups\/delta/ },
      });
      const before = writes();
      const failed = await runCli(['sync'], env);
      emulator.clearFaults();
      expect(failed.code).toBe(2);
      expect(failed.stderr.split('\n').filter((l) => l.startsWith('dirsync:'))).toHaveLength(1);
      expect(writes()).toBe(before);
      await sync();
      expect(scim.users().find((u) => u.externalId === dee.id)?.active).toBe(false);
      exact();
    }, 60_000);

    it('an expired delta token (410): the next sync starts a fresh round and reconciles by absence', async () => {
      const d = emulator.directory;
      emulator.expireDeltaTokens();
      const gone = d.users().find((u) => u.userPrincipalName === 'cyd@contoso.example')!;
      d.deleteUser(gone.id, { permanently: true });
      d.createUser({ userPrincipalName: 'dee@contoso.example', mail: 'dee@contoso.example', givenName: 'Dee' });
      const result = await sync();
      expect(result.stdout).toMatch(/full read/);
      exact();
      expect(scim.users().find((u) => u.externalId === gone.id)?.active).toBe(false);
    });
  },
);
