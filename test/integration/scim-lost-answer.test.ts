import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CreateResult, GroupWrite, UserWrite } from '../../src/targets/target.js';
import { TargetError } from '../../src/targets/target-error.js';
import { ScimTarget } from '../../src/targets/scim/scim-target.js';
import type { ScimTargetConfig } from '../../src/targets/scim/scim-target-config.js';
import type { ScimFault } from '../emulators/scim/scim-fault-injector.js';
import type { ScimProviderMode } from '../emulators/scim/scim-routes.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { generateSandboxDirectory } from '../fixtures/generate-sandbox-directory.js';
import { writeSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import type { TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { expectAppExact, scimWrites } from '../support/expected-app.js';
import { createTestDatabase } from '../support/test-databases.js';
import type { TestDatabase } from '../support/test-databases.js';

// DESIGN "Safety → Failures per op": a create whose outcome is unknown (timeout, reset, 5xx after sending) is
// retried only after looking the object up; no blind re-POST, for users and groups alike.
//
// The request log records what the client heard: a POST the app applied but whose answer an `afterApply` fault
// replaced shows as 503 or `reset`, not 201. So "the app created it once" reads: one resource, and no POST sent
// after the one that landed. The test server refuses a second user or group of the same name (409), so a blind
// re-POST does not show as a duplicate here; on apps that allow same-named groups it does, which is why the
// number of POSTs is what these tests hold to.

const TOKEN = 'tok-lost-answer-secret';

const ADA: UserWrite = {
  externalId: '00u-ada',
  userName: 'ada@example.com',
  email: 'ada@example.com',
  givenName: 'Ada',
  familyName: 'Lovelace',
  displayName: 'Ada Lovelace',
  active: true,
};
const SALES: GroupWrite = { externalId: '00g-sales', displayName: 'Sales' };

interface Kind {
  readonly name: 'user' | 'group';
  readonly path: '/Users' | '/Groups';
  readonly externalId: string;
  readonly create: (target: ScimTarget) => Promise<CreateResult>;
  readonly resources: (
    server: ScimTestServer,
  ) => readonly { readonly id: string; readonly externalId?: string | undefined }[];
}

const KINDS: readonly Kind[] = [
  {
    name: 'user',
    path: '/Users',
    externalId: ADA.externalId,
    create: (target) => target.createUser(ADA, { resumed: false }),
    resources: (server) => server.users(),
  },
  {
    name: 'group',
    path: '/Groups',
    externalId: SALES.externalId,
    create: (target) => target.createGroup(SALES, { resumed: false }),
    resources: (server) => server.groups(),
  },
];

interface LostAnswerCase {
  readonly name: string;
  readonly faults: (path: string) => readonly ScimFault[];
  /** POSTs the target sends in all. */
  readonly posts: number;
  /** POSTs whose 201 reached the target. */
  readonly answered201: number;
  /** Armed faults left unused: a resend that never happened. */
  readonly unused?: number;
  /** The waits before each retry, as today: 100 ms doubling, jitter 0.5 → 75, 150 … */
  readonly sleeps: readonly number[];
}

const CASES: readonly LostAnswerCase[] = [
  {
    name: 'the app applies the POST and answers 503',
    faults: (path) => [{ method: 'POST', path, status: 503, afterApply: true }],
    posts: 1,
    answered201: 0,
    sleeps: [75],
  },
  {
    name: 'the app applies the POST and would answer 503 twice in a row (a resend would land again)',
    faults: (path) => [{ method: 'POST', path, status: 503, afterApply: true, times: 2 }],
    posts: 1,
    answered201: 0,
    sleeps: [75],
    unused: 1,
  },
  {
    name: 'the app refuses the first POST with 503, then applies the second and answers 503',
    faults: (path) => [
      { method: 'POST', path, status: 503 },
      { method: 'POST', path, status: 503, afterApply: true },
    ],
    posts: 2,
    answered201: 0,
    sleeps: [75, 150],
  },
  {
    name: 'the app applies the POST, answers 503, and its first lookup answers 503 too',
    faults: (path) => [
      { method: 'POST', path, status: 503, afterApply: true },
      { method: 'GET', path, status: 503 },
    ],
    posts: 1,
    answered201: 0,
    sleeps: [75, 75],
  },
  {
    name: 'the app applies the POST and the connection drops before the answer',
    faults: (path) => [{ method: 'POST', path, status: 'reset', afterApply: true }],
    posts: 1,
    answered201: 0,
    sleeps: [75],
  },
  {
    name: 'the app answers 503 before applying the POST (nothing landed)',
    faults: (path) => [{ method: 'POST', path, status: 503 }],
    posts: 2,
    answered201: 1,
    sleeps: [75],
  },
];

let server: ScimTestServer;
let sleeps: number[];

function makeTarget(overrides: Partial<ScimTargetConfig> = {}): ScimTarget {
  return new ScimTarget({
    baseUrl: server.baseUrl,
    token: TOKEN,
    retry: { limit: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 10_000 },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    ...overrides,
  });
}

/** The target's requests in order, e.g. `POST /Users 503`, `GET /Users externalId eq "00u-ada" 200`. */
function trail(): string[] {
  return (
    server
      .requests()
      // Read once before the first create (may creates go in /Bulk?); not part of a create's story.
      .filter((request) => request.path !== '/ServiceProviderConfig')
      .map((request) =>
        [request.method, request.path, request.query['filter'], String(request.status)]
          .filter((part) => part !== undefined)
          .join(' '),
      )
  );
}

async function caught(promise: Promise<unknown>): Promise<TargetError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TargetError);
  return error as TargetError;
}

