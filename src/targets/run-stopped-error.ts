/** A write left half-way because the run was asked to stop (see `UpdateGroupOptions.signal`): not a failure. */
export class RunStoppedError extends Error {
  constructor(signal: AbortSignal) {
    const reason: unknown = signal.reason;
    super(reason instanceof Error ? reason.message : 'the run was asked to stop', { cause: reason });
    this.name = 'RunStoppedError';
  }
}

/** Throws `RunStoppedError` when the signal is aborted. */
export function throwIfStopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new RunStoppedError(signal);
}
