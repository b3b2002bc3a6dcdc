import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ConnectionLeaseRepository, LeaseHolder } from '../store/connection-lease-repository.js';

/** The slice of the lease repository a hold uses. */
export type LeaseStore = Pick<ConnectionLeaseRepository, 'acquire' | 'renew' | 'release' | 'current'>;

/** A connection held by this run: renewed in the background until released or lost. */
export interface ConnectionHold {
  /**
   * Aborted, with a LeaseLostError as its reason, when the lease stops being ours while we still run: a
   * renewal found it taken by another run (or gone), or no renewal succeeded for a whole ttl (the database is
   * unreachable, or this process was paused), after which another run may take it. Work must stop then.
   * Never aborted by release().
   */
  readonly lost: AbortSignal;
  /**
   * Stops renewing and deletes the lease if it is still ours. Never throws: when the database cannot be reached
   * it logs a warning, and the lease lapses on its own within its ttl. Calling it again does nothing.
   */
  release(): Promise<void>;
}

/** A second start of the same connection: names who holds it and what the operator can do. */
export class ConnectionBusyError extends Error {
  constructor(readonly heldBy: LeaseHolder) {
    super(
      `connection ${heldBy.connectionId} is busy: run ${heldBy.runId} (${heldBy.owner}) holds it since ` +
        `${heldBy.acquiredAt}, until ${heldBy.expiresAt} unless renewed; wait for it to finish or, if that ` +
        'process is gone, retry after that time',
    );
    this.name = 'ConnectionBusyError';
  }
}

/** Why a hold's `lost` signal aborted. `takenBy` is the run that holds the connection now, when one does. */
export class LeaseLostError extends Error {
  constructor(
    readonly connectionId: string,
    readonly runId: string,
    readonly takenBy: LeaseHolder | null,
    message: string,
  ) {
    super(`lost the lease on connection ${connectionId} (run ${runId}): ${message}`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Who holds a lease, for people reading `status` or a busy message: `cli pid 4242 on host-a`, or with `extra`
 * `worker pid 17 on host-b, job 123`.
 */
export function describeOwner(role: 'cli' | 'worker', extra?: string): string {
  return `${role} pid ${process.pid} on ${hostname()}${extra === undefined ? '' : `, ${extra}`}`;
}

/**
 * Takes the connection's lease for this run, or returns who holds it. While held, the lease is renewed every
 * ttlMs/3 on an unref'd timer (it never keeps the process alive), so a killed holder's lease lapses within
 * ttlMs and another run can start.
 */
export async function holdConnection(
  leases: LeaseStore,
  connectionId: string,
  options: { runId: string; owner: string; ttlMs: number; log: { warn(obj: object, msg: string): void } },
): Promise<ConnectionHold | { busy: LeaseHolder }> {
  const { runId, owner, ttlMs, log } = options;
  // Local durations use the monotonic clock: measured from before each request that succeeded, so our
  // deadline falls no later than the expiry the database computed during that request.
  let lastHeldFrom = performance.now();
  const attempt = await leases.acquire(connectionId, { runId, owner, ttlMs });
  if (!attempt.acquired) return { busy: attempt.heldBy };

  const controller = new AbortController();
  let released = false;
  let lastError: string | null = null;
  let renewTimer: NodeJS.Timeout | undefined;
  let deadlineTimer: NodeJS.Timeout | undefined;
  const over = (): boolean => released || controller.signal.aborted;

  const stop = (): void => {
    clearTimeout(renewTimer);
    clearTimeout(deadlineTimer);
  };
  const lose = (takenBy: LeaseHolder | null, message: string): void => {
    if (over()) return;
    stop();
    controller.abort(new LeaseLostError(connectionId, runId, takenBy, message));
  };
  const armDeadline = (): void => {
    clearTimeout(deadlineTimer);
    deadlineTimer = setTimeout(
      () => {
        lose(
          null,
          `could not renew it within its ttl of ${ttlMs} ms (last error: ${lastError ?? 'none'}); ` +
            'another run may take the connection over now',
        );
      },
      Math.max(0, lastHeldFrom + ttlMs - performance.now()),
    );
    deadlineTimer.unref();
  };
  const renewLater = (): void => {
    renewTimer = setTimeout(() => void renewOnce(), Math.max(1, Math.floor(ttlMs / 3)));
    renewTimer.unref();
  };

  const renewOnce = async (): Promise<void> => {
    const startedAt = performance.now();
    try {
      const ours = await leases.renew(connectionId, runId, ttlMs);
      if (over()) return;
      if (!ours) {
        const takenBy = await leases.current(connectionId).catch(() => null);
        lose(
          takenBy,
          takenBy === null
            ? 'it no longer holds it (released, or expired and taken since)'
            : `run ${takenBy.runId} (${takenBy.owner}) took it over at ${takenBy.acquiredAt} after ours expired`,
        );
        return;
      }
      lastHeldFrom = startedAt;
      lastError = null;
      armDeadline();
    } catch (error) {
      if (over()) return;
      // Not lost yet: the lease holds until its ttl runs out, which the deadline timer watches.
      lastError = error instanceof Error ? error.message : 'an unknown error';
      log.warn({ err: error, connectionId, runId }, 'could not renew the connection lease; retrying');
    }
    renewLater();
  };

  armDeadline();
  renewLater();

  return {
    lost: controller.signal,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      stop();
      try {
        await leases.release(connectionId, runId);
      } catch (error) {
        log.warn({ err: error, connectionId, runId }, 'could not release the connection lease; it lapses on its own');
      }
    },
  };
}
