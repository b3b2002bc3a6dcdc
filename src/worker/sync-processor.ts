import { DelayedError, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import type { DirectoryConnector } from '../../connectors/directory-connector.js';
import type { Clock } from '../clock.js';
import type { DeactivationLimit } from '../core/planner/guards.js';
import type { Log } from '../logger.js';
import type { Database } from '../store/database.js';
import { RunRepository } from '../store/run-repository.js';
import type { InviteSender } from '../sync/apply-plan.js';
import { runSync, type SyncOutcome } from '../sync/run-sync.js';
import type { SyncProgress } from '../sync/sync-progress.js';
import type { Target } from '../targets/target.js';
import { classify, jobResultOf } from './failure-policy.js';
import { syncJobDataSchema } from './sync-job.js';

export interface SyncProcessorDeps {
  readonly db: Kysely<Database>;
  readonly connector: DirectoryConnector;
  readonly target: Target;
  readonly invites: InviteSender | null;
  readonly clock: Clock;
  readonly log: Log;
  readonly deactivationLimit: DeactivationLimit;
  readonly fullReadIntervalMs: number | null;
  /** Aborted on SIGTERM: the run stops after its current op and the job is put back for another worker. */
  readonly shutdown: AbortSignal;
  readonly progress: (log: Log) => SyncProgress;
  readonly onRun?: (outcome: SyncOutcome) => void;
}

export type SyncJobResult = { readonly run: string; readonly status: string } | { readonly skipped: 'coalesced' };

/** Runs one sync per job. Single-flight comes from the queue (one queue per connection, global concurrency 1). */
export function createSyncProcessor(deps: SyncProcessorDeps) {
  return async (job: Job, token?: string): Promise<SyncJobResult> => {
    const data = syncJobDataSchema.parse(job.data);
    const log = deps.log.child({ job: job.id, trigger: data.trigger });
    // From now on a new trigger may wait behind this run: at most one follow-up per run.
    if (data.trigger === 'manual') await job.removeDeduplicationKey();
    // A trigger is served by any run that started after it was due (for a scheduled job: when it was due).
    const dueAt = new Date(job.timestamp + (job.delay > 0 ? job.delay : 0)).toISOString();
    if (job.attemptsMade === 0 && (await new RunRepository(deps.db).servedSince(data.connectionId, dueAt, data.full))) {
      log.info({ dueAt }, 'trigger coalesced: a run that started after it already finished');
      return { skipped: 'coalesced' };
    }
    let outcome: SyncOutcome;
    try {
      outcome = await runSync(
        {
          connectionId: data.connectionId,
          trigger: data.trigger,
          full: data.full,
          dryRun: false,
          allowMassDeactivation: false,
          deactivationLimit: deps.deactivationLimit,
          fullReadIntervalMs: deps.fullReadIntervalMs,
          signal: deps.shutdown,
        },
        {
          db: deps.db,
          connector: deps.connector,
          target: deps.target,
          invites: deps.invites,
          clock: deps.clock,
          log,
          progress: deps.progress(log),
        },
      );
    } catch (error) {
      throw classify(error);
    }
    deps.onRun?.(outcome);
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
