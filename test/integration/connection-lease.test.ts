import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionLeaseRepository,
  type LeaseAttempt,
  type LeaseHolder,
} from '../../src/store/connection-lease-repository.js';
import {
  ConnectionBusyError,
  describeOwner,
  holdConnection,
  LeaseLostError,
  type ConnectionHold,
  type LeaseStore,
} from '../../src/sync/connection-hold.js';
import { waitFor } from '../support/cli-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const ROOT = join(import.meta.dirname, '..', '..');
const VITE_NODE = join(ROOT, 'node_modules', 'vite-node', 'vite-node.mjs');
const RACER = join(ROOT, 'test', 'support', 'lease-racer.ts');
const HOUR_MS = 3_600_000;

/** test/support/lease-racer.ts in a process of its own: one JSON command line in, one JSON answer line out. */
class Racer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: ((line: string) => void)[] = [];
  readonly #exited: Promise<void>;
  #stderr = '';

  private constructor(clockShiftMs: number) {
    this.#child = spawn(process.execPath, [VITE_NODE, RACER, String(clockShiftMs)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stderr.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString('utf8')));
    this.#exited = new Promise((resolve) =>
      this.#child.once('exit', () => {
        resolve();
      }),
    );
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#waiting.shift()?.(line));
  }

  /** Starts a racer and waits until it is ready for commands. */
  static async start(clockShiftMs = 0): Promise<Racer> {
    const racer = new Racer(clockShiftMs);
    await racer.#answer();
    return racer;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Its Date.now() and new Date(), shifted or not. */
  async clock(): Promise<{ dateNow: number; newDate: number }> {
    return (await this.#send({ op: 'clock' })) as { dateNow: number; newDate: number };
  }

  /** Opens the database in that process (a first query included), so that a race starts warm. */
  async open(databaseUrl: string): Promise<void> {
    await this.#send({ op: 'open', databaseUrl });
  }

  /** ConnectionLeaseRepository.acquire in that process, once its clock reaches `startAt` (epoch ms) if given. */
  async acquire(
    databaseUrl: string,
    lease: { connectionId: string; runId: string; ttlMs: number; startAt?: number },
  ): Promise<LeaseAttempt> {
    return (await this.#send({ op: 'acquire', databaseUrl, ...lease })) as LeaseAttempt;
  }

  /** holdConnection in that process, which then keeps renewing until it exits. */
  async hold(
    databaseUrl: string,
    lease: { connectionId: string; runId: string; ttlMs: number },
  ): Promise<{ held: true } | { busy: LeaseHolder }> {
    return (await this.#send({ op: 'hold', databaseUrl, ...lease })) as { held: true } | { busy: LeaseHolder };
  }

  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.#exited;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.stdin.end();
    await this.#exited;
  }

  #send(command: Record<string, unknown>): Promise<unknown> {
    const answer = this.#answer();
    this.#child.stdin.write(`${JSON.stringify(command)}\n`);
    return answer;
  }

  #answer(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const onExit = (): void => {
        reject(new Error(`lease racer ${this.pid} exited: ${this.#stderr}`));
      };
      this.#child.once('exit', onExit);
      this.#waiting.push((line) => {
        this.#child.off('exit', onExit);
        const answer = JSON.parse(line) as { error?: string };
        if (answer.error !== undefined) reject(new Error(`lease racer ${this.pid}: ${answer.error}`));
        else resolve(answer);
      });
    });
  }
}

interface WarnLog {
  warn(obj: object, msg: string): void;
}
const silentWarn: WarnLog = { warn: () => undefined };

