import { generateKeyPairSync } from 'node:crypto';
import { request } from 'node:https';
import { Client, type OktaApiError } from '@okta/okta-sdk-nodejs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OktaCaTrustingRequestExecutor } from '../../emulators/okta/okta-ca-trusting-request-executor.js';
import { OktaOrgEmulator, type OktaOrgEmulatorOptions } from '../../emulators/okta/okta-org-emulator.js';
import type { OktaClock } from '../../emulators/okta/okta-records.js';

/** A clock the test moves by hand, starting at the real time so SDK-signed JWTs are within their lifetime. */
class SteppingClock implements OktaClock {
  private ms = Date.now();
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

let emulator: OktaOrgEmulator;
let orgUrl: string;
let caPem: string;

async function startEmulator(options: OktaOrgEmulatorOptions = {}): Promise<void> {
  emulator = new OktaOrgEmulator(options);
  ({ orgUrl, caPem } = await emulator.start());
}

function sswsClient(token = emulator.apiToken): Client {
  return new Client({
    orgUrl,
    token,
    requestExecutor: new OktaCaTrustingRequestExecutor(caPem),
    cacheMiddleware: null,
  });
}

/** Resolves to the rejection of `promise`, or undefined when it fulfils. */
async function rejectionOf(promise: Promise<unknown>): Promise<OktaApiError | undefined> {
  return promise.then(
    () => undefined,
    (caught: unknown) => caught as OktaApiError,
  );
}

async function collect<T>(collection: AsyncIterable<T | null>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of collection) if (item !== null) items.push(item);
  return items;
}

