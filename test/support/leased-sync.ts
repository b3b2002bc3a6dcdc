import { syncConnection } from '../../src/sync/sync-connection.js';
import type { SyncDeps, SyncOutcome, SyncRequest } from '../../src/sync/run-sync.js';

/**
 * One run as the CLI and the worker start it (`syncConnection`): under the connection's lease, so that its writes
 * count as its own (a run's own writes may leave the no-op basis behind; anyone else's never do). A dry run takes no
 * lease. Throws when another run holds the connection.
 */
export async function leasedSync(
  request: Omit<SyncRequest, 'runId' | 'signal'> & { readonly signal?: AbortSignal },
  deps: Omit<SyncDeps, 'progress'>,
): Promise<SyncOutcome> {
  const result = await syncConnection({ ...request, owner: 'test', leaseMs: 60_000 }, deps);
  if (result.kind === 'busy') throw new Error(`connection ${request.connectionId} is busy: ${result.heldBy.runId}`);
  return result.outcome;
}
