import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRateBudget } from '../../connectors/memory-rate-budget.js';
import { UNKNOWN_LIMIT_REQUESTS } from '../../connectors/rate-bucket.js';
import type { RateBudget, RateWindow } from '../../connectors/rate-budget.js';
import { RedisRateBudget, type RateBudgetLog } from '../../connectors/redis-rate-budget.js';
import { TEST_REDIS_URL } from '../support/test-redis.js';

const clients: Redis[] = [];
let prefix: string;

function redisClient(url = TEST_REDIS_URL): Redis {
  // As the worker builds it: commands fail at once while Redis is unreachable instead of queueing.
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

async function connected(client: Redis): Promise<Redis> {
  await client.connect();
  return client;
}

const quietLog: RateBudgetLog = { warn: () => undefined, info: () => undefined };

async function redisBudget(): Promise<RedisRateBudget> {
  return new RedisRateBudget(await connected(redisClient()), quietLog, { keyPrefix: prefix });
}

const window = (remaining: number, resetInMs = 60_000, limit = 10): RateWindow => ({
  limit,
  remaining,
  window: 1,
  resetInMs,
});

/** Takes `count` slots at once and says how many went; the others (held) are aborted. */
function slotsGiven(budgets: readonly RateBudget[], count: number): Promise<number> {
  return granted(budgets, count, (budget, signal) => budget.take('okta:org:/api/v1/users', signal));
}

beforeAll(() => {
  prefix = `dirsync-test:rate:${randomUUID()}:`;
});

afterEach(async () => {
  const cleaner = await connected(redisClient());
  const keys = await cleaner.keys(`${prefix}*`);
  if (keys.length > 0) await cleaner.del(...keys);
});

afterAll(() => {
  for (const client of clients) client.disconnect();
});

describe.each([
  ['MemoryRateBudget', () => Promise.resolve(new MemoryRateBudget())],
  ['RedisRateBudget', redisBudget],
])('%s', (_, create: () => Promise<RateBudget>) => {
  it('lets requests go until nothing is known, and after an answer down to the reserve only', async () => {
    const budget = await create();
    expect(await slotsGiven([budget], 3)).toBe(3);

    await budget.observe('okta:org:/api/v1/users', window(5));

    // 5 left, one kept in reserve (10 % of 10): four go.
    expect(await slotsGiven([budget], 8)).toBe(4);
  });

  it('holds a spent budget until the window resets, then goes on', async () => {
    const budget = await create();
    await budget.observe('okta:org:/api/v1/users', window(0, 300));

    await budget.take('okta:org:/api/v1/users');

    // The new window started full: its slots are counted from the limit until an answer says more.
    expect(await slotsGiven([budget], 12)).toBe(8);
  });

  it('keeps endpoint families and tenants apart', async () => {
    const budget = await create();
    await budget.observe('okta:org:/api/v1/users', window(0));

    await budget.take('okta:org:/api/v1/groups');
    await budget.take('okta:other-org:/api/v1/users');
    expect(await slotsGiven([budget], 1)).toBe(0);
  });
});

describe('RedisRateBudget shared by workers', () => {
  it('before any answer, lets a few requests go and holds the rest for the first answer, which then paces them', async () => {
    // Four syncs starting at the same instant, two requests each, against a limit of 6: all eight went before.
    const workers = [await redisBudget(), await redisBudget(), await redisBudget(), await redisBudget()];
    const stop = new AbortController();
    let went = 0;
    const takes = Array.from({ length: 8 }, (_, index) =>
      (workers[index % workers.length] as RateBudget).take('okta:org:/api/v1/users', stop.signal).then(
        () => (went += 1),
        () => undefined,
      ),
    );
    await sleep(100);
    expect(went).toBe(UNKNOWN_LIMIT_REQUESTS);
    // The first answer: 6 a window, 4 left after the two; one kept in reserve, so three more go.
    await workers[0]?.observe('okta:org:/api/v1/users', window(4, 60_000, 6));
    await sleep(400);
    stop.abort();
    await Promise.all(takes);
    expect(went).toBe(UNKNOWN_LIMIT_REQUESTS + 3);
  });

  it('gives the slots of one window once in all, whichever worker takes them', async () => {
    const workers = [await redisBudget(), await redisBudget(), await redisBudget()];
    await workers[0]?.observe('okta:org:/api/v1/users', window(7));

    expect(await slotsGiven(workers, 20)).toBe(6);
  });

  it('paces a worker on what another worker learnt', async () => {
    const [one, two] = [await redisBudget(), await redisBudget()];
    await one.observe('okta:org:/api/v1/users', window(0));

    expect(await slotsGiven([two], 1)).toBe(0);
    const reader = await connected(redisClient());
    expect(await reader.hget(`${prefix}okta:org:/api/v1/users`, 'remaining')).toBe('0');
  });

  it('ignores a late answer from a window already over', async () => {
    const [one, two] = [await redisBudget(), await redisBudget()];
    await one.observe('okta:org:/api/v1/users', { ...window(0), window: 2 });
    await two.observe('okta:org:/api/v1/users', { ...window(9), window: 1 });

    expect(await slotsGiven([two], 1)).toBe(0);
  });

  it('paces in this process alone while Redis is unreachable, with one warning, and shares again after', async () => {
    const warnings: string[] = [];
    const infos: string[] = [];
    const log: RateBudgetLog = {
      warn: (_, message) => warnings.push(message),
      info: (_, message) => infos.push(message),
    };
    // Not connected yet: every command fails at once, as while Redis is down.
    const client = redisClient();
    const budget = new RedisRateBudget(client, log, {
      keyPrefix: prefix,
      redisName: 'redis://the-test',
      retryRedisAfterMs: 0,
    });

    await budget.observe('okta:org:/api/v1/users', window(3));
    expect(await slotsGiven([budget], 5)).toBe(2);
    expect(warnings).toEqual([
      'Redis at redis://the-test did not answer: IdP requests are paced by this worker alone (other workers of ' +
        'the same tenant are not counted) until it is back; syncs go on',
    ]);
    expect(infos).toEqual([]);

    // Its first command started the connection, as ioredis reconnects to a Redis that comes back.
    if (client.status !== 'ready') await once(client, 'ready');
    const other = await redisBudget();
    await other.observe('okta:org:/api/v1/users', window(0));

    expect(await slotsGiven([budget], 1)).toBe(0);
    expect(infos).toEqual(['IdP request pacing is shared again through Redis at redis://the-test']);
    expect(warnings).toHaveLength(1);
  });
});

/** Spends `count` units one at a time at once and says how many went; the others (held) are aborted. */
function unitsGiven(budgets: readonly RateBudget[], count: number): Promise<number> {
  return granted(budgets, count, (budget, signal) => budget.takeRefill(GRAPH_KEY, 1, REFILL, signal));
}

/**
 * Asks for `count` grants at once, spread over the budgets, and says how many went: those that go resolve after a
 * Redis round trip, held ones would wait for a window's end or a refill, so they are aborted after 400 ms.
 */
async function granted(
  budgets: readonly RateBudget[],
  count: number,
  take: (budget: RateBudget, signal: AbortSignal) => Promise<void>,
): Promise<number> {
  const stop = new AbortController();
  let went = 0;
  const takes = Array.from({ length: count }, (_, index) =>
    take(budgets[index % budgets.length] as RateBudget, stop.signal).then(
      () => {
        went += 1;
      },
      () => undefined,
    ),
  );
  await sleep(400);
  stop.abort();
  await Promise.all(takes);
  return went;
}

const GRAPH_KEY = 'graph:tenant:app:identity';
/** 10 units refilled per minute: nothing refills while a test runs; one unit is kept in reserve. */
const REFILL = { capacity: 10, periodMs: 60_000 };

describe.each([
  ['MemoryRateBudget', () => Promise.resolve(new MemoryRateBudget())],
  ['RedisRateBudget', redisBudget],
])('%s, refilling budget', (_, create: () => Promise<RateBudget>) => {
  it('starts full and gives units down to the reserve', async () => {
    expect(await unitsGiven([await create()], 12)).toBe(9);
  });

  it('counts what the server says is left', async () => {
    const budget = await create();
    await budget.observeRefill(GRAPH_KEY, 4, REFILL);

    expect(await unitsGiven([budget], 5)).toBe(3);
  });

  it('holds every request for a Retry-After, then goes on from what it counted', async () => {
    const budget = await create();
    await budget.holdRefill(GRAPH_KEY, 700, REFILL);

    expect(await unitsGiven([budget], 1)).toBe(0);
    await sleep(300);
    expect(await unitsGiven([budget], 12)).toBe(9);
  });
});

describe('RedisRateBudget, refilling budget shared by workers', () => {
  it('gives the units once in all, and holds every worker for one worker’s Retry-After', async () => {
    const workers = [await redisBudget(), await redisBudget(), await redisBudget()];
    expect(await unitsGiven(workers, 20)).toBe(9);

    const [one, two] = [await redisBudget(), await redisBudget()];
    const other = 'graph:tenant:other-app:identity';
    await one.holdRefill(other, 60_000, REFILL);
    const stop = new AbortController();
    const held = two.takeRefill(other, 1, REFILL, stop.signal);
    await sleep(200);
    stop.abort();
    await expect(held).rejects.toThrow();
  });
});
