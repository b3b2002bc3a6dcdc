import { DelayedError, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import type { ConnectionRuntime } from '../app.js';
import type { Clock } from '../clock.js';
import type { ConnectionConfig } from '../config/connection-config.js';
import { describeQuarantine, isQuarantined } from '../core/quarantine.js';
import type { Log } from '../logger.js';
import { ConnectionRepository } from '../store/connection-repository.js';
import type { Database } from '../store/database.js';
import { RunRepository } from '../store/run-repository.js';
import type { SyncOutcome } from '../sync/run-sync.js';
import type { SyncProgress } from '../sync/sync-progress.js';
import { classify, jobResultOf } from './failure-policy.js';
import { syncJobDataSchema } from './sync-job.js';

export interface SyncProcessorDeps {
  readonly db: Kysely<Database>;
  /** The connection as the registry has it now (it changes on SIGHUP); undefined once removed. */
  readonly connection: (id: string) => ConnectionConfig | undefined;
  /** Builds the connection's runtime for one job (the composition root); closed after the job. */
  readonly runtime: (connection: ConnectionConfig) => Promise<ConnectionRuntime>;
  readonly log: Log;
  /** Who this worker is, as other runs see it while it holds a connection. */
  readonly owner: string;
  /** Aborted on SIGTERM: the run stops after its current op and the job is put back for another worker. */
  readonly shutdown: AbortSignal;
  readonly progress: (log: Log) => SyncProgress;
  /** How long a job waits before it tries again when another run holds its connection. */
  readonly busyDelayMs: number;
  readonly clock: Clock;
  readonly onRun?: (connectionId: string, outcome: SyncOutcome) => void;
  /** A job that ran no sync, and why (`dirsync_runs_skipped_total`). */
  readonly onSkip?: (connectionId: string, reason: SkipReason) => void;
}

export type SkipReason = 'coalesced' | 'removed' | 'paused' | 'quarantined';

export type SyncJobResult = { readonly run: string; readonly status: string } | { readonly skipped: SkipReason };

/**
 * Runs one sync per job, for whichever connection the job names. Single-flight comes from the connection's lease:
 * a job whose connection is held (by another worker's run or a CLI `sync`) waits in the delayed set and tries
 * again, and is then served by that run if it finished after the trigger was due.
 *
 * A scheduled job of a quarantined connection runs no sync: it logs one line and completes. The job scheduler
 * keeps its ordinary pattern and the quarantine is read from the database when the job fires, so whatever lifts
 * it (a `resume`, a successful CLI `sync`) needs no Redis and takes effect at the next tick. A manual job
 * (`resync`) runs anyway: an operator asked for it.
 */
export function createSyncProcessor(deps: SyncProcessorDeps) {
  const skip = (connectionId: string, reason: SkipReason): SyncJobResult => {
    deps.onSkip?.(connectionId, reason);
    return { skipped: reason };
  };
  return async (job: Job, token?: string): Promise<SyncJobResult> => {
    const data = syncJobDataSchema.parse(job.data);
    const log = deps.log.child({ job: job.id, trigger: data.trigger, connection: data.connectionId });
    const connection = deps.connection(data.connectionId);
    if (connection === undefined) {
      log.info('the connection is no longer in the registry: job dropped');
      return skip(data.connectionId, 'removed');
    }
    if (data.trigger === 'schedule') {
      const now = deps.clock.now();
      const quarantine = await new ConnectionRepository(deps.db).quarantine(data.connectionId);
      if (isQuarantined(quarantine, now)) {
        log.info(
          { until: quarantine.until?.toISOString(), level: quarantine.level, reason: quarantine.reason },
          `scheduled run skipped: connection ${data.connectionId} is ${describeQuarantine(quarantine, now) ?? 'quarantined'}; ` +
            `\`dirsync resume -c ${data.connectionId}\` lifts it, \`dirsync resync -c ${data.connectionId}\` runs it now`,
        );
        return skip(data.connectionId, 'quarantined');
      }
    }
    // A trigger is served by any run that started after it was due (for a scheduled job: when it was due).
    const dueAt = new Date(job.timestamp + (job.delay > 0 ? job.delay : 0)).toISOString();
    if (job.attemptsMade === 0 && (await new RunRepository(deps.db).servedSince(data.connectionId, dueAt, data.full))) {
      log.info({ dueAt }, 'trigger coalesced: a run that started after it already finished');
      return skip(data.connectionId, 'coalesced');
    }
    let runtime: ConnectionRuntime | undefined;
    let result;
    try {
      runtime = await deps.runtime(connection);
      result = await runtime.run({
        trigger: data.trigger,
        full: data.full,
        dryRun: false,
        // The worker never bypasses a guard: a held plan waits for an operator.
        allowMassDeactivation: false,
        owner: `${deps.owner}, job ${job.id ?? '?'}`,
        signal: deps.shutdown,
        progress: deps.progress(log),
        // One trigger counts once toward the quarantine, however many attempts its job makes.
        retriedOnFailure: job.attemptsMade + 1 < (job.opts.attempts ?? 1),
        // From the moment the run holds the connection, a new manual trigger may wait behind it: at most one
        // follow-up per run. Not before: triggers that arrive while this job waits for a busy connection join it.
        onStart: async () => {
          if (data.trigger === 'manual') await job.removeDeduplicationKey();
        },
        // The worker reports counts, never the plan in words: its runs need not hold the plan's basis (directory,
        // app and desired state) through the apply.
        describePlan: () => undefined,
      });
    } catch (error) {
      throw classify(error);
    } finally {
      await runtime?.close();
    }
    if (result.kind === 'busy') {
      log.info(
        { heldBy: result.heldBy.runId, owner: result.heldBy.owner },
        `connection busy (${result.heldBy.owner}): the job waits ${deps.busyDelayMs} ms and tries again`,
      );
      await job.moveToDelayed(Date.now() + deps.busyDelayMs, token);
      throw new DelayedError();
    }
    const outcome = result.outcome;
    deps.onRun?.(data.connectionId, outcome);
    if (deps.shutdown.aborted && (outcome.status === 'stopped' || outcome.status === 'read-failed')) {
      // Shutting down mid-run: hand the job back at once (not as a failed attempt); the outbox resumes it.
      log.info(
        { run: outcome.runId },
        'shutdown: the run stopped after its current op; the job goes back to the queue',
      );
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    jobResultOf(outcome);
    return { run: outcome.runId, status: outcome.status };
  };
}