// Child processes, started once for the whole file (each compiles the sources under vite-node, about a second of
// CPU) and used on both dialects: six racers, one with a clock an hour ahead, and one per dialect to be killed.
const processes: {
  racers: Racer[];
  skewed: Racer | undefined;
  doomed: Partial<Record<(typeof DIALECTS)[number], Racer>>;
} = { racers: [], skewed: undefined, doomed: {} };
beforeAll(async () => {
  const [racers, skewed, sqlite, postgres] = await Promise.all([
    Promise.all([1, 2, 3, 4, 5, 6].map(() => Racer.start())),
    Racer.start(HOUR_MS),
    Racer.start(),
    Racer.start(),
  ]);
  Object.assign(processes, { racers, skewed, doomed: { sqlite, postgres } });
});
afterAll(async () => {
  const { racers, skewed, doomed } = processes;
  const all = [...racers, skewed, doomed.sqlite, doomed.postgres].filter((racer) => racer !== undefined);
  await Promise.all(all.map((racer) => racer.close()));
});

describe.each(DIALECTS)('connection leases on %s', (dialect) => {
  let database: TestDatabase;
  let leases: ConnectionLeaseRepository;
  let connection = 0;
  const nextConnection = (): string => `conn-${++connection}`;
  const holds: ConnectionHold[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'connection_lease');
    leases = new ConnectionLeaseRepository(database.db);
  });
  afterAll(async () => {
    for (const hold of holds) await hold.release();
    await database.destroy();
  });

  /** Expires a lease at once, as if its holder had stopped renewing it long ago. */
  const expire = async (connectionId: string): Promise<void> => {
    await database.db
      .updateTable('connection_leases')
      .set({ expires_at_ms: 0 })
      .where('connection_id', '=', connectionId)
      .execute();
  };
  const hold = async (
    store: LeaseStore,
    connectionId: string,
    runId: string,
    ttlMs: number,
    log: WarnLog = silentWarn,
  ) => {
    const result = await holdConnection(store, connectionId, { runId, owner: `test ${runId}`, ttlMs, log });
    if ('busy' in result) throw new Error(`expected to hold ${connectionId}, ${result.busy.runId} holds it`);
    holds.push(result);
    return result;
  };

  it('gives a free connection to the first run and names that run and its owner to the next', async () => {
    const id = nextConnection();
    const before = Date.now();
    expect(await leases.acquire(id, { runId: 'run-a', owner: 'cli pid 1 on host-a', ttlMs: 60_000 })).toEqual({
      acquired: true,
    });
    const second = await leases.acquire(id, { runId: 'run-b', owner: 'worker pid 2 on host-b', ttlMs: 60_000 });
    expect(second).toEqual({
      acquired: false,
      heldBy: {
        connectionId: id,
        runId: 'run-a',
        owner: 'cli pid 1 on host-a',
        acquiredAt: expect.any(String),
        expiresAt: expect.any(String),
      },
    });
    const heldBy = (second as Extract<LeaseAttempt, { acquired: false }>).heldBy;
    // By the database's clock, which on this one machine agrees with ours.
    expect(Date.parse(heldBy.acquiredAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(heldBy.expiresAt) - Date.parse(heldBy.acquiredAt)).toBeGreaterThanOrEqual(59_990);
    expect(Date.parse(heldBy.expiresAt) - Date.parse(heldBy.acquiredAt)).toBeLessThanOrEqual(60_010);
    expect(await leases.current(id)).toEqual(heldBy);
  });

  it('ignores a release by a run that does not hold the lease, and frees it on the holder’s release', async () => {
    const id = nextConnection();
    await leases.acquire(id, { runId: 'run-a', owner: 'a', ttlMs: 60_000 });
    await leases.release(id, 'run-b');
    expect((await leases.current(id))?.runId).toBe('run-a');
    await leases.release(id, 'run-a');
    expect(await leases.current(id)).toBeNull();
    expect(await leases.acquire(id, { runId: 'run-b', owner: 'b', ttlMs: 60_000 })).toEqual({ acquired: true });
  });

  it('extends a lease on renew, and refuses the renewal once another run took it after it expired', async () => {
    const id = nextConnection();
    await leases.acquire(id, { runId: 'run-a', owner: 'a', ttlMs: 5_000 });
    const first = await leases.current(id);
    expect(await leases.renew(id, 'run-a', 60_000)).toBe(true);
    const renewed = await leases.current(id);
    expect(Date.parse(renewed?.expiresAt ?? '')).toBeGreaterThan(Date.parse(first?.expiresAt ?? '') + 50_000);
    expect(renewed?.acquiredAt).toBe(first?.acquiredAt);
    expect(await leases.renew(id, 'run-b', 60_000)).toBe(false);

    await expire(id);
    expect(await leases.current(id)).toBeNull();
    expect(await leases.acquire(id, { runId: 'run-b', owner: 'b', ttlMs: 60_000 })).toEqual({ acquired: true });
    expect(await leases.renew(id, 'run-a', 60_000)).toBe(false);
    expect((await leases.current(id))?.runId).toBe('run-b');
  });

  it('renews a lease that expired while nobody took it (it was still ours), but not a released one', async () => {
    const id = nextConnection();
    await leases.acquire(id, { runId: 'run-a', owner: 'a', ttlMs: 60_000 });
    await expire(id);
    expect(await leases.renew(id, 'run-a', 60_000)).toBe(true);
    expect((await leases.current(id))?.runId).toBe('run-a');
    await leases.release(id, 'run-a');
    expect(await leases.renew(id, 'run-a', 60_000)).toBe(false);
  });

  it('lets the same run acquire again (a retry after a lost answer) and keeps its acquiredAt', async () => {
    const id = nextConnection();
    await leases.acquire(id, { runId: 'run-a', owner: 'a', ttlMs: 60_000 });
    const first = await leases.current(id);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await leases.acquire(id, { runId: 'run-a', owner: 'a', ttlMs: 60_000 })).toEqual({ acquired: true });
    expect((await leases.current(id))?.acquiredAt).toBe(first?.acquiredAt);
  });

  it('lists the unexpired leases only, by connection id', async () => {
    const [a, b, c] = ['list-b', 'list-a', 'list-c'];
    for (const id of [a, b, c]) await leases.acquire(id, { runId: `run-${id}`, owner: 'o', ttlMs: 60_000 });
    await expire(c);
    const listed = (await leases.listHeld()).filter((holder) => holder.connectionId.startsWith('list-'));
    expect(listed.map((holder) => holder.connectionId)).toEqual(['list-a', 'list-b']);
  });

  it('hands a lapsed lease (ttl 300 ms) to another run; the lapsed holder’s renew fails and its hold is lost', async () => {
    const id = nextConnection();
    // The holder's renewals hang (a paused process, a stuck connection) until the gate opens.
    let openGate = (): void => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const stalled: LeaseStore = {
      acquire: (connectionId, holder) => leases.acquire(connectionId, holder),
      renew: async (connectionId, runId, ttlMs) => {
        await gate;
        return leases.renew(connectionId, runId, ttlMs);
      },
      release: (connectionId, runId) => leases.release(connectionId, runId),
      current: (connectionId) => leases.current(connectionId),
    };
    const held = await hold(stalled, id, 'run-a', 300);
    expect(await leases.acquire(id, { runId: 'run-b', owner: 'b', ttlMs: 60_000 })).toMatchObject({ acquired: false });

    await waitFor('the lease to lapse', async () => (await leases.current(id)) === null, 5_000);
    expect(await leases.acquire(id, { runId: 'run-b', owner: 'b', ttlMs: 60_000 })).toEqual({ acquired: true });
    await waitFor('the hold to be lost', () => held.lost.aborted, 1_000);
    expect(held.lost.reason).toBeInstanceOf(LeaseLostError);
    expect((held.lost.reason as Error).message).toMatch(/run-a.*could not renew it within its ttl of 300 ms/);
    expect(await leases.renew(id, 'run-a', 300)).toBe(false);

    openGate();
    await held.release(); // must not free run-b's lease
    expect((await leases.current(id))?.runId).toBe('run-b');
  });

  it('aborts a hold when a renewal finds another run holding the lease, naming that run', async () => {
    const id = nextConnection();
    const held = await hold(leases, id, 'run-a', 1_500);
    await expire(id);
    await leases.acquire(id, { runId: 'run-b', owner: 'worker pid 9 on host-b', ttlMs: 60_000 });
    await waitFor('the hold to be lost', () => held.lost.aborted, 1_500);
    const reason = held.lost.reason as LeaseLostError;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(reason.takenBy?.runId).toBe('run-b');
    expect(reason.message).toMatch(/lost the lease on connection conn-\d+ \(run run-a\): run run-b \(worker pid 9/);
  });

  it('aborts a hold when no renewal succeeds for a whole ttl (the database unreachable), not before', async () => {
    const id = nextConnection();
    const warnings: string[] = [];
    const unreachable: LeaseStore = {
      acquire: (connectionId, holder) => leases.acquire(connectionId, holder),
      renew: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')),
      release: (connectionId, runId) => leases.release(connectionId, runId),
      current: (connectionId) => leases.current(connectionId),
    };
    const started = performance.now();
    const held = await hold(unreachable, id, 'run-a', 600, {
      warn: (_obj, msg) => {
        warnings.push(msg);
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(held.lost.aborted).toBe(false);
    await waitFor('the hold to be lost', () => held.lost.aborted, 2_000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(590);
    expect((held.lost.reason as Error).message).toMatch(/within its ttl of 600 ms \(last error: connect ECONNREFUSED/);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
  });

  it('keeps a held lease alive past its ttl by renewing, and release frees it without aborting lost', async () => {
    const id = nextConnection();
    const held = await hold(leases, id, 'run-a', 300);
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(held.lost.aborted).toBe(false);
    expect(await leases.acquire(id, { runId: 'run-b', owner: 'b', ttlMs: 60_000 })).toMatchObject({ acquired: false });
    await held.release();
    await held.release();
    expect(held.lost.aborted).toBe(false);
    expect(await leases.current(id)).toBeNull();
  });

  it('returns busy from holdConnection, and ConnectionBusyError tells the operator who holds it until when', async () => {
    const id = nextConnection();
    await hold(leases, id, 'run-a', 60_000);
    const second = await holdConnection(leases, id, { runId: 'run-b', owner: 'b', ttlMs: 60_000, log: silentWarn });
    if (!('busy' in second)) throw new Error('expected busy');
    const { busy } = second;
    expect(busy).toMatchObject({ connectionId: id, runId: 'run-a', owner: 'test run-a' });
    expect(new ConnectionBusyError(busy).message).toBe(
      `connection ${id} is busy: run run-a (test run-a) holds it since ${busy.acquiredAt}, until ${busy.expiresAt} ` +
        'unless renewed; wait for it to finish or, if that process is gone, retry after that time',
    );
  });

  it('describes an owner by role, pid and host', () => {
    expect(describeOwner('cli')).toMatch(new RegExp(`^cli pid ${process.pid} on \\S+$`));
    expect(describeOwner('worker', 'job 123')).toMatch(new RegExp(`^worker pid ${process.pid} on \\S+, job 123$`));
  });

  describe('between real processes', () => {
    beforeAll(async () => {
      const { racers, skewed, doomed } = processes;
      const all = [...racers, skewed, doomed[dialect]].filter((racer) => racer !== undefined);
      await Promise.all(all.map((racer) => racer.open(database.url)));
    });

    it('lets exactly one of 6 processes racing for a connection take it, round after round', async () => {
      for (const [round, path] of ['insert', 'takeover', 'insert', 'takeover', 'insert'].entries()) {
        const id = `race-${round}`;
        if (path === 'takeover') {
          // The race goes through ON CONFLICT … DO UPDATE … WHERE expired, not the plain insert.
          await leases.acquire(id, { runId: 'stale', owner: 'a killed process', ttlMs: 60_000 });
          await expire(id);
        }
        const startAt = Date.now() + 200;
        const attempts: LeaseAttempt[] = await Promise.all(
          processes.racers.map((racer, i) =>
            racer.acquire(database.url, {
              connectionId: id,
              runId: `round-${round}-racer-${i}`,
              ttlMs: 60_000,
              startAt,
            }),
          ),
        );
        const winners = attempts.flatMap((attempt, i) => (attempt.acquired ? [`round-${round}-racer-${i}`] : []));
        expect(winners, `round ${round} (${path})`).toHaveLength(1);
        const losers = attempts.filter((attempt) => !attempt.acquired);
        expect(losers.map((attempt) => attempt.heldBy.runId)).toEqual(Array(5).fill(winners[0]));
        expect((await leases.current(id))?.runId).toBe(winners[0]);
      }
    });

    it('frees the connection of a SIGKILLed holder within its ttl, and not at the kill', async () => {
      const id = nextConnection();
      const holder = processes.doomed[dialect]!;
      expect(await holder.hold(database.url, { connectionId: id, runId: 'doomed', ttlMs: 1_000 })).toEqual({
        held: true,
      });
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // past one ttl: only renewals keep it
      const attempt = await leases.acquire(id, { runId: 'next', owner: 'test', ttlMs: 60_000 });
      expect(attempt).toMatchObject({ acquired: false, heldBy: { runId: 'doomed' } });
      expect((attempt as Extract<LeaseAttempt, { acquired: false }>).heldBy.owner).toMatch(
        new RegExp(`^cli pid ${holder.pid} on `),
      );

      await holder.kill();
      const killedAt = performance.now();
      expect(await leases.acquire(id, { runId: 'next', owner: 'test', ttlMs: 60_000 })).toMatchObject({
        acquired: false,
      });
      let taken = false;
      while (!taken && performance.now() - killedAt < 3_000) {
        taken = (await leases.acquire(id, { runId: 'next', owner: 'test', ttlMs: 60_000 })).acquired;
        if (!taken) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(taken).toBe(true);
      expect(performance.now() - killedAt).toBeLessThan(1_000 + 500);
    });

    it('keeps a process whose clock is an hour ahead from taking a held lease or stretching its own', async () => {
      const wrongClock = processes.skewed!;
      const clock = await wrongClock.clock();
      expect(Math.abs(clock.dateNow - Date.now() - HOUR_MS)).toBeLessThan(10_000);
      expect(Math.abs(clock.newDate - Date.now() - HOUR_MS)).toBeLessThan(10_000);

      const held = nextConnection();
      await leases.acquire(held, { runId: 'honest', owner: 'test', ttlMs: 5_000 });
      const attempt = await wrongClock.acquire(database.url, { connectionId: held, runId: 'skewed', ttlMs: 5_000 });
      expect(attempt).toMatchObject({ acquired: false, heldBy: { runId: 'honest' } });
      const heldBy = (attempt as Extract<LeaseAttempt, { acquired: false }>).heldBy;
      expect(Date.parse(heldBy.expiresAt) - Date.now()).toBeLessThanOrEqual(5_000);

      const own = nextConnection();
      const started = performance.now();
      expect(await wrongClock.acquire(database.url, { connectionId: own, runId: 'skewed', ttlMs: 800 })).toEqual({
        acquired: true,
      });
      const expiresAt = Date.parse((await leases.current(own))?.expiresAt ?? '');
      expect(expiresAt - Date.now()).toBeLessThanOrEqual(800);
      await waitFor(
        'the skewed process’s lease to lapse by the database’s clock',
        async () => (await leases.acquire(own, { runId: 'honest', owner: 'test', ttlMs: 60_000 })).acquired,
        3_000,
      );
      expect(performance.now() - started).toBeLessThan(800 + 1_000);
    });
  });
});
