import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryRateBudget } from '../../connectors/memory-rate-budget.js';
import { parseOktaConfig } from '../../connectors/okta/okta-config.js';
import { OktaConnector } from '../../connectors/okta/okta-connector.js';
import type { RateBudget } from '../../connectors/rate-budget.js';
import { RedisRateBudget } from '../../connectors/redis-rate-budget.js';
import { OktaCaTrustingRequestExecutor } from '../emulators/okta/okta-ca-trusting-request-executor.js';
import { OktaOrgEmulator } from '../emulators/okta/okta-org-emulator.js';
import { TEST_REDIS_URL } from '../support/test-redis.js';
import { fullRead } from '../support/full-read.js';

const GROUPS = 2;
/** Syncs of the org at once: e.g. two workers each running two connections of the same org. */
const SYNCS = 4;
let emulator: OktaOrgEmulator;
let caPem: string;
const prefix = `dirsync-test:rate:${randomUUID()}:`;
const clients: Redis[] = [];

beforeEach(async () => {
  // Six requests a second per endpoint family: one read costs 2 on /api/v1/users and 1 + GROUPS on /api/v1/groups.
  emulator = new OktaOrgEmulator({ rateLimit: { limit: 6, windowMs: 1000 } });
  ({ caPem } = await emulator.start());
  const users = Array.from({ length: 3 }, (_, i) =>
    emulator.store.createUser({
      profile: { login: `u${i}@example.test`, email: `u${i}@example.test`, firstName: `U${i}`, lastName: 'Tester' },
    }),
  );
  for (let g = 0; g < GROUPS; g += 1) {
    const group = emulator.store.createGroup({ name: `Team ${g}` });
    for (const user of users) emulator.store.addMember(group.id, user.id);
  }
});

afterEach(async () => {
  await emulator.stop();
  const cleaner = redis();
  await once(cleaner, 'ready');
  const keys = await cleaner.keys(`${prefix}*`);
  if (keys.length > 0) await cleaner.del(...keys);
});

afterAll(() => {
  for (const client of clients) client.disconnect();
});

function redis(): Redis {
  const client = new Redis(TEST_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

/** A connector as one sync has it: its own SDK client and its own budget (with its own Redis connection). */
function worker(budget: RateBudget): OktaConnector {
  const config = parseOktaConfig({ OKTA_CLIENT_ORGURL: emulator.orgUrl, OKTA_CLIENT_TOKEN: emulator.apiToken });
  return new OktaConnector(config, {
    requestExecutor: new OktaCaTrustingRequestExecutor(caPem),
    retry: { maxRetries: 3, baseDelayMs: 5 },
    rateBudget: budget,
  });
}

async function readTogether(budgets: readonly RateBudget[]): Promise<number> {
  const reads = await Promise.all(budgets.map((budget) => fullRead(worker(budget))));
  for (const { changes } of reads) {
    expect(changes.filter((change) => change.type === 'user')).toHaveLength(3);
    expect(changes.filter((change) => change.type === 'group')).toHaveLength(GROUPS + 1);
  }
  return emulator.requests.entries.filter((entry) => entry.status === 429).length;
}

describe('Four syncs reading the same Okta org at once (e.g. two workers, two connections each)', () => {
  it('with the budget shared in Redis, they stay under the limit together: not one 429', async () => {
    const budget = async () => {
      const client = redis();
      await once(client, 'ready');
      return new RedisRateBudget(client, { warn: () => undefined, info: () => undefined }, { keyPrefix: prefix });
    };

    expect(await readTogether(await Promise.all(Array.from({ length: SYNCS }, budget)))).toBe(0);
    expect(emulator.requests.entries.length).toBe(SYNCS * (3 + GROUPS + 1));
  });

  it('each pacing alone on the answers it sees, they are throttled (what the shared budget is for)', async () => {
    expect(await readTogether(Array.from({ length: SYNCS }, () => new MemoryRateBudget()))).toBeGreaterThan(0);
  });
});
