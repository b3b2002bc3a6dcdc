import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DirectoryConnector } from '../../connectors/directory-connector.js';
import { ConnectorError } from '../../connectors/connector-error.js';
import { desiredStateOf } from '../core/desired-state.js';
import type { AppState } from '../core/model/app-state.js';
import type { DesiredState } from '../core/model/desired-state.js';
import type { Directory } from '../core/model/directory.js';
import { cloneAppState } from '../core/planner/apply-op.js';
import type { GuardLimit, GuardLimits } from '../core/planner/guards.js';
import { countOps, type Plan, type PlanCounts } from '../core/planner/plan.js';
import { planSync } from '../core/planner/plan-sync.js';
import { DEFAULT_SCOPE, type Scope } from '../core/scope.js';
import { checkSourceAnomaly, explainSourceAnomaly, type SourceAnomaly } from '../core/source-anomaly.js';
import type { Clock } from '../clock.js';
import type { Log } from '../logger.js';
import { AppStateRepository } from '../store/app-state-repository.js';
import { ConnectionRepository } from '../store/connection-repository.js';
import type { Database, RunStatus } from '../store/database.js';
import { DatabaseError } from '../store/database-error.js';
import { LeaseLostError } from './connection-hold.js';
import { MirrorRepository } from '../store/mirror-repository.js';
import { OutboxRepository, type FailedOp } from '../store/outbox-repository.js';
import { RunRepository, type RunTrigger } from '../store/run-repository.js';
import type { Target } from '../targets/target.js';
import { applyPlan, type InviteSender } from './apply-plan.js';
import { readDirectory } from './read-directory.js';
import type { SyncProgress } from './sync-progress.js';

const DIRECTORY_CURSOR = 'directory';

export interface SyncDeps {
  readonly db: Kysely<Database>;
  readonly connector: DirectoryConnector;
  readonly target: Target;
  readonly invites: InviteSender | null;
  readonly clock: Clock;
  readonly log: Log;
  readonly progress?: SyncProgress;
}

export interface SyncRequest {
  readonly connectionId: string;
  readonly trigger: RunTrigger;
  /** Force a full read. */
  readonly full: boolean;
  /** Pull and plan, write nothing (the mirror changes are rolled back). */
  readonly dryRun: boolean;
  /** Lets this one run through the guards and the source-anomaly hold (`sync --allow-mass-deactivation`). */
  readonly allowMassDeactivation: boolean;
  readonly guards: GuardLimits;
  /** `DIRSYNC_MAX_SOURCE_DROP`: how much of the mirror's users or groups one full read may lose. */
  readonly maxSourceDrop: GuardLimit;
  /** A full read replaces an incremental one when the last full read is older than this; null: never. */
  readonly fullReadIntervalMs: number | null;
  readonly scope?: Scope;
  /** Aborted to stop the run after its current op (SIGTERM, or the connection's lease lost). */
  readonly signal?: AbortSignal;
  /** The run's id when the caller already named it (the lease is taken under it); default a new UUID. */
  readonly runId?: string;
}

/**
 * How a run ended. `read-failed`: the directory could not be read completely (nothing changed anywhere);
 * `held`: a guard stopped the plan; `stopped`: applying had to stop early (the rest stays pending).
 */
export type SyncStatus = 'succeeded' | 'partial' | 'held' | 'planned' | 'read-failed' | 'stopped';

export interface SyncOutcome {
  readonly runId: string;
  readonly status: SyncStatus;
  readonly full: boolean;
  readonly plan: Plan | null;
  readonly planned: PlanCounts | null;
  readonly applied: PlanCounts | null;
  /** The kind of every op applied, in order (for metrics). */
  readonly appliedKinds: readonly string[];
  readonly failed: readonly FailedOp[];
  readonly error: Error | null;
  readonly durationMs: number;
  /**
   * What the plan was made from (the mirror's directory, the app state before the run, the desired state), for
   * the CLI to name people and say why; null when the run ended before planning.
   */
  readonly basis: PlanBasis | null;
  /** Set when the run was held before writing anything because a full read lost too much (status `held`). */
  readonly anomaly?: SourceAnomaly;
}

export interface PlanBasis {
  readonly directory: Directory;
  readonly app: AppState;
  readonly desired: DesiredState;
}

class DryRunRollback extends Error {
  constructor(readonly directory: Directory) {
    super('dry run: mirror changes rolled back');
  }
}

