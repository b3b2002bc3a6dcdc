import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GraphEmulator } from '../emulators/graph/graph-emulator.js';
import { JsonLinesChild } from '../support/json-lines-child.js';
import { TEST_REDIS_URL } from '../support/test-redis.js';
import { CLIENT, SECRET, TENANT } from './graph-connector-support/graph-connector-harness.js';

const USERS = 10;
const GROUPS = 3;
/** Syncs of the tenant at once, with the same app: e.g. two workers, two connections each. */
const SYNCS = 4;
/**
 * A small identity budget, enforced by the emulator and paced on by the connector: 20 resource units refilled over
 * 4 s, so the reserve (10 %) is 400 ms of refill, the time it covers between a request taking its units and Graph
 * counting them (a second in production). One read costs 7 (5 pages of two users and 2 of groups, 1 unit each):
 * four reads together ask for 28.
 */
const RATE = { capacity: 20, periodMs: 4000 };
const prefix = `dirsync-test:rate:${randomUUID()}:`;
const APPS = { redis: CLIENT, memory: randomUUID() };

let emulator: GraphEmulator;
let driver: JsonLinesChild;
let env: Record<string, string>;

interface ReadsAnswer {
  readonly reads: readonly { ok: boolean; users: number; groups: number; error?: string }[];
}

beforeAll(async () => {
  emulator = new GraphEmulator({ identityBudget: { resourceUnits: RATE.capacity, windowMs: RATE.periodMs } });
  const endpoints = await emulator.start();
  // Graph counts per application+tenant pair: each test reads with an app of its own, from a full budget.
  for (const clientId of Object.values(APPS)) {
    emulator.registerApp({
      tenantId: TENANT,
      clientId,
      clientSecret: SECRET,
      roles: ['User.Read.All', 'GroupMember.Read.All'],
    });
  }
  const ids = Array.from(
    { length: USERS },
    (_, i) => emulator.directory.createUser({ userPrincipalName: `u${i}@contoso.onmicrosoft.com` }).id,
  );
  for (let g = 0; g < GROUPS; g += 1) {
    const group = emulator.directory.createGroup({ displayName: `Team ${g}` });
    for (const id of ids) emulator.directory.addMember(group.id, id);
  }
  env = {
    AZURE_TENANT_ID: TENANT,
    AZURE_CLIENT_SECRET: SECRET,
    AZURE_AUTHORITY_HOST: endpoints.authorityHost,
    GRAPH_BASE_URL: endpoints.graphBaseUrl,
  };
  driver = new JsonLinesChild(
    join(import.meta.dirname, 'graph-connector-support', 'shared-budget-driver.ts'),
    endpoints.caPath,
    'shared budget driver',
  );
});

afterEach(async () => {
  emulator.clearRequests();
  const cleaner = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  await cleaner.connect();
  const keys = await cleaner.keys(`${prefix}*`);
  if (keys.length > 0) await cleaner.del(...keys);
  cleaner.disconnect();
});

afterAll(async () => {
  await driver.close();
  await emulator.stop();
});

async function readTogether(budget: 'redis' | 'memory'): Promise<ReadsAnswer> {
  return (await driver.send({
    env: { ...env, AZURE_CLIENT_ID: APPS[budget] },
    syncs: SYNCS,
    budget,
    redisUrl: TEST_REDIS_URL,
    keyPrefix: prefix,
    maxPageSize: 2,
    identityRate: RATE,
  })) as ReadsAnswer;
}

describe('Four syncs reading one Graph tenant with the same app at once', () => {
  it('sharing the identity budget in Redis, they stay under it together: every read completes, not one 429', async () => {
    const { reads } = await readTogether('redis');

    expect(reads).toEqual(Array.from({ length: SYNCS }, () => ({ ok: true, users: USERS, groups: GROUPS })));
    expect(emulator.countRequests({ service: 'graph', status: 429 })).toBe(0);
    expect(emulator.countRequests({ service: 'graph' })).toBe(SYNCS * 7);
  });

  it('each pacing alone on the same budget, they are throttled (what sharing it is for)', async () => {
    await readTogether('memory');

    expect(emulator.countRequests({ service: 'graph', status: 429 })).toBeGreaterThan(0);
  });
});
