import { randomUUID } from 'node:crypto';
import { ConnectionLeaseRepository, type LeaseHolder } from '../store/connection-lease-repository.js';
import { holdConnection } from './connection-hold.js';
import { runSync, type SyncDeps, type SyncOutcome, type SyncRequest } from './run-sync.js';

/** What the CLI or the worker asks of one run; the runtime adds the connection's own settings. */
export interface ConnectionRunRequest {
  readonly trigger: SyncRequest['trigger'];
  readonly full: boolean;
  readonly dryRun: boolean;
  readonly allowMassDeactivation: boolean;
  /** Who runs it, as other runs will see it while it holds the connection (`cli pid 42 on host-a`). */
  readonly owner: string;
  readonly signal?: AbortSignal;
  readonly progress?: SyncDeps['progress'];
  /** Called once the run holds the connection, before it reads (the worker releases its trigger's dedup key). */
  readonly onStart?: () => Promise<void>;
}

export type ConnectionRunResult =
  { readonly kind: 'ran'; readonly outcome: SyncOutcome } | { readonly kind: 'busy'; readonly heldBy: LeaseHolder };

/**
 * One run per connection at a time, whoever starts it: the run takes the connection's lease (a row in the
 * database, compare-and-set with an expiry on the database's clock) before it reads, keeps renewing it, and
 * stops after its current op if the lease is lost. A dry run (`plan`) writes nothing the lease protects and runs
 * without it.
 */
export async function syncConnection(
  request: ConnectionRunRequest & Omit<SyncRequest, keyof ConnectionRunRequest | 'runId'> & { leaseMs: number },
  deps: Omit<SyncDeps, 'progress'>,
): Promise<ConnectionRunResult> {
  const { owner, leaseMs, progress, onStart, ...syncRequest } = request;
  const runDeps: SyncDeps = progress === undefined ? deps : { ...deps, progress };
  if (request.dryRun) {
    await onStart?.();
    return { kind: 'ran', outcome: await runSync(syncRequest, runDeps) };
  }

  const runId = randomUUID();
  const hold = await holdConnection(new ConnectionLeaseRepository(deps.db), request.connectionId, {
    runId,
    owner,
    ttlMs: leaseMs,
    log: deps.log,
  });
  if ('busy' in hold) return { kind: 'busy', heldBy: hold.busy };
  try {
    await onStart?.();
    const signal = request.signal === undefined ? hold.lost : AbortSignal.any([request.signal, hold.lost]);
    const outcome = await runSync({ ...syncRequest, runId, signal }, runDeps);
    return { kind: 'ran', outcome };
  } finally {
    await hold.release();
  }
}
