import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { opAttentionLines } from '../../src/cli/op-attention-lines.js';
import { OutboxRepository } from '../../src/store/outbox-repository.js';
import { runSync } from '../../src/sync/run-sync.js';
import { ScimTarget } from '../../src/targets/scim/scim-target.js';
import { isJsonObject, type JsonValue } from '../emulators/scim/scim-json.js';
import type { ScimRequestInfo } from '../emulators/scim/scim-fault-injector.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { MemoryConnector } from '../support/memory-connector.js';
import { silentLog } from '../support/silent-log.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { SYNC_DEFAULTS } from '../support/sync-request.js';

// The life of an op (DESIGN "Safety": failures per op, unsupported ops; "Semantics": held recycled identities),
// through runSync with the real SCIM target against the emulator, on each database, on a clock the test moves.

const TOKEN = 'lifecycle-token';
const T0 = Date.parse('2026-12-07T10:00:00.000Z');
const MINUTE = 60_000;
const BOB = 'bob@example.com';
const REFUSAL = 'userName bob@example.com: this domain is not allowed here';

const userNameIn = (body: JsonValue | undefined) => (isJsonObject(body) ? body['userName'] : undefined);
const isBobCreate = (request: ScimRequestInfo) => userNameIn(request.body) === BOB;