/** A plain HTTPS GET trusting the emulator's CA, for what the SDK hides (headers, raw bodies). */
function rawGet(path: string, authorization = `SSWS ${emulator.apiToken}`): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, orgUrl), { ca: caPem, headers: { authorization } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text === '' ? null : JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const person = (name: string) => ({
  login: `${name}@example.test`,
  email: `${name}@example.test`,
  firstName: name,
  lastName: 'Tester',
});

afterEach(async () => {
  await emulator.stop();
});

describe('OktaOrgEmulator through the real Okta SDK (SSWS)', () => {
  let clock: SteppingClock;
  beforeEach(async () => {
    clock = new SteppingClock();
    await startEmulator({ clock });
  });

  it('pages users with Link rel="next" and hides DEPROVISIONED users from the default list', async () => {
    const users = ['ann', 'bob', 'cy', 'dee', 'eve'].map((name) =>
      emulator.store.createUser({ profile: person(name) }),
    );
    emulator.store.setStatus(users[4]?.id ?? '', 'DEPROVISIONED');

    const listed = await collect(await sswsClient().userApi.listUsers({ limit: 2 }));

    expect(listed.map((user) => user.profile?.login)).toEqual(
      ['ann', 'bob', 'cy', 'dee'].map((n) => `${n}@example.test`),
    );
    expect(listed[0]).toMatchObject({ status: 'ACTIVE', id: expect.stringMatching(/^00u/) as unknown });
    expect(emulator.requests.entries.filter((entry) => entry.path.startsWith('/api/v1/users'))).toHaveLength(2);
  });

  it('finds DEPROVISIONED users by search and filter, and changed users by lastUpdated with and/or', async () => {
    const ann = emulator.store.createUser({ profile: person('ann') });
    const bob = emulator.store.createUser({ profile: person('bob') });
    emulator.store.setStatus(bob.id, 'DEPROVISIONED');
    const mark = clock.now().toISOString();
    clock.advance(1000);
    emulator.store.updateUser(ann.id, { lastName: 'Changed' });
    const client = sswsClient();
    const logins = async (param: { search?: string; filter?: string }) =>
      (await collect(await client.userApi.listUsers(param))).map((user) => user.profile?.login);

    expect(await logins({ search: 'status eq "DEPROVISIONED"' })).toEqual(['bob@example.test']);
    expect(await logins({ filter: 'status eq "DEPROVISIONED"' })).toEqual(['bob@example.test']);
    expect(await logins({ search: `lastUpdated gt "${mark}"` })).toEqual(['ann@example.test']);
    expect(await logins({ search: `lastUpdated gt "${mark}" or status eq "DEPROVISIONED"` })).toHaveLength(2);
    expect(await logins({ search: `lastUpdated gt "${mark}" and status eq "DEPROVISIONED"` })).toEqual([]);
    expect((await client.userApi.getUser({ userId: ann.id })).profile?.lastName).toBe('Changed');
  });

  it('lists groups with their types, including the built-in Everyone, and filters by change times and type', async () => {
    const ann = emulator.store.createUser({ profile: person('ann') });
    const staff = emulator.store.createGroup({ name: 'Staff' });
    emulator.store.createGroup({ name: 'Synced', type: 'APP_GROUP' });
    const mark = clock.now().toISOString();
    clock.advance(1000);
    emulator.store.addMember(staff.id, ann.id);
    const client = sswsClient();

    const all = await collect(await client.groupApi.listGroups({ limit: 1 }));
    expect(all.map((group) => [group.profile?.name, group.type])).toEqual([
      ['Everyone', 'BUILT_IN'],
      ['Staff', 'OKTA_GROUP'],
      ['Synced', 'APP_GROUP'],
    ]);
    const changed = await collect(
      await client.groupApi.listGroups({ filter: `lastUpdated gt "${mark}" or lastMembershipUpdated gt "${mark}"` }),
    );
    expect(changed.map((group) => group.profile?.name)).toEqual(['Staff']);
    const oktaGroups = await collect(await client.groupApi.listGroups({ filter: 'type eq "OKTA_GROUP"' }));
    expect(oktaGroups.map((group) => group.id)).toEqual([staff.id]);
  });

  it('pages group members and app assignments, direct and through groups', async () => {
    const [ann, bob, cy] = ['ann', 'bob', 'cy'].map((name) => emulator.store.createUser({ profile: person(name) }));
    const staff = emulator.store.createGroup({ name: 'Staff' });
    emulator.store.addMember(staff.id, ann?.id ?? '');
    emulator.store.addMember(staff.id, bob?.id ?? '');
    const app = emulator.store.createApp('dirsync');
    emulator.store.assignGroupToApp(app.id, staff.id);
    emulator.store.assignUserToApp(app.id, cy?.id ?? '');
    const client = sswsClient();

    const members = await collect(await client.groupApi.listGroupUsers({ groupId: staff.id, limit: 1 }));
    expect(members.map((user) => user.id)).toEqual([ann?.id, bob?.id]);
    const appUsers = await collect(await client.applicationApi.listApplicationUsers({ appId: app.id, limit: 2 }));
    expect(appUsers.map((appUser) => [appUser.id, appUser.scope])).toEqual([
      [ann?.id, 'GROUP'],
      [bob?.id, 'GROUP'],
      [cy?.id, 'USER'],
    ]);
    const appGroups = await collect(await client.applicationApi.listApplicationGroupAssignments({ appId: app.id }));
    expect(appGroups.map((assignment) => assignment.id)).toEqual([staff.id]);
  });

  it('records deletions in the System Log and pages a bounded query to its end', async () => {
    const since = clock.now().toISOString();
    const users = ['ann', 'bob'].map((name) => emulator.store.createUser({ profile: person(name) }));
    for (const user of users) {
      emulator.store.setStatus(user.id, 'DEPROVISIONED');
      emulator.store.deleteUser(user.id);
    }
    const group = emulator.store.createGroup({ name: 'Gone' });
    emulator.store.deleteGroup(group.id);
    clock.advance(1000);
    const until = clock.now().toISOString();
    const client = sswsClient();

    const deletions = await collect(
      await client.systemLogApi.listLogEvents({
        since,
        until,
        limit: 1,
        filter: 'eventType eq "user.lifecycle.delete.initiated"',
      }),
    );
    expect(deletions.map((event) => event.target?.[0]?.id)).toEqual(users.map((user) => user.id));
    const groupDeletions = await collect(
      await client.systemLogApi.listLogEvents({ since, until, filter: 'eventType eq "group.lifecycle.delete"' }),
    );
    expect(groupDeletions.map((event) => event.target?.[0]?.id)).toEqual([group.id]);
    expect(() => {
      emulator.store.deleteUser(emulator.store.createUser({ profile: person('cy') }).id);
    }).toThrow(/deactivate it first/);
  });

  it('surfaces a wrong API token as the SDK error with errorCode E0000011', async () => {
    const error = await rejectionOf(sswsClient('wrong-token').userApi.getUser({ userId: 'anyone' }));

    expect(error).toMatchObject({ status: 401, errorCode: 'E0000011', errorSummary: 'Invalid token provided' });
    expect(error?.errorId).toMatch(/^oae/);
  });
});

describe('OktaOrgEmulator rate limits', () => {
  it('answers 429 E0000047 past the limit and the SDK retries after X-Rate-Limit-Reset', async () => {
    await startEmulator({ rateLimit: { windowMs: 1000, perFamily: { '/api/v1/users': 1 } } });
    const ann = emulator.store.createUser({ profile: person('ann') });
    const client = sswsClient();

    await client.userApi.getUser({ userId: ann.id });
    const started = Date.now();
    const again = await client.userApi.getUser({ userId: ann.id });

    expect(again.id).toBe(ann.id);
    expect(Date.now() - started).toBeLessThan(4000);
    const statuses = emulator.requests.entries.map((entry) => entry.status);
    expect(statuses).toContain(429);
    expect(statuses.at(-1)).toBe(200);
  });

  it('sends the rate-limit headers on every response and E0000047 as the 429 body', async () => {
    await startEmulator({ rateLimit: { limit: 2 } });
    const first = await rawGet('/api/v1/groups');
    await rawGet('/api/v1/groups', 'SSWS wrong');
    const third = await rawGet('/api/v1/groups');

    expect(first.headers['x-rate-limit-limit']).toBe('2');
    expect(first.headers['x-rate-limit-remaining']).toBe('1');
    expect(Number(first.headers['x-rate-limit-reset'])).toBeGreaterThan(Date.now() / 1000);
    expect(third).toMatchObject({ status: 429, body: { errorCode: 'E0000047' } });
    expect((await rawGet('/api/v1/users')).status).toBe(200);
  });
});

describe('OktaOrgEmulator OAuth 2.0 service app (PrivateKey mode)', () => {
  it('issues a Bearer token for a signed client assertion and enforces its scopes', async () => {
    await startEmulator();
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    emulator.auth.registerServiceApp({
      clientId: '0oaservice',
      publicKey,
      grantedScopes: ['okta.users.read', 'okta.groups.read'],
    });
    emulator.store.createUser({ profile: person('ann') });
    const client = new Client({
      orgUrl,
      authorizationMode: 'PrivateKey',
      clientId: '0oaservice',
      scopes: ['okta.users.read'],
      privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      keyId: 'kid-1',
      requestExecutor: new OktaCaTrustingRequestExecutor(caPem),
      cacheMiddleware: null,
    });

    const users = await collect(await client.userApi.listUsers());
    expect(users.map((user) => user.profile?.login)).toEqual(['ann@example.test']);
    const denied = await rejectionOf(client.groupApi.listGroups().then(collect));
    expect(denied).toMatchObject({ status: 403, errorCode: 'E0000006' });
    expect(emulator.requests.entries.filter((entry) => entry.path === '/oauth2/v1/token')).toHaveLength(1);
  });

  it('rejects an assertion signed by a key other than the registered one', async () => {
    await startEmulator();
    const registered = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    emulator.auth.registerServiceApp({
      clientId: '0oaservice',
      publicKey: registered.publicKey,
      grantedScopes: ['okta.users.read'],
    });
    const client = new Client({
      orgUrl,
      authorizationMode: 'PrivateKey',
      clientId: '0oaservice',
      scopes: ['okta.users.read'],
      privateKey: other.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      requestExecutor: new OktaCaTrustingRequestExecutor(caPem),
      cacheMiddleware: null,
    });

    const error = await rejectionOf(client.userApi.listUsers().then(collect));
    expect(error).toMatchObject({ status: 401 });
    // Every token request is refused, and nothing the SDK sends without a token gets through.
    expect(emulator.requests.entries.some((entry) => entry.path === '/oauth2/v1/token')).toBe(true);
    expect(emulator.requests.entries.every((entry) => entry.status === 401)).toBe(true);
  });
});

describe('OktaOrgEmulator over plain HTTPS', () => {
  beforeEach(async () => {
    await startEmulator();
  });

  it('answers a polling System Log query with rel="next" even on an empty page', async () => {
    const reply = await rawGet(`/api/v1/logs?since=${encodeURIComponent(new Date().toISOString())}`);

    expect(reply).toMatchObject({ status: 200, body: [] });
    expect(String(reply.headers['link'])).toContain('rel="next"');
    expect(String(reply.headers['link'])).toContain('rel="self"');
  });

  it('answers 403 with www-authenticate insufficient_scope for a token lacking the scope', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    emulator.auth.registerServiceApp({ clientId: '0oalogs', publicKey, grantedScopes: ['okta.logs.read'] });
    const client = new Client({
      orgUrl,
      authorizationMode: 'PrivateKey',
      clientId: '0oalogs',
      scopes: ['okta.logs.read'],
      privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      requestExecutor: new OktaCaTrustingRequestExecutor(caPem),
      cacheMiddleware: null,
    });
    const token = (await client.oauth.getAccessToken()) as { access_token: string };

    const reply = await rawGet('/api/v1/groups', `Bearer ${token.access_token}`);

    expect(reply).toMatchObject({ status: 403, body: { errorCode: 'E0000006' } });
    expect(reply.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(reply.headers['www-authenticate']).toContain('scope="okta.groups.read"');
  });

  it('injects 500/503, connection resets and delays for the next matching requests only', async () => {
    emulator.faults.inject({ path: '/api/v1/users', kind: { type: 'status', status: 503 }, times: 2 });
    expect((await rawGet('/api/v1/users')).status).toBe(503);
    expect((await rawGet('/api/v1/groups')).status).toBe(200);
    expect((await rawGet('/api/v1/users')).status).toBe(503);
    expect((await rawGet('/api/v1/users')).status).toBe(200);

    emulator.faults.inject({ path: /^\/api\/v1\/groups$/, kind: { type: 'reset' } });
    await expect(rawGet('/api/v1/groups')).rejects.toThrow();

    emulator.faults.inject({ path: '/api/v1/logs', kind: { type: 'delay', ms: 150 } });
    const started = Date.now();
    expect((await rawGet('/api/v1/logs?until=2030-01-01T00:00:00Z')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    expect(emulator.requests.entries.map((entry) => entry.status)).toEqual([503, 200, 503, 200, 0, 200]);
    expect(JSON.stringify(emulator.requests.entries)).not.toContain('SSWS');
  });

  it('rejects a filter on an attribute Okta does not filter by with 400 E0000031', async () => {
    const reply = await rawGet(`/api/v1/users?filter=${encodeURIComponent('profile.department eq "x"')}`);

    expect(reply).toMatchObject({ status: 400, body: { errorCode: 'E0000031' } });
    expect((await rawGet('/api/v1/users/00unknown')).body).toMatchObject({ errorCode: 'E0000007' });
  });
});
