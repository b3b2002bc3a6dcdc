// Runs several REAL GraphConnector reads of one tenant at once in a child process trusting the emulator's CA (see
// read-driver.ts), each with a budget of its own: a RedisRateBudget on its own Redis connection (as each worker
// has) or a MemoryRateBudget (each pacing alone). One JSON command per stdin line, one JSON answer per stdout line.
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { parseGraphConfig } from '../../../connectors/graph/graph-config.js';
import { GraphConnector } from '../../../connectors/graph/graph-connector.js';
import { MemoryRateBudget } from '../../../connectors/memory-rate-budget.js';
import type { RateBudget } from '../../../connectors/rate-budget.js';
import { RedisRateBudget } from '../../../connectors/redis-rate-budget.js';

const commandSchema = z.object({
  env: z.record(z.string(), z.string()),
  syncs: z.number().int().positive(),
  budget: z.enum(['redis', 'memory']),
  redisUrl: z.string(),
  keyPrefix: z.string(),
  maxPageSize: z.number().int().positive(),
  identityRate: z.object({ capacity: z.number().positive(), periodMs: z.number().positive() }),
});

type Command = z.infer<typeof commandSchema>;

async function budgetFor(command: Command, clients: Redis[]): Promise<RateBudget> {
  if (command.budget === 'memory') return new MemoryRateBudget();
  const client = new Redis(command.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
  client.on('error', () => undefined);
  clients.push(client);
  await client.connect();
  return new RedisRateBudget(
    client,
    { warn: () => undefined, info: () => undefined },
    { keyPrefix: command.keyPrefix },
  );
}

async function readOnce(command: Command, budget: RateBudget): Promise<unknown> {
  const connector = new GraphConnector(parseGraphConfig(command.env), {
    maxPageSize: command.maxPageSize,
    rateBudget: budget,
    identityRate: command.identityRate,
  });
  let users = 0;
  let groups = 0;
  try {
    const read = connector.read({ full: true, cursor: null });
    for (;;) {
      const next = await read.next();
      if (next.done === true) return { ok: true, users, groups };
      users += next.value.changes.filter((change) => change.type === 'user').length;
      groups += next.value.changes.filter((change) => change.type === 'group').length;
    }
  } catch (error) {
    return { ok: false, users, groups, error: error instanceof Error ? error.message : String(error) };
  }
}

async function run(line: string): Promise<unknown> {
  const command = commandSchema.parse(JSON.parse(line));
  const clients: Redis[] = [];
  try {
    const budgets = await Promise.all(Array.from({ length: command.syncs }, () => budgetFor(command, clients)));
    return { reads: await Promise.all(budgets.map((budget) => readOnce(command, budget))) };
  } finally {
    for (const client of clients) client.disconnect();
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === '') continue;
  process.stdout.write(`${JSON.stringify(await run(line))}\n`);
}
