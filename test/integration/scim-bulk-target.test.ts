import { afterEach, describe, expect, it } from 'vitest';
import { OpHeldError } from '../../src/targets/op-held-error.js';
import { SETTLE_SLICE } from '../../src/targets/scim/scim-bulk-creates.js';
import { ScimTarget } from '../../src/targets/scim/scim-target.js';
import type { ScimTargetConfig } from '../../src/targets/scim/scim-target-config.js';
import type { CreateResult, UserWrite } from '../../src/targets/target.js';
import { TargetError } from '../../src/targets/target-error.js';
import { ScimTestServer, type ScimTestServerOptions } from '../emulators/scim/scim-test-server.js';

// RFC 7644 §3.7 from the client's side: user creates batched in POST /Bulk where /ServiceProviderConfig advertises
// it, each create with its own outcome, and every way a bulk can go wrong ending with each user made exactly once.

const TOKEN = 'bulk-target-token';

let server: ScimTestServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(options: ScimTestServerOptions = {}): Promise<ScimTestServer> {
  server = new ScimTestServer({ token: TOKEN, ...options });
  await server.start();
  return server;
}

function targetOf(app: ScimTestServer, overrides: Partial<ScimTargetConfig> = {}): ScimTarget {
  return new ScimTarget({
    baseUrl: app.baseUrl,
    token: TOKEN,
    retry: { limit: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1_000 },
    random: () => 0.5,
    ...overrides,
  });
}

function person(n: number): UserWrite {
  return {
    externalId: `00u-${String(n)}`,
    userName: `person${String(n)}@example.com`,
    email: `person${String(n)}@example.com`,
    givenName: 'Person',
    familyName: String(n),
    displayName: `Person ${String(n)}`,
    active: true,
  };
}

const people = (count: number, from = 1): UserWrite[] => Array.from({ length: count }, (_, i) => person(from + i));

/** Creates them all at once, as the apply does with creates in flight: settled results in order. */
function createAll(target: ScimTarget, users: readonly UserWrite[]): Promise<PromiseSettledResult<CreateResult>[]> {
  return Promise.allSettled(users.map((user) => target.createUser(user, { resumed: false })));
}

/** The HTTP requests the target sent (not the operations inside a bulk), as `POST /Bulk 200`. */
function wire(app: ScimTestServer): string[] {
  return app
    .requests({ viaBulk: false })
    .filter((request) => request.path !== '/ServiceProviderConfig')
    .map(
      (request) =>
        `${request.method} ${request.path.replace(/^\/Users\/.+$/, '/Users/{id}')} ${String(request.status)}`,
    );
}

/** Every user in the app once, with its externalId, and each create's result naming it. */
function expectEachOnce(
  app: ScimTestServer,
  users: readonly UserWrite[],
  results: readonly PromiseSettledResult<CreateResult>[],
): void {
  const byExternalId = new Map(app.users().map((user) => [user.externalId, user]));
  expect(app.users()).toHaveLength(users.length);
  users.forEach((user, index) => {
    const made = byExternalId.get(user.externalId);
    expect(made?.userName).toBe(user.userName);
    expect(app.createdCount(user.userName), user.userName).toBeLessThanOrEqual(1);
    expect(results[index]).toEqual({ status: 'fulfilled', value: { appId: made?.id, adopted: false } });
  });
}

const BULK = { maxOperations: 10, maxPayloadSize: 1_048_576 };

