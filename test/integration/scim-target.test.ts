import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunStoppedError } from '../../src/targets/run-stopped-error.js';
import { TargetError } from '../../src/targets/target-error.js';
import type { UserWrite } from '../../src/targets/target.js';
import { ScimTarget } from '../../src/targets/scim/scim-target.js';
import type { ScimRequestEvent, ScimTargetConfig } from '../../src/targets/scim/scim-target-config.js';
import type { ScimWireResponse } from '../../src/targets/scim/scim-wire.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import type { ScimProviderMode } from '../emulators/scim/scim-routes.js';

const TOKEN = 'tok-3f9a1c-very-secret';

function person(overrides: Partial<UserWrite> = {}): UserWrite {
  return {
    externalId: '00u-ada',
    userName: 'ada@example.com',
    email: 'ada@example.com',
    givenName: 'Ada',
    familyName: 'Lovelace',
    displayName: 'Ada Lovelace',
    active: true,
    ...overrides,
  };
}

async function caught(promise: Promise<unknown>): Promise<TargetError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TargetError);
  return error as TargetError;
}

let server: ScimTestServer;
let sleeps: number[];
let events: ScimRequestEvent[];

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
    onRequest: (event) => events.push(event),
    ...overrides,
  });
}

async function startServer(mode: ScimProviderMode, serviceProviderConfig = true): Promise<void> {
  server = new ScimTestServer({ mode, token: TOKEN, serviceProviderConfig });
  await server.start();
  sleeps = [];
  events = [];
}

afterEach(async () => {
  await server.stop();
});