describe.each(DIALECTS)('an op’s life on %s', (dialect) => {
  const scim = new ScimTestServer({ token: TOKEN });
  const noPatch = new ScimTestServer({ token: TOKEN, mode: 'limited', patch: false });
  let database: TestDatabase;
  let connectionId: string;
  let connector: MemoryConnector;
  let target: ScimTarget;
  let now: number;
  const clock: Clock = { now: () => new Date(now) };
  let n = 0;

  beforeAll(async () => {
    await scim.start();
    await noPatch.start();
    database = await createTestDatabase(dialect, 'outbox_lifecycle');
  });
  afterAll(async () => {
    await scim.stop();
    await noPatch.stop();
    await database.destroy();
  });
  beforeEach(() => {
    scim.reset();
    noPatch.reset();
    connectionId = `life-${++n}`;
    now = T0;
    connector = new MemoryConnector();
    connector.user('ada');
    connector.user('bob');
    target = new ScimTarget({ baseUrl: scim.baseUrl, token: TOKEN });
  });

  const sync = (maxOpAttempts: number) =>
    runSync(
      {
        connectionId,
        ...SYNC_DEFAULTS,
        maxOpAttempts,
      },
      { db: database.db, connector, target, invites: null, clock, log: silentLog },
    );
  const bobKey = () => `user.create:${connectionId}:bob`;
  const bobRow = () =>
    database.db
      .selectFrom('ops')
      .selectAll()
      .where('key', '=', bobKey())
      .where('status', '!=', 'superseded')
      .executeTakeFirstOrThrow();
  const bobPosts = () =>
    scim.requests({ method: 'POST', path: '/Users' }).filter((request) => userNameIn(request.requestBody) === BOB)
      .length;
  const refuseBob = () => {
    scim.failNext({ method: 'POST', path: '/Users', when: isBobCreate, status: 400, detail: REFUSAL, times: Infinity });
  };

  it('a refused create fails alone, is retried on the next run, then after 5 min, and is parked at the 3rd failure', async () => {
    refuseBob();
    const first = await sync(3);
    expect(first.status).toBe('partial');
    expect(first.failed.map((failed) => failed.key)).toEqual([bobKey()]);
    expect(first.failed[0]?.error).toContain(REFUSAL);
    expect(scim.userByName('ada@example.com')?.externalId).toBe('ada');
    expect(await bobRow()).toMatchObject({
      status: 'failed',
      failures: 1,
      next_attempt_at: new Date(T0).toISOString(),
    });

    now += MINUTE;
    const second = await sync(3);
    expect(bobPosts()).toBe(2);
    expect(second.failed.map((failed) => failed.key)).toEqual([bobKey()]);
    expect(await bobRow()).toMatchObject({
      status: 'failed',
      failures: 2,
      next_attempt_at: new Date(now + 5 * MINUTE).toISOString(),
    });

    now += MINUTE;
    const waiting = await sync(3);
    expect(bobPosts()).toBe(2);
    expect(waiting.status).toBe('partial');
    expect(waiting.failed).toEqual([]);
    expect(waiting.attention?.counts).toMatchObject({ failed: 1, parked: 0 });
    expect(opAttentionLines(waiting.attention ?? fail()).join('\n')).toContain(
      `next attempt after ${new Date(T0 + MINUTE + 5 * MINUTE).toISOString()}`,
    );

    now += 5 * MINUTE;
    const third = await sync(3);
    expect(bobPosts()).toBe(3);
    expect(third.failed.map((failed) => failed.key)).toEqual([bobKey()]);
    expect(await bobRow()).toMatchObject({ status: 'parked', failures: 3, next_attempt_at: null });

    now += 24 * 60 * MINUTE;
    const parked = await sync(3);
    expect(bobPosts()).toBe(3);
    expect(parked.status).toBe('partial');
    expect(parked.attention?.counts).toMatchObject({ failed: 0, parked: 1 });
    const lines = opAttentionLines(parked.attention ?? fail()).join('\n');
    expect(lines).toContain(`dirsync retry ${bobKey()}`);
    expect(lines).toContain(REFUSAL);
  });

  it('`retry` makes a parked op pending again: the next run attempts it, and once the app accepts it, it is done', async () => {
    refuseBob();
    await sync(1);
    expect(await bobRow()).toMatchObject({ status: 'parked', failures: 1 });
    now += MINUTE;
    await sync(1);
    expect(bobPosts()).toBe(1);

    const retried = await database.db
      .transaction()
      .execute((trx) => new OutboxRepository(trx).retry(connectionId, [bobKey()], new Date(now).toISOString()));
    expect(retried.retried).toEqual([bobKey()]);
    scim.clearFaults();
    now += MINUTE;
    const outcome = await sync(1);
    expect(bobPosts()).toBe(2);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.attention?.counts).toEqual({ held: 0, parked: 0, failed: 0, unsupported: 0 });
    expect(scim.userByName(BOB)?.externalId).toBe('bob');
    expect((await bobRow()).status).toBe('applied');
  });

  it('a parked op is attempted again once its subject changes in the IdP, its failures counted afresh', async () => {
    refuseBob();
    await sync(2);
    await sync(2);
    expect(await bobRow()).toMatchObject({ status: 'parked', failures: 2 });
    await sync(2);
    expect(bobPosts()).toBe(2);

    connector.user('bob', { givenName: 'Robert', displayName: 'Robert Test' });
    const changed = await sync(2);
    expect(bobPosts()).toBe(3);
    expect(changed.failed.map((failed) => failed.key)).toEqual([bobKey()]);
    // Reset, then one failure: not parked again (it would be at 3 failures counted from the start).
    expect(await bobRow()).toMatchObject({ status: 'failed', failures: 1 });
  });

  it('an app account that looks like someone else’s is held, not failed, and adopted once the op is approved', async () => {
    scim.seedUser({ userName: BOB, externalId: 'bob-departed', displayName: 'Bob Departed', active: false });
    const first = await sync(3);
    expect(first.status).toBe('partial');
    expect(first.failed).toEqual([]);
    const row = await bobRow();
    expect(row.status).toBe('held');
    expect(row.failures).toBe(0);
    const held = first.attention?.ops.find((op) => op.status === 'held');
    expect(held?.hold?.existing).toMatchObject({ externalId: 'bob-departed', active: false });
    expect(held?.hold?.incoming).toMatchObject({ externalId: 'bob', userName: BOB });
    expect(opAttentionLines(first.attention ?? fail()).join('\n')).toContain(`dirsync approve ${bobKey()}`);
    expect(scim.userByName(BOB)).toMatchObject({ externalId: 'bob-departed', active: false });

    const writes = scim.requests().filter((request) => request.method !== 'GET').length;
    now += MINUTE;
    const still = await sync(3);
    expect(still.status).toBe('partial');
    expect(scim.requests().filter((request) => request.method !== 'GET').length).toBe(writes);

    // What `dirsync approve <op-key>` records.
    await database.db
      .updateTable('ops')
      .set({ approved_at: new Date(now).toISOString() })
      .where('key', '=', bobKey())
      .where('status', '=', 'held')
      .execute();
    now += MINUTE;
    const adopted = await sync(3);
    expect(adopted.status).toBe('succeeded');
    expect(scim.userByName(BOB)).toMatchObject({ externalId: 'bob', active: true });
    expect((await bobRow()).status).toBe('applied');
    const appUser = await database.db
      .selectFrom('app_users')
      .select(['origin'])
      .where('connection_id', '=', connectionId)
      .where('external_id', '=', 'bob')
      .executeTakeFirstOrThrow();
    expect(appUser.origin).toBe('adopted');
  });

  it('an app without PATCH: member changes and deactivations are unsupported work for a person, never sent, never failed', async () => {
    target = new ScimTarget({ baseUrl: noPatch.baseUrl, token: TOKEN });
    connector.group('g-sales', 'Sales', ['ada', 'bob']);
    const first = await sync(3);
    expect(first.status).toBe('succeeded');
    expect(first.failed).toEqual([]);
    expect(noPatch.groupByName('Sales')).toBeDefined();
    expect(first.attention?.counts).toEqual({ held: 0, parked: 0, failed: 0, unsupported: 1 });

    connector.user('bob', { active: false, status: 'SUSPENDED' });
    now += MINUTE;
    const second = await sync(3);
    expect(second.status).toBe('succeeded');
    expect(second.attention?.counts.unsupported).toBe(2);
    const lines = opAttentionLines(second.attention ?? fail()).join('\n');
    expect(lines).toContain('1 member addition in Sales must be made by hand: ada@example.com');
    expect(lines).toContain('1 deactivation must be made by hand: bob@example.com');
    expect(lines).toContain('does not support PATCH');
    expect(noPatch.countRequests({ method: 'PATCH' })).toBe(0);
    // Asked again each run on the same row: no row per run.
    const rows = await database.db
      .selectFrom('ops')
      .select('status')
      .where('connection_id', '=', connectionId)
      .where('kind', '=', 'members.add')
      .execute();
    expect(rows.map((row) => row.status)).toEqual(['unsupported']);
  });
});

function fail(): never {
  throw new Error('the outcome has no attention list');
}