describe('SCIM /Bulk: user creates batched where the app advertises it (RFC 7644 §3.7)', () => {
  it('sends creates made together in bulks of at most maxOperations, each user made once', async () => {
    const app = await start({ bulk: BULK });
    const target = targetOf(app);
    expect(await target.opsPerRequest('user.create')).toBe(10);
    expect(await target.opsPerRequest('user.update')).toBe(1);
    const users = people(25);
    const results = await createAll(target, users);
    expectEachOnce(app, users, results);
    expect(wire(app)).toEqual(['POST /Bulk 200', 'POST /Bulk 200', 'POST /Bulk 200']);
    const sizes = app.requests({ method: 'POST', path: '/Bulk' }).map((request) => operationsIn(request.requestBody));
    expect(sizes.sort((a, b) => b - a)).toEqual([10, 10, 5]);
    // The operations the app logged as its own are the creates, with our bodies.
    expect(app.countRequests({ method: 'POST', path: '/Users', status: 201, viaBulk: true })).toBe(25);
  });

  it('keeps each request within maxPayloadSize', async () => {
    const app = await start({ bulk: { maxOperations: 100, maxPayloadSize: 2_000 } });
    const users = people(30);
    const results = await createAll(targetOf(app), users);
    expectEachOnce(app, users, results);
    const bulks = app.requests({ method: 'POST', path: '/Bulk' });
    expect(bulks.length).toBeGreaterThan(1);
    for (const bulk of bulks) expect(Buffer.byteLength(JSON.stringify(bulk.requestBody))).toBeLessThanOrEqual(2_000);
    expect(bulks.reduce((sum, bulk) => sum + operationsIn(bulk.requestBody), 0)).toBe(30);
  });

  it('sends one POST /Users per create where the app does not advertise /Bulk, or the dialect says bulk: false', async () => {
    const plain = await start();
    const target = targetOf(plain);
    expect(await target.opsPerRequest('user.create')).toBe(1);
    expectEachOnce(plain, people(3), await createAll(target, people(3)));
    expect(wire(plain)).toEqual(['POST /Users 201', 'POST /Users 201', 'POST /Users 201']);
    await plain.stop();

    const advertised = await start({ bulk: BULK });
    const off = targetOf(advertised, { dialect: { preset: 'generic', overrides: { bulk: false } } });
    expect(await off.opsPerRequest('user.create')).toBe(1);
    expectEachOnce(advertised, people(3), await createAll(off, people(3)));
    expect(wire(advertised)).toEqual(['POST /Users 201', 'POST /Users 201', 'POST /Users 201']);
  });

  it('judges each operation alone: a 409 adopts our own earlier user or holds someone else’s, the rest are created', async () => {
    const app = await start({ bulk: BULK });
    const ours = app.seedUser({ userName: 'person2@example.com', externalId: '00u-2' });
    app.seedUser({ userName: 'person4@example.com', externalId: '00u-someone-else' });
    const users = people(5);
    const results = await createAll(targetOf(app), users);
    expect(results[1]).toEqual({ status: 'fulfilled', value: { appId: ours.id, adopted: false } });
    expect(results[3]?.status).toBe('rejected');
    expect(results[3]?.status === 'rejected' && results[3].reason).toBeInstanceOf(OpHeldError);
    for (const index of [0, 2, 4]) {
      const made = app.userByName(users[index]?.userName ?? '');
      expect(results[index]).toEqual({ status: 'fulfilled', value: { appId: made?.id, adopted: false } });
    }
    // One bulk, then the lookups of the two 409s; nothing sent alone.
    expect(wire(app).filter((line) => line.startsWith('POST'))).toEqual(['POST /Bulk 200']);
  });

  it('an answer lost after the app performed the bulk: each create is looked up, none is sent again', async () => {
    const app = await start({ bulk: BULK });
    app.failNext({ method: 'POST', path: '/Bulk', status: 'reset', afterApply: true });
    const users = people(4);
    const results = await createAll(targetOf(app), users);
    expectEachOnce(app, users, results);
    expect(wire(app).filter((line) => line.startsWith('POST'))).toEqual(['POST /Bulk reset']);
    expect(wire(app).filter((line) => line.startsWith('GET /Users'))).toHaveLength(4);
  });

  it('a 5xx before anything was done: each create is looked up, not found, and sent alone', async () => {
    const app = await start({ bulk: BULK });
    app.failNext({ method: 'POST', path: '/Bulk', status: 503 });
    const users = people(3);
    const results = await createAll(targetOf(app), users);
    expectEachOnce(app, users, results);
    const posts = wire(app).filter((line) => line.startsWith('POST'));
    expect(posts).toEqual(['POST /Bulk 503', 'POST /Users 201', 'POST /Users 201', 'POST /Users 201']);
  });

  it('a /Bulk the app refuses (501) is not asked again: single POSTs from then on', async () => {
    const app = await start({ bulk: BULK });
    app.failNext({ method: 'POST', path: '/Bulk', status: 501 });
    const target = targetOf(app);
    const first = people(3);
    expectEachOnce(app, first, await createAll(target, first));
    expect(await target.opsPerRequest('user.create')).toBe(1);
    await createAll(target, people(2, 10));
    expect(wire(app).filter((line) => line.startsWith('POST'))).toEqual([
      'POST /Bulk 501',
      'POST /Users 201',
      'POST /Users 201',
      'POST /Users 201',
      'POST /Users 201',
      'POST /Users 201',
    ]);
    expect(app.users()).toHaveLength(5);
  });

  it('a 413 halves the bulks: the refused ones go alone, the next ones in halves', async () => {
    const app = await start({ bulk: BULK });
    app.failNext({ method: 'POST', path: '/Bulk', status: 413 });
    const target = targetOf(app);
    const first = people(10);
    expectEachOnce(app, first, await createAll(target, first));
    expect(await target.opsPerRequest('user.create')).toBe(5);
    const second = people(10, 100);
    await createAll(target, second);
    expect(app.users()).toHaveLength(20);
    const bulks = app.requests({ method: 'POST', path: '/Bulk' });
    expect(bulks.map((bulk) => [bulk.status, operationsIn(bulk.requestBody)])).toEqual([
      [413, 10],
      [200, 5],
      [200, 5],
    ]);
    expect(app.countRequests({ method: 'POST', path: '/Users', viaBulk: false })).toBe(10);
  });

  it('a rejected token fails every create of the bulk with an auth error', async () => {
    const app = await start({ bulk: BULK });
    const target = targetOf(app);
    // The capabilities are read with the right token first; then the bulk is refused.
    expect(await target.opsPerRequest('user.create')).toBe(10);
    app.failNext({ method: 'POST', path: '/Bulk', status: 401 });
    const results = await createAll(target, people(3));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason = result.status === 'rejected' ? (result.reason as unknown) : undefined;
      expect(reason).toBeInstanceOf(TargetError);
      expect((reason as TargetError).kind).toBe('auth');
      expect((reason as TargetError).message).not.toContain(TOKEN);
    }
    expect(app.users()).toHaveLength(0);
  });

  it('hands a bulk’s outcomes back a slice per turn of the event loop, so other work goes in between', async () => {
    const app = await start({ bulk: { maxOperations: 25, maxPayloadSize: 1_048_576 } });
    const target = targetOf(app);
    expect(await target.opsPerRequest('user.create')).toBe(25);
    const order: string[] = [];
    let ticking = true;
    const tick = (): void => {
      if (!ticking) return;
      order.push('turn');
      setImmediate(tick);
    };
    const creates = people(25).map((user, index) =>
      target.createUser(user, { resumed: false }).then(() => order.push(`create ${String(index)}`)),
    );
    setImmediate(tick);
    await Promise.all(creates);
    ticking = false;
    const done = order.filter((step) => step !== 'turn');
    expect(done).toHaveLength(25);
    expect(app.countRequests({ method: 'POST', path: '/Bulk' })).toBe(1);
    // Turns of the event loop passed between the first outcome and the last: one after each slice. All at once,
    // none would.
    const between = order.slice(order.indexOf('create 0'), order.indexOf('create 24'));
    expect(between.filter((step) => step === 'turn')).toHaveLength(Math.ceil(25 / SETTLE_SLICE) - 1);
  });

  it('a resumed create is looked up first and never put in a bulk', async () => {
    const app = await start({ bulk: BULK });
    const target = targetOf(app);
    const result = await target.createUser(person(1), { resumed: true });
    expect(result.adopted).toBe(false);
    expect(wire(app).filter((line) => line.startsWith('POST'))).toEqual(['POST /Users 201']);
  });
});

function operationsIn(body: unknown): number {
  if (typeof body !== 'object' || body === null || !('Operations' in body) || !Array.isArray(body.Operations)) {
    return 0;
  }
  return body.Operations.length;
}
