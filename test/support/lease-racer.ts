// A separate process that takes connection leases, for the lease tests (races, a killed holder, a wrong clock):
//   node node_modules/vite-node/vite-node.mjs test/support/lease-racer.ts [clock shift in ms]
// With a clock shift, Date.now() and new Date() run that far off before anything else happens, as on a machine
// whose clock is wrong. It prints {"ready":…}, then answers one JSON line per command line; every command but
// `clock` names the database (a DATABASE_URL), opened on first use:
//   {"op":"clock"}                                   → {"dateNow":…,"newDate":…}
//   {"op":"open","databaseUrl"}                      → {"open":true} once a query went through (a race starts warm)
//   {"op":"acquire","databaseUrl","connectionId","runId","ttlMs","startAt"?}
//                                                    → a LeaseAttempt, tried once its clock reaches startAt (epoch ms)
//   {"op":"hold","databaseUrl","connectionId","runId","ttlMs"}
//                                                    → {"held":true}, renewing until it exits, or {"busy":LeaseHolder}
// It exits when stdin closes.
import { createInterface } from 'node:readline';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { ConnectionLeaseRepository } from '../../src/store/connection-lease-repository.js';
import { createDb } from '../../src/store/create-db.js';
import type { Database } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { describeOwner, holdConnection, type ConnectionHold } from '../../src/sync/connection-hold.js';

const shiftMs = Number(process.argv[2] ?? '0');
if (shiftMs !== 0) shiftClock(shiftMs);

const lease = { databaseUrl: z.string(), connectionId: z.string(), runId: z.string(), ttlMs: z.number() };
const commandSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('clock') }),
  z.object({ op: z.literal('open'), databaseUrl: z.string() }),
  z.object({ op: z.literal('acquire'), ...lease, startAt: z.number().optional() }),
  z.object({ op: z.literal('hold'), ...lease }),
]);

const databases = new Map<string, Kysely<Database>>();
const owner = describeOwner('cli', 'lease racer');
const holds: ConnectionHold[] = [];
const log = { warn: (obj: object, msg: string) => process.stderr.write(`${msg} ${JSON.stringify(obj)}\n`) };

function open(url: string): Kysely<Database> {
  let db = databases.get(url);
  if (db === undefined) {
    db = createDb(parseDatabaseUrl(url));
    databases.set(url, db);
  }
  return db;
}

async function run(line: string): Promise<unknown> {
  const command = commandSchema.parse(JSON.parse(line));
  switch (command.op) {
    case 'clock':
      return { dateNow: Date.now(), newDate: new Date().getTime() };
    case 'open':
      await sql`select 1`.execute(open(command.databaseUrl));
      return { open: true };
    case 'acquire': {
      const leases = new ConnectionLeaseRepository(open(command.databaseUrl));
      const waitMs = command.startAt === undefined ? 0 : command.startAt - Date.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      return leases.acquire(command.connectionId, { runId: command.runId, owner, ttlMs: command.ttlMs });
    }
    case 'hold': {
      const leases = new ConnectionLeaseRepository(open(command.databaseUrl));
      const hold = await holdConnection(leases, command.connectionId, { ...command, owner, log });
      if ('busy' in hold) return hold;
      holds.push(hold);
      return { held: true };
    }
  }
}

process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const answer = await run(line).catch((error: unknown) => ({
    error: error instanceof Error ? error.message : String(error),
  }));
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
for (const hold of holds) await hold.release();
for (const db of databases.values()) await db.destroy();

function shiftClock(offsetMs: number): void {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args: [] | [value: number | string | Date]) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(args[0]);
    }

    static override now(): number {
      return RealDate.now() + offsetMs;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}