describe('dirsync sync (the built CLI) against a SCIM app that loses the answer to its first creates', () => {
  const directory = generateSandboxDirectory({ people: 12, groups: 3, seed: 77, everyone: false });
  let file: TempSandboxDirectoryFile;

  beforeAll(async () => {
    assertBuilt();
    file = await writeSandboxDirectoryFile(directory);
  });
  afterAll(async () => {
    await file.remove();
  });

  it.each([
    ['sqlite', 'strict'],
    ['postgres', 'limited'],
  ] as const)(
    'on a %s mirror and a %s app: the app ends exact, one POST per group and per user, no duplicate',
    async (dialect, mode) => {
      const scim = new ScimTestServer({ mode, token: TOKEN });
      const database: TestDatabase = await createTestDatabase(dialect, `scim_lost_answer_${mode}`);
      try {
        const env = {
          DATABASE_URL: database.url,
          DIRSYNC_SANDBOX_FILE: file.path,
          APP_SCIM_URL: await scim.start(),
          APP_SCIM_TOKEN: TOKEN,
          LOG_LEVEL: 'warn',
        };
        // The app creates the first group and the first user, then answers 503 / drops the connection.
        scim.failNext({ method: 'POST', path: '/Groups', status: 503, afterApply: true });
        scim.failNext({ method: 'POST', path: '/Users', status: 'reset', afterApply: true });

        const run = await runCli(['sync'], env);
        expect(run.code, `exit ${String(run.code)} (${String(run.signal)})\n${run.stdout}\n${run.stderr}`).toBe(0);
        expect(scim.pendingFaults()).toBe(0);
        expectAppExact(scim, directory);
        expect(scim.countRequests({ method: 'POST', path: '/Groups' })).toBe(directory.groups.length);
        expect(scim.countRequests({ method: 'POST', path: '/Users' })).toBe(scim.users().length);
        expect(new Set(scim.groups().map((group) => group.displayName.toLowerCase())).size).toBe(
          directory.groups.length,
        );

        // And the next run over the unchanged directory finds nothing to do.
        const writes = scimWrites(scim);
        const again = await runCli(['sync'], env);
        expect(
          again.code,
          `exit ${String(again.code)} (${String(again.signal)})\n${again.stdout}\n${again.stderr}`,
        ).toBe(0);
        expect(scimWrites(scim)).toBe(writes);
      } finally {
        await scim.stop();
        await database.destroy();
      }
    },
    120_000,
  );
});

