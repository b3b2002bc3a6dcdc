// The hostile case of issue 10 through the CLI: a departed person's login is given to a new hire (a new IdP id).
// The create meets the departed person's deactivated account (409): it is held with both identities, nothing is
// written to that account; `dirsync why` shows the hold; `dirsync approve <op-key>` lets the next sync adopt it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDirectoryFile, SandboxUser } from '../../connectors/sandbox/sandbox-directory-file.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const TOKEN = 'recycled-token';
const LOGIN = 'alice@acme.example';
const OP_KEY = 'user.create:default:00u-new';
const SLOW = 180_000;

function alice(id: string, familyName: string, status: SandboxUser['status']): SandboxUser {
  return { id, userName: LOGIN, email: LOGIN, givenName: 'Alice', familyName, status };
}

const BOB: SandboxUser = {
  id: 'bob',
  userName: 'bob@acme.example',
  email: 'bob@acme.example',
  givenName: 'Bob',
  familyName: 'Berg',
  status: 'ACTIVE',
};

// Alice Oldham works here; she leaves (deactivated in the app, her data kept); she is deleted from the IdP and her
// login is given to Alice Newman, a new hire with a new IdP id.
const WORKS: SandboxDirectoryFile = { users: [alice('00u-old', 'Oldham', 'ACTIVE'), BOB], groups: [] };
const LEFT: SandboxDirectoryFile = { users: [alice('00u-old', 'Oldham', 'DEPROVISIONED'), BOB], groups: [] };
const RECYCLED: SandboxDirectoryFile = { users: [alice('00u-new', 'Newman', 'ACTIVE'), BOB], groups: [] };

interface WhyJson {
  readonly ops: readonly {
    readonly key: string;
    readonly status: string;
    readonly hold: {
      readonly reason: string;
      readonly message: string;
      readonly incoming: { readonly externalId: string | null; readonly userName: string };
      readonly existing: {
        readonly externalId: string | null;
        readonly appId: string | null;
        readonly active: boolean;
      };
      readonly approvedAt: string | null;
    } | null;
  }[];
}

describe.each(DIALECTS)('a recycled login through the CLI, on %s', (dialect) => {
  const scim = new ScimTestServer({ token: TOKEN });
  let database: TestDatabase;
  let file: TempSandboxDirectoryFile;
  let env: Record<string, string>;

  beforeAll(async () => {
    assertBuilt();
    const scimUrl = await scim.start();
    database = await createTestDatabase(dialect, 'recycled_identity');
    file = await writeSandboxDirectoryFile(WORKS);
    env = {
      DATABASE_URL: database.url,
      DIRSYNC_SANDBOX_FILE: file.path,
      APP_SCIM_URL: scimUrl,
      APP_SCIM_TOKEN: TOKEN,
      INVITE_MODE: 'off',
      LOG_LEVEL: 'warn',
    };
  }, 60_000);

  afterAll(async () => {
    await scim.stop();
    await file?.remove();
    await database?.destroy();
  });

  it(
    'holds the new hire’s create, shows both identities, and adopts the account only once approved',
    async () => {
      for (const directory of [WORKS, LEFT]) {
        await file.write(directory);
        const run = await runCli(['sync'], env);
        expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      }
      const departed = scim.userByName(LOGIN);
      expect(departed).toMatchObject({ externalId: '00u-old', active: false, name: { familyName: 'Oldham' } });
      if (departed === undefined) return;

      // The login comes back for someone else: held, and the departed person's account is left as it was.
      await file.write(RECYCLED);
      scim.clearRequests();
      const recycled = await runCli(['sync'], env);
      const output = `${recycled.stdout}\n${recycled.stderr}`;
      expect(recycled.code, output).toBe(1);
      expect(scim.user(departed.id)).toEqual(departed);
      expect(scim.users()).toHaveLength(2);
      expect(scim.requests().filter((request) => request.method === 'PATCH')).toEqual([]);
      // The summary names both identities (the new IdP id and the account's) and how to go on.
      expect(output).toContain('00u-new');
      expect(output).toContain('00u-old');
      expect(output).toContain(OP_KEY);

      const whyHeld = await runCli(['why', '--json', '00u-new'], env);
      expect(whyHeld.code, whyHeld.stderr).toBe(0);
      const held = (JSON.parse(whyHeld.stdout) as WhyJson).ops.find((op) => op.key === OP_KEY);
      expect(held?.status).toBe('held');
      expect(['recycled-known-as-other', 'recycled-other-external-id']).toContain(held?.hold?.reason);
      expect(held?.hold).toMatchObject({
        incoming: { externalId: '00u-new', userName: LOGIN },
        existing: { externalId: '00u-old', appId: departed.id, active: false },
        approvedAt: null,
      });
      const whyText = await runCli(['why', '00u-new'], env);
      expect(whyText.stdout).toContain(`next: waits for a person: \`dirsync approve ${OP_KEY}\``);
      expect(whyText.stdout).toMatch(
        /existing: login alice@acme\.example, "Alice Oldham", app user \S+, IdP 00u-old, inactive/,
      );

      // Held again by the next ordinary run: nothing changes until a person decides.
      const again = await runCli(['sync'], env);
      expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(1);
      expect(scim.user(departed.id)).toEqual(departed);

      const approve = await runCli(['approve', OP_KEY], env);
      expect(approve.code, `${approve.stdout}\n${approve.stderr}`).toBe(0);
      const adopted = await runCli(['sync'], env);
      expect(adopted.code, `${adopted.stdout}\n${adopted.stderr}`).toBe(0);
      expect(scim.users()).toHaveLength(2);
      expect(scim.user(departed.id)).toMatchObject({
        userName: LOGIN,
        externalId: '00u-new',
        active: true,
        name: { givenName: 'Alice', familyName: 'Newman' },
      });

      const whyAdopted = await runCli(['why', '--json', '00u-new'], env);
      const applied = (JSON.parse(whyAdopted.stdout) as WhyJson).ops.find((op) => op.key === OP_KEY);
      expect(applied?.status).toBe('applied');
      expect(applied?.hold?.approvedAt).toMatch(/^\d{4}-\d\d-\d\dT/);

      const quiet = await runCli(['sync'], env);
      expect(quiet.code, `${quiet.stdout}\n${quiet.stderr}`).toBe(0);
    },
    SLOW,
  );
});