/** One sync run: pull → mirror → plan → outbox → apply (see DESIGN "Data flow"). */
export async function runSync(request: SyncRequest, deps: SyncDeps): Promise<SyncOutcome> {
  const { db, clock, log } = deps;
  const progress = deps.progress ?? (() => undefined);
  const started = clock.now();
  const runId = request.runId ?? randomUUID();
  const runs = new RunRepository(db);
  const mirror = new MirrorRepository(db);
  const connection = await new ConnectionRepository(db).ensure(
    request.connectionId,
    deps.connector.idp,
    deps.connector.source,
    started.toISOString(),
  );
  const cursor = await mirror.getCursor(request.connectionId, DIRECTORY_CURSOR);
  let full =
    request.full ||
    cursor === null ||
    (request.fullReadIntervalMs !== null &&
      (connection.lastFullReadAt === null ||
        started.getTime() - Date.parse(connection.lastFullReadAt) >= request.fullReadIntervalMs));
  if (!request.dryRun) {
    const abandoned = await runs.closeAbandoned(request.connectionId, started.toISOString());
    if (abandoned > 0)
      log.warn({ connection: request.connectionId, abandoned }, 'closed runs left running by a dead process');
  }
  await runs.start({
    id: runId,
    connectionId: request.connectionId,
    trigger: request.trigger,
    mode: full ? 'full' : 'incremental',
    dryRun: request.dryRun,
    now: started.toISOString(),
  });
  const runLog = log.child({ run: runId, connection: request.connectionId });
  const finish = async (
    outcome: Omit<SyncOutcome, 'runId' | 'durationMs' | 'full' | 'appliedKinds' | 'basis' | 'anomaly'>,
    appliedKinds: readonly string[] = [],
    basis: PlanBasis | null = null,
    anomaly: SourceAnomaly | null = null,
  ): Promise<SyncOutcome> => {
    const end = clock.now();
    const result: SyncOutcome = {
      ...outcome,
      runId,
      full,
      appliedKinds,
      basis,
      durationMs: end.getTime() - started.getTime(),
      ...(anomaly === null ? {} : { anomaly }),
    };
    const runStatus = runStatusOf(outcome.status, request.signal);
    await runs.finish(
      runId,
      full ? 'full' : 'incremental',
      runStatus,
      {
        status: outcome.status,
        planned: outcome.planned,
        applied: outcome.applied,
        failed: outcome.failed.length,
        // Why it was held, for `status` and whoever reads the run later.
        ...(outcome.plan?.rejected ? { held: outcome.plan.rejected.trips } : {}),
        ...(anomaly === null ? {} : { anomaly: anomaly.drops }),
      },
      outcome.error?.message ?? null,
      end.toISOString(),
    );
    return result;
  };

  try {
    runLog.info(
      { mode: full ? 'full' : 'incremental', dryRun: request.dryRun, idp: deps.connector.idp },
      'run started',
    );
    let read;
    try {
      read = await readDirectory(
        deps.connector,
        { full, cursor: full ? null : cursor, ...(request.signal ? { signal: request.signal } : {}) },
        progress,
      );
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      runLog.error(
        { err: failure.message, kind: error instanceof ConnectorError ? error.kind : 'unknown' },
        'read failed',
      );
      return await finish({
        status: 'read-failed',
        plan: null,
        planned: null,
        applied: null,
        failed: [],
        error: failure,
      });
    }
    runLog.info({ pages: read.pages, objects: read.objects, full: read.result.full }, 'directory read');
    // The connector may read everything where changes were asked for (an expired delta token): report what it did.
    full = read.result.full;

    // Before anything is written: a full read that lost most of the directory is more likely a broken credential,
    // scope or IdP than people leaving, and writing it would move the mirror and the cursor past the evidence.
    if (read.result.full && !request.allowMassDeactivation) {
      const anomaly = checkSourceAnomaly(
        await mirror.counts(request.connectionId),
        { users: read.delta.users.size, groups: read.delta.groups.size },
        request.maxSourceDrop,
      );
      if (anomaly !== null) {
        const message = `source anomaly: ${explainSourceAnomaly(anomaly)}; nothing was written, the next run reads again`;
        runLog.warn({ drops: anomaly.drops }, 'read held as a source anomaly; nothing written');
        return await finish(
          { status: 'held', plan: null, planned: null, applied: null, failed: [], error: new Error(message) },
          [],
          null,
          anomaly,
        );
      }
    }

    const now = clock.now().toISOString();
    let directory: Directory;
    try {
      directory = await db.transaction().execute(async (trx) => {
        const trxMirror = new MirrorRepository(trx);
        await trxMirror.writeDelta(read.delta, { connectionId: request.connectionId, full: read.result.full, now });
        await trxMirror.putCursor(request.connectionId, DIRECTORY_CURSOR, read.result.cursor, now);
        if (read.result.full) await new ConnectionRepository(trx).markFullRead(request.connectionId, now);
        if (request.dryRun) throw new DryRunRollback(await trxMirror.loadDirectory(request.connectionId));
        return trxMirror.loadDirectory(request.connectionId);
      });
    } catch (error) {
      if (!(error instanceof DryRunRollback)) throw error;
      directory = error.directory;
    }

    const appState = await new AppStateRepository(db).load(request.connectionId);
    const desired = desiredStateOf(directory, request.scope ?? DEFAULT_SCOPE);
    const plan = planSync(desired, appState, {
      connectionId: request.connectionId,
      invites: deps.invites !== null,
      guards: request.guards,
      allowMassDeactivation: request.allowMassDeactivation,
    });
    const planned = countOps(plan.ops);
    const basis: PlanBasis = { directory, app: appState, desired };
    progress({ type: 'plan.done', ops: plan.ops.length });
    runLog.info({ ops: plan.ops.length, ...planned }, 'planned');

    if (request.dryRun) {
      return await finish({ status: 'planned', plan, planned, applied: null, failed: [], error: null }, [], basis);
    }
    if (plan.rejected !== null) {
      runLog.warn({ trips: plan.rejected.trips }, 'plan held by the guards; nothing applied');
      return await finish({ status: 'held', plan, planned, applied: null, failed: [], error: null }, [], basis);
    }

    const entries = await db
      .transaction()
      .execute((trx) => new OutboxRepository(trx).enqueuePlan(request.connectionId, runId, plan.ops, now));
    const result = await applyPlan(request.connectionId, entries, cloneAppState(appState), {
      db,
      target: deps.target,
      invites: deps.invites,
      clock,
      log: runLog,
      progress,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    const failed = await new OutboxRepository(db).failedInRun(runId);
    const applied = countOps(result.applied);
    runLog.info({ applied: result.applied.length, failed: result.failed, skipped: result.skipped }, 'run finished');
    const status: SyncStatus = result.stoppedBy !== null ? 'stopped' : result.failed > 0 ? 'partial' : 'succeeded';
    const stoppedBy =
      result.stoppedBy instanceof DatabaseError ? result.stoppedBy.during('during the run') : result.stoppedBy;
    return await finish(
      { status, plan, planned, applied, failed, error: stoppedBy },
      result.applied.map((op) => op.kind),
      basis,
    );
  } catch (error) {
    if (!(error instanceof DatabaseError)) throw error;
    throw await closeAfterDatabaseFault(error.during('during the run'), { runs, runId, full, clock, log: runLog });
  }
}

/**
 * A database fault ends the run where it struck (the transaction in flight rolled back, nothing more written), but
 * never leaves the run row saying `running` when it can be helped: when the database answers again already (a
 * dropped connection, a restarted server), the row is closed as failed with the reason. Otherwise the next run
 * closes it as abandoned once the lease lapses. Returns the fault, to be thrown: a failure to close never hides it.
 */
async function closeAfterDatabaseFault(
  fault: DatabaseError,
  context: { runs: RunRepository; runId: string; full: boolean; clock: Clock; log: Log },
): Promise<DatabaseError> {
  const { runs, runId, full, clock, log } = context;
  log.error({ err: fault.message, kind: fault.fault.kind }, 'database failure: the run stops');
  try {
    await runs.finish(runId, full ? 'full' : 'incremental', 'failed', null, fault.message, clock.now().toISOString());
  } catch (error) {
    log.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'could not close the run after the database failure; the next run closes it',
    );
  }
  return fault;
}

/**
 * A run stopped on purpose (SIGTERM, Ctrl-C) is `stopped`, not `failed`: nothing went wrong, and the next run
 * resumes the outbox. A lost lease also aborts the signal, with a reason: that is a failure.
 */
function runStatusOf(status: SyncStatus, signal: AbortSignal | undefined): RunStatus {
  switch (status) {
    case 'succeeded':
    case 'planned':
      return 'succeeded';
    case 'partial':
      return 'partial';
    case 'held':
      return 'held';
    case 'read-failed':
    case 'stopped':
      return signal?.aborted === true && !(signal.reason instanceof LeaseLostError) ? 'stopped' : 'failed';
  }
}