describe('ScimTarget', () => {
  afterEach(async () => {
    await server.stop();
  });

  describe.each<ScimProviderMode>(['strict', 'limited'])('a create whose answer is lost, on a %s SCIM app', (mode) => {
    beforeEach(async () => {
      server = new ScimTestServer({ mode, token: TOKEN });
      await server.start();
      sleeps = [];
    });

    describe.each(KINDS)('$name', (kind) => {
      it.each(CASES)('$name: looks it up first, one resource, the create returns its id', async (scenario) => {
        for (const fault of scenario.faults(kind.path)) server.failNext(fault);
        const result = await kind.create(makeTarget());

        const resources = kind.resources(server);
        expect(resources, trail().join('\n')).toHaveLength(1);
        expect(resources[0]?.externalId).toBe(kind.externalId);
        expect(result).toEqual({ appId: resources[0]?.id, adopted: false });
        expect(server.countRequests({ method: 'POST', path: kind.path }), trail().join('\n')).toBe(scenario.posts);
        expect(server.countRequests({ method: 'POST', path: kind.path, status: 201 })).toBe(scenario.answered201);
        expect(server.pendingFaults()).toBe(scenario.unused ?? 0);
        // The lookup comes before any resend, by externalId first (limited apps refuse that filter, then by name).
        const steps = trail();
        const firstLookup = steps.findIndex((step) => step.startsWith(`GET ${kind.path} externalId eq `));
        expect(firstLookup, steps.join('\n')).toBeGreaterThan(0);
        expect(steps[firstLookup]).toContain(JSON.stringify(kind.externalId));
        const resend = steps.findIndex((step, index) => index > 0 && step.startsWith(`POST ${kind.path}`));
        if (resend !== -1) expect(firstLookup).toBeLessThan(resend);
        expect(sleeps).toEqual(scenario.sleeps);
      });

      it('applies the POST but its answer never comes (timeout): looks it up, no second POST', async () => {
        server.failNext({ method: 'POST', path: kind.path, status: 'hang', afterApply: true });
        const result = await kind.create(makeTarget({ timeoutMs: 1_000 }));
        const resources = kind.resources(server);
        expect(resources).toHaveLength(1);
        expect(result).toEqual({ appId: resources[0]?.id, adopted: false });
        // The server made it and never answered: one POST, then the lookup found it.
        expect(server.countRequests({ method: 'POST', path: kind.path })).toBe(1);
        expect(server.countRequests({ method: 'POST', path: kind.path, status: 'hang' })).toBe(1);
      });

      it('sends a POST refused with 429 again without a lookup: the app did not act on it', async () => {
        server.failNext({ method: 'POST', path: kind.path, status: 429, retryAfterSeconds: 1 });
        const result = await kind.create(makeTarget());
        expect(trail().filter((step) => step.startsWith(`GET ${kind.path}`))).toEqual([]);
        expect(server.countRequests({ method: 'POST', path: kind.path, status: 201 })).toBe(1);
        expect(result.appId).toBe(kind.resources(server)[0]?.id);
        expect(sleeps).toEqual([1000]);
      });
    });

    it('does not take a same-named user of another tool for its lost create: the resend meets 409 and holds it', async () => {
      const existing = server.seedUser({ userName: 'ADA@example.com', externalId: 'other-tool-7' });
      server.failNext({ method: 'POST', path: '/Users', status: 503 });
      await expect(makeTarget().createUser(ADA, { resumed: false })).rejects.toMatchObject({
        name: 'OpHeldError',
        hold: { reason: 'recycled-other-external-id' },
      });
      expect(server.users()).toHaveLength(1);
      expect(server.user(existing.id)?.externalId).toBe('other-tool-7');
      expect(server.countRequests({ method: 'POST', path: '/Users', status: 409 })).toBe(1);
    });

    it('does not take a same-named group of another tool for its lost create: the resend meets 409 and adopts it', async () => {
      const existing = server.seedGroup({ displayName: 'SALES', externalId: 'other-tool-9' });
      server.failNext({ method: 'POST', path: '/Groups', status: 503 });
      const result = await makeTarget().createGroup(SALES, { resumed: false });
      expect(result).toEqual({ appId: existing.id, adopted: true });
      expect(server.groups()).toHaveLength(1);
      expect(server.group(existing.id)?.externalId).toBe(SALES.externalId);
    });

    it('takes a group of that name without externalId as its lost create (apps that drop a group’s externalId)', async () => {
      const existing = server.seedGroup({ displayName: 'Sales' });
      server.failNext({ method: 'POST', path: '/Groups', status: 503 });
      const result = await makeTarget().createGroup(SALES, { resumed: false });
      expect(result).toEqual({ appId: existing.id, adopted: false });
      expect(server.countRequests({ method: 'POST', path: '/Groups' })).toBe(1);
      expect(server.groups()).toHaveLength(1);
    });

    it('gives up as unavailable after the retries when the app keeps failing and nothing landed', async () => {
      server.failNext({ method: 'POST', path: '/Groups', status: 503, times: Infinity, detail: 'maintenance' });
      const error = await caught(makeTarget().createGroup(SALES, { resumed: false }));
      expect(error.kind).toBe('unavailable');
      expect(error.message).toContain('POST /Groups with HTTP 503 (maintenance), still failing after 3 retries');
      // Every resend came after a lookup that found nothing.
      expect(server.countRequests({ method: 'POST', path: '/Groups' })).toBe(4);
      expect(server.groups()).toEqual([]);
    });
  });

  describe('a create that never left', () => {
    beforeEach(async () => {
      server = new ScimTestServer({ token: TOKEN });
      await server.start();
      sleeps = [];
    });

    it('is sent again without a lookup when the connection is refused: nothing can have landed', async () => {
      const target = makeTarget();
      // What the app can do is read while it is up (creates read it once, before the first).
      expect(await target.opsPerRequest('user.create')).toBe(1);
      await server.stop();
      const error = await caught(target.createUser(ADA, { resumed: false }));
      expect(error.kind).toBe('unavailable');
      // A lookup would have failed first, on GET /Users.
      expect(error.message).toMatch(
        /^Cannot reach http:\/\/127\.0\.0\.1:\d+\/scim\/v2 \(POST \/Users\): .*ECONNREFUSED/,
      );
      expect(sleeps).toHaveLength(3);
      expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
      await server.start();
    });
  });
});
