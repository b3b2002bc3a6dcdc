import { AsyncLocalStorage } from 'node:async_hooks';

// An async context rather than a second database handle: the run's writes go through many repositories, some in
// files that take the handle they are given (apply-plan, the invite ledger, the applied journal), and everything
// they start — transactions, group-commit timers — inherits the context without a parameter threaded through.
const writer = new AsyncLocalStorage<string>();

/**
 * Runs `work` as sync run `runId`: every database session it acquires says so to the database (see
 * `RunWriterDriver`), and the state-revision triggers count its writes as the run's own (`connections.run_revision`)
 * while `runId` holds the connection's lease. Work started outside, or by another run, is not the run's.
 */
export function asRunWriter<T>(runId: string, work: () => Promise<T>): Promise<T> {
  return writer.run(runId, work);
}

/** The run whose work this is; undefined outside any run (a CLI command, a lease renewal). */
export function currentRunWriter(): string | undefined {
  return writer.getStore();
}