describe.each<ScimProviderMode>(['strict', 'limited'])('ScimTarget against a %s SCIM provider', (mode) => {
  let target: ScimTarget;

  beforeEach(async () => {
    await startServer(mode);
    target = makeTarget();
  });

  describe('users', () => {
    it('creates a user with userName, externalId, names, work e-mail and active', async () => {
      const result = await target.createUser(person(), { resumed: false });
      expect(result.adopted).toBe(false);
      expect(server.user(result.appId)).toMatchObject({
        userName: 'ada@example.com',
        externalId: '00u-ada',
        name: { givenName: 'Ada', familyName: 'Lovelace' },
        displayName: 'Ada Lovelace',
        emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
        active: true,
      });
      expect(server.createdCount('ada@example.com')).toBe(1);
    });

    it('adopts on 409 a user made in the app by hand: externalId set, attributes brought in line, adopted', async () => {
      const existing = server.seedUser({ userName: 'ADA@example.com', givenName: 'A.', email: 'old@example.com' });
      const result = await target.createUser(person(), { resumed: false });
      expect(result).toEqual({ appId: existing.id, adopted: true });
      expect(server.countRequests({ method: 'POST', path: '/Users', status: 409 })).toBe(1);
      expect(server.users()).toHaveLength(1);
      expect(server.user(existing.id)).toMatchObject({
        userName: 'ada@example.com',
        externalId: '00u-ada',
        name: { givenName: 'Ada', familyName: 'Lovelace' },
        emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
        active: true,
      });
    });

    it('holds a same-named user linked to a different externalId (a recycled identity); adopts it once approved', async () => {
      const existing = server.seedUser({ userName: 'ada@example.com', externalId: 'other-tool-7' });
      await expect(target.createUser(person(), { resumed: false })).rejects.toMatchObject({
        name: 'OpHeldError',
        hold: { reason: 'recycled-other-external-id' },
      });
      expect(server.user(existing.id)?.externalId).toBe('other-tool-7');
      const result = await target.createUser(person(), { resumed: false, adoptHeld: true });
      expect(result).toEqual({ appId: existing.id, adopted: true });
      expect(server.user(existing.id)?.externalId).toBe('00u-ada');
    });

    it('on a resumed create finds its own earlier create: no second POST, not adopted', async () => {
      const first = await target.createUser(person(), { resumed: false });
      const again = await target.createUser(person(), { resumed: true });
      expect(again).toEqual({ appId: first.appId, adopted: false });
      expect(server.countRequests({ method: 'POST', path: '/Users' })).toBe(1);
      expect(server.createdCount('ada@example.com')).toBe(1);
      expect(server.users()).toHaveLength(1);
    });

    it('on a resumed create adopts a hand-made user without posting, and creates when nothing is there', async () => {
      const existing = server.seedUser({ userName: 'ada@example.com' });
      expect(await target.createUser(person(), { resumed: true })).toEqual({ appId: existing.id, adopted: true });
      const grace = person({ externalId: '00u-grace', userName: 'grace@example.com', email: 'grace@example.com' });
      const created = await target.createUser(grace, { resumed: true });
      expect(created.adopted).toBe(false);
      expect(server.countRequests({ method: 'POST', path: '/Users' })).toBe(1);
      expect(server.user(created.appId)?.externalId).toBe('00u-grace');
    });

    it('recognises its own user when a POST landed but its answer was lost (looked up, not sent again)', async () => {
      server.failNext({ method: 'POST', path: '/Users', status: 502, afterApply: true });
      const result = await target.createUser(person(), { resumed: false });
      expect(result.adopted).toBe(false);
      expect(server.users()).toHaveLength(1);
      expect(server.countRequests({ method: 'POST', path: '/Users', status: 502 })).toBe(1);
      expect(server.countRequests({ method: 'POST', path: '/Users' })).toBe(1);
    });

    it('updates only the attributes that changed, with replace operations', async () => {
      const { appId } = await target.createUser(person(), { resumed: false });
      server.clearRequests();
      await target.updateUser(appId, { givenName: 'Augusta', email: 'augusta@example.com' });
      const patches = server.requests({ method: 'PATCH' });
      expect(patches).toHaveLength(1);
      expect(patches[0]?.requestBody).toEqual({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'replace', value: { name: { givenName: 'Augusta' } } },
          { op: 'replace', value: { emails: [{ value: 'augusta@example.com', type: 'work', primary: true }] } },
        ],
      });
      expect(server.user(appId)).toMatchObject({
        userName: 'ada@example.com',
        displayName: 'Ada Lovelace',
        name: { givenName: 'Augusta', familyName: 'Lovelace' },
        emails: [{ value: 'augusta@example.com' }],
      });
    });

    it('renames the login and sends nothing when nothing changed', async () => {
      const { appId } = await target.createUser(person(), { resumed: false });
      await target.updateUser(appId, { userName: 'ada.lovelace@example.com', displayName: 'Countess Lovelace' });
      expect(server.user(appId)).toMatchObject({
        userName: 'ada.lovelace@example.com',
        displayName: 'Countess Lovelace',
      });
      const before = server.countRequests();
      await target.updateUser(appId, {});
      expect(server.countRequests()).toBe(before);
    });

    it('deactivates with active false and reactivates, never deleting', async () => {
      const { appId } = await target.createUser(person(), { resumed: false });
      await target.updateUser(appId, { active: false });
      expect(server.user(appId)?.active).toBe(false);
      await target.updateUser(appId, { active: true });
      expect(server.user(appId)?.active).toBe(true);
      expect(server.countRequests({ method: 'DELETE' })).toBe(0);
    });

    it('reports a user deleted in the app as not_found', async () => {
      const error = await caught(target.updateUser('4e1c-gone', { active: false }));
      expect(error.kind).toBe('not_found');
      expect(error.stopsRun).toBe(false);
    });

    it('quotes and escapes quotes, backslashes and non-ASCII in lookups', async () => {
      const tricky = person({ userName: 'o"brien\\zoë@exämple.com', externalId: 'ext "x" \\ ü' });
      const seeded = server.seedUser({ userName: 'O"BRIEN\\ZOË@EXÄMPLE.COM' });
      expect(await target.createUser(tricky, { resumed: false })).toEqual({ appId: seeded.id, adopted: true });
      expect(await target.createUser(tricky, { resumed: true })).toEqual({ appId: seeded.id, adopted: false });
      expect(server.user(seeded.id)).toMatchObject({ userName: tricky.userName, externalId: tricky.externalId });
      const filters = server.requests({ method: 'GET', path: '/Users' }).map((request) => request.query['filter']);
      expect(filters).toContain('userName eq "o\\"brien\\\\zoë@exämple.com"');
    });
  });

  describe('groups', () => {
    it('creates a group without members, renames it, and adds 10 members in PATCHes of at most 3', async () => {
      const members = Array.from({ length: 10 }, (_, i) =>
        server.seedUser({ userName: `m${i}@example.com`, externalId: `m${i}` }),
      );
      const target3 = makeTarget({ maxMembersPerPatch: 3 });
      const { appId, adopted } = await target3.createGroup(
        { externalId: 'grp-1', displayName: 'Eng' },
        { resumed: false },
      );
      expect(adopted).toBe(false);
      expect(server.requests({ method: 'POST', path: '/Groups' })[0]?.requestBody).not.toHaveProperty('members');
      server.clearRequests();
      await target3.updateGroup(appId, { displayName: 'Engineering', addMemberIds: members.map((m) => m.id) });
      const patches = server.requests({ method: 'PATCH', path: `/Groups/${appId}` });
      expect(patches).toHaveLength(4);
      expect(patches.every((patch) => patch.status === 200 || patch.status === 204)).toBe(true);
      const group = server.group(appId);
      expect(group?.displayName).toBe('Engineering');
      expect(group?.externalId).toBe('grp-1');
      expect(group?.members?.map((member) => member.value)).toEqual(members.map((m) => m.id));

      server.clearRequests();
      const leaving = members.slice(0, 4).map((m) => m.id);
      await target3.updateGroup(appId, { removeMemberIds: leaving });
      expect(server.countRequests({ method: 'PATCH' })).toBe(2);
      expect(server.group(appId)?.members?.map((member) => member.value)).toEqual(members.slice(4).map((m) => m.id));
    });

    it('stops between two chunks of members once the run is stopped, and a resent op completes the group', async () => {
      const members = Array.from({ length: 10 }, (_, i) =>
        server.seedUser({ userName: `s${i}@example.com`, externalId: `s${i}` }),
      );
      const group = server.seedGroup({ displayName: 'Big', externalId: 'grp-big', memberIds: [] });
      const target3 = makeTarget({ maxMembersPerPatch: 3 });
      const stop = new AbortController();
      // SIGTERM arrives while the first chunk is with the app.
      server.failNext({
        method: 'PATCH',
        when: () => {
          stop.abort();
          return false;
        },
        status: 500,
      });
      const ids = members.map((m) => m.id);
      const error = await target3.updateGroup(group.id, { addMemberIds: ids }, { signal: stop.signal }).then(
        () => null,
        (caughtError: unknown) => caughtError,
      );
      expect(error).toBeInstanceOf(RunStoppedError);
      expect(server.countRequests({ method: 'PATCH' })).toBe(1);
      expect(server.group(group.id)?.members).toHaveLength(3);
      // The next run sends the whole op again: the first three are added twice, which changes nothing.
      await target3.updateGroup(group.id, { addMemberIds: ids });
      expect(server.group(group.id)?.members?.map((member) => member.value)).toEqual(ids);
    });

    it('takes a member already removed (a re-run op) as removed, and still removes the others', async () => {
      const [a, b, c] = ['a', 'b', 'c'].map((name) => server.seedUser({ userName: `${name}@example.com` }));
      const group = server.seedGroup({ displayName: 'Team', externalId: 'grp-t', memberIds: [a!.id, b!.id, c!.id] });
      await target.updateGroup(group.id, { removeMemberIds: [a!.id] });
      await target.updateGroup(group.id, { removeMemberIds: [a!.id, b!.id], addMemberIds: [] });
      expect(server.group(group.id)?.members?.map((member) => member.value)).toEqual([c!.id]);
    });

    it('adopts a same-named group on 409, and finds its own group on a resumed create', async () => {
      const existing = server.seedGroup({ displayName: 'SALES' });
      const adopted = await target.createGroup({ externalId: 'grp-s', displayName: 'Sales' }, { resumed: false });
      expect(adopted).toEqual({ appId: existing.id, adopted: true });
      expect(server.group(existing.id)).toMatchObject({ displayName: 'Sales', externalId: 'grp-s' });
      const resumed = await target.createGroup({ externalId: 'grp-s', displayName: 'Sales' }, { resumed: true });
      expect(resumed).toEqual({ appId: existing.id, adopted: false });
      expect(server.countRequests({ method: 'POST', path: '/Groups' })).toBe(1);
    });

    it("adopting a group drops the members put there by hand: its members become exactly the IdP group's", async () => {
      const [a, b] = ['hand-a', 'hand-b'].map((name) => server.seedUser({ userName: `${name}@example.com` }));
      const existing = server.seedGroup({ displayName: 'Support', memberIds: [a!.id, b!.id] });
      const adopted = await target.createGroup({ externalId: 'grp-sup', displayName: 'Support' }, { resumed: false });
      expect(adopted).toEqual({ appId: existing.id, adopted: true });
      expect(server.group(existing.id)?.members ?? []).toEqual([]);
      // Our own group found again on a resumed create keeps its members.
      await target.updateGroup(existing.id, { addMemberIds: [a!.id] });
      await target.createGroup({ externalId: 'grp-sup', displayName: 'Support' }, { resumed: true });
      expect(server.group(existing.id)?.members?.map((member) => member.value)).toEqual([a!.id]);
    });

    it('finds a conflicting group beyond the first page of a list', async () => {
      for (let i = 0; i < 25; i++) server.seedGroup({ displayName: `Group ${String(i).padStart(2, '0')}` });
      const result = await target.createGroup({ externalId: 'grp-24', displayName: 'group 24' }, { resumed: false });
      expect(result).toEqual({ appId: server.groupByName('Group 24')?.id, adopted: true });
    });

    it('deletes a group, and takes an already deleted one as done', async () => {
      const { appId } = await target.createGroup({ externalId: 'grp-d', displayName: 'Doomed' }, { resumed: false });
      await target.deleteGroup(appId);
      expect(server.group(appId)).toBeUndefined();
      await target.deleteGroup(appId);
      expect(server.countRequests({ method: 'DELETE', status: 404 })).toBe(1);
    });

    it('reports a group deleted in the app as not_found on update', async () => {
      const error = await caught(target.updateGroup('no-such-group', { displayName: 'X' }));
      expect(error.kind).toBe('not_found');
    });
  });

  describe('failures', () => {
    it('retries 429 and waits what Retry-After says', async () => {
      server.failNext({ method: 'POST', path: '/Users', status: 429, retryAfterSeconds: 2, times: 2 });
      const { adopted } = await target.createUser(person(), { resumed: false });
      expect(adopted).toBe(false);
      expect(sleeps).toEqual([2000, 2000]);
      expect(server.createdCount('ada@example.com')).toBe(1);
    });

    it('retries 500 with exponential backoff and jitter', async () => {
      const { appId } = await target.createUser(person(), { resumed: false });
      server.failNext({ method: 'PATCH', status: 500, times: 3 });
      await target.updateUser(appId, { active: false });
      // random() = 0.5 → three quarters of 100, 200, 400 ms.
      expect(sleeps).toEqual([75, 150, 300]);
      expect(server.user(appId)?.active).toBe(false);
    });

    it('gives up as unavailable once the retries are spent, and the run stops', async () => {
      server.failNext({ method: 'POST', path: '/Groups', status: 503, times: Infinity, detail: 'maintenance' });
      const error = await caught(target.createGroup({ externalId: 'g', displayName: 'G' }, { resumed: false }));
      expect(error.kind).toBe('unavailable');
      expect(error.status).toBe(503);
      expect(error.stopsRun).toBe(true);
      expect(error.message).toContain('maintenance');
      expect(server.countRequests({ method: 'POST', path: '/Groups' })).toBe(4);
    });

    it('returns a 400 as rejected with the server’s detail', async () => {
      const error = await caught(target.createUser(person({ userName: '   ' }), { resumed: false }));
      expect(error.kind).toBe('rejected');
      expect(error.status).toBe(400);
      expect(error.detail).toContain('userName');
      expect(error.message).toContain(error.detail);
      expect(error.stopsRun).toBe(false);
    });
  });
});

describe('ScimTarget, provider-independent behaviour', () => {
  beforeEach(async () => {
    await startServer('strict');
  });

  it('says which token is rejected, and where, without the token anywhere in the error', async () => {
    const target = makeTarget({ token: 'wrong-token-4711' });
    const error = await caught(target.createUser(person(), { resumed: false }));
    expect(error.kind).toBe('auth');
    expect(error.stopsRun).toBe(true);
    expect(error.message).toContain(`APP_SCIM_TOKEN is rejected by ${server.baseUrl}`);
    expect(inspect(error, { depth: 10 })).not.toContain('wrong-token-4711');
    expect(JSON.stringify(error)).not.toContain('wrong-token-4711');
  });

  it('redacts the token should a server echo it in an error detail', async () => {
    server.failNext({ status: 400, detail: `bad request from Bearer ${TOKEN}` });
    const error = await caught(makeTarget().createGroup({ externalId: 'g', displayName: 'G' }, { resumed: false }));
    expect(error.kind).toBe('rejected');
    expect(error.message).not.toContain(TOKEN);
    expect(error.detail).not.toContain(TOKEN);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    server.failNext({ status: 429, retryAfter: new Date(Date.now() + 5_000).toUTCString() });
    await makeTarget().createGroup({ externalId: 'g', displayName: 'G' }, { resumed: false });
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(3_000);
    expect(sleeps[0]).toBeLessThanOrEqual(5_000);
  });

  it('does not wait out a Retry-After longer than allowed: unavailable at once, with retryAfterMs', async () => {
    server.failNext({ status: 429, retryAfterSeconds: 3600 });
    const error = await caught(makeTarget().createGroup({ externalId: 'g', displayName: 'G' }, { resumed: false }));
    expect(error.kind).toBe('unavailable');
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(sleeps).toEqual([]);
  });

  it('retries a dropped connection', async () => {
    server.failNext({ method: 'POST', status: 'reset' });
    const result = await makeTarget().createUser(person(), { resumed: false });
    expect(result.adopted).toBe(false);
    expect(sleeps).toHaveLength(1);
    expect(server.users()).toHaveLength(1);
  });

  it('gives up on an app that never answers after its timeout and the retries, saying so', async () => {
    server.failNext({ method: 'PATCH', status: 'hang', times: 4 });
    const user = server.seedUser({ userName: 'ada@example.com' });
    const error = await caught(makeTarget({ timeoutMs: 300 }).updateUser(user.id, { active: false }));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/did not answer PATCH \/Users\/\S+ within 300 ms, 3 retries included/);
    expect(server.countRequests({ method: 'PATCH', status: 'hang' })).toBe(4);
    expect(events.filter((event) => event.method === 'PATCH').map((event) => event.status)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('is unavailable when nothing listens at the base URL', async () => {
    const target = makeTarget();
    await server.stop();
    const error = await caught(target.createUser(person(), { resumed: false }));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/^Cannot reach http:\/\/127\.0\.0\.1:\d+\/scim\/v2/);
    expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
    expect(sleeps).toHaveLength(3);
    await server.start();
  });

  it('refuses a bad base URL or an empty token as config errors', () => {
    for (const baseUrl of ['not a url', 'ftp://app.example.com/scim', 'https://user:pw@app.example.com/scim']) {
      expect(() => new ScimTarget({ baseUrl, token: TOKEN })).toThrow(TargetError);
    }
    const error = ((): unknown => {
      try {
        return new ScimTarget({ baseUrl: 'https://user:pw@app.example.com/scim', token: TOKEN });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toMatchObject({ kind: 'config' });
    expect(String(error)).not.toContain('pw@');
    expect(() => new ScimTarget({ baseUrl: server.baseUrl, token: ' ' })).toThrow(/APP_SCIM_TOKEN is empty/);
  });

  it('reports a success body that is not a SCIM resource as bad_response', async () => {
    const target = makeTarget({
      wrapSend: (send) => async (request) => {
        const response = await send(request);
        if (response.status !== 201) return response;
        return {
          status: 201,
          header: (name) => (name === 'content-type' ? 'text/html' : undefined),
          text: '<html>created</html>',
        };
      },
    });
    const error = await caught(target.createUser(person(), { resumed: false }));
    expect(error.kind).toBe('bad_response');
  });

  it('an adoption on an app without PATCH is `unsupported` (never a run-stopping error on every run)', async () => {
    const target = makeTarget({
      wrapSend: (send) => async (request) => {
        const response = await send(request);
        if (!request.url.pathname.endsWith('/ServiceProviderConfig')) return response;
        return jsonAnswer({ patch: { supported: false }, filter: { supported: true, maxResults: 20 } });
      },
    });
    const existing = server.seedUser({ userName: 'ada@example.com' });
    const error = await caught(target.createUser(person(), { resumed: false }));
    expect(error.kind).toBe('unsupported');
    expect(error.stopsRun).toBe(false);
    expect(server.user(existing.id)?.externalId ?? null).toBeNull();
    expect(server.countRequests({ method: 'PATCH' })).toBe(0);
  });

  it('reads /ServiceProviderConfig once, and answers `unsupported` (work for a person) when it says PATCH is unsupported', async () => {
    const target = makeTarget({
      wrapSend: (send) => async (request) => {
        const response = await send(request);
        if (!request.url.pathname.endsWith('/ServiceProviderConfig')) return response;
        return jsonAnswer({ patch: { supported: false }, filter: { supported: true, maxResults: 20 } });
      },
    });
    const error = await caught(target.updateUser('any', { active: false }));
    expect(error.kind).toBe('unsupported');
    expect(error.stopsRun).toBe(false);
    expect(error.message).toContain('does not support PATCH');
    await caught(target.updateGroup('any', { displayName: 'x' }));
    expect(server.countRequests({ path: '/ServiceProviderConfig' })).toBe(1);
    expect(server.countRequests({ method: 'PATCH' })).toBe(0);
  });

  it('does not trust a provider that ignores filters: checks what comes back and scans instead', async () => {
    for (let i = 0; i < 60; i++) server.seedUser({ userName: `someone${i}@example.com` });
    const existing = server.seedUser({ userName: 'ada@example.com' });
    const target = makeTarget({
      wrapSend: (send) => (request) => {
        const url = new URL(request.url);
        url.searchParams.delete('filter');
        return send({ ...request, url });
      },
    });
    expect(await target.createUser(person(), { resumed: false })).toEqual({ appId: existing.id, adopted: true });
    expect(
      server
        .users()
        .filter((user) => user.externalId === '00u-ada')
        .map((user) => user.id),
    ).toEqual([existing.id]);
  });

  it('works with a provider that has no /ServiceProviderConfig', async () => {
    await server.stop();
    await startServer('limited', false);
    const target = makeTarget();
    const { appId } = await target.createUser(person(), { resumed: false });
    await target.updateUser(appId, { active: false });
    expect(server.user(appId)?.active).toBe(false);
  });

  it('reports every attempt to onRequest: method, path, status and duration, no query or headers', async () => {
    // A 429: resent as is (a 5xx would bring the lookups of scim-lost-answer.test.ts in between).
    server.failNext({ method: 'POST', status: 429 });
    await makeTarget().createUser(person(), { resumed: false });
    expect(events.map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      // Read once, on the first write: whether creates may go in /Bulk.
      { method: 'GET', path: '/ServiceProviderConfig', status: 200 },
      { method: 'POST', path: '/Users', status: 429 },
      { method: 'POST', path: '/Users', status: 201 },
    ]);
    expect(events.every((event) => event.durationMs >= 0)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
  });
});

/** A 200 answer with `body` as JSON, as a wrapped sender returns it. */
function jsonAnswer(body: unknown): ScimWireResponse {
  return {
    status: 200,
    header: (name) => (name === 'content-type' ? 'application/json' : undefined),
    text: JSON.stringify(body),
  };
}
