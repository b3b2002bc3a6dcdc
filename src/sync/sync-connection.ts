import { randomUUID } from 'node:crypto';
import { ConnectorError, type ConnectorErrorKind } from '../../connectors/connector-error.js';
import {
  describeQuarantine,
  isQuarantined,
  nextQuarantineState,
  type QuarantineState,
  type RunFailureCause,
  type RunReport,
} from '../core/quarantine.js';
import { MailerError, type MailerErrorKind } from '../invites/mailer-error.js';
import type { Log } from '../logger.js';
import { ConnectionLeaseRepository, type LeaseHolder } from '../store/connection-lease-repository.js';
import { ConnectionRepository } from '../store/connection-repository.js';
import { DatabaseError } from '../store/database-error.js';
import { TargetError, type TargetErrorKind } from '../targets/target-error.js';
import { holdConnection } from './connection-hold.js';
import type { Plan } from '../core/planner/plan.js';
import { runSync, type PlanBasis, type SyncDeps, type SyncOutcome, type SyncRequest } from './run-sync.js';

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
  /**
   * The caller tries this trigger again when the run fails for a reason that may pass (a worker job with attempts
   * left): such a failure does not count toward the quarantine, the last attempt's does. Default false.
   */
  readonly retriedOnFailure?: boolean;
  /** See `SyncRequest.describePlan`: the plan in words before it is applied, and no basis in the outcome. */
  readonly describePlan?: (plan: Plan, basis: PlanBasis) => void;
}

/** The connection's quarantine before and after the run (the same when the run changed nothing, or a dry run). */
export interface QuarantineChange {
  readonly before: QuarantineState;
  readonly after: QuarantineState;
}

export type ConnectionRunResult =
  | { readonly kind: 'ran'; readonly outcome: SyncOutcome; readonly quarantine: QuarantineChange }
  | { readonly kind: 'busy'; readonly heldBy: LeaseHolder };

/**
 * One run per connection at a time, whoever starts it: the run takes the connection's lease (a row in the
 * database, compare-and-set with an expiry on the database's clock) before it reads, keeps renewing it, and
 * stops after its current op if the lease is lost. A dry run (`plan`) writes nothing the lease protects and runs
 * without it.
 *
 * Every run that is not a dry run, CLI or worker, then counts toward the connection's quarantine (see
 * `core/quarantine.ts`). A run of a quarantined connection is never refused here: the worker skips its scheduled
 * runs itself, and a run someone asked for (`sync`, `resync`) goes ahead, saying first that it is quarantined.
 */
export async function syncConnection(
  request: ConnectionRunRequest & Omit<SyncRequest, keyof ConnectionRunRequest | 'runId'> & { leaseMs: number },
  deps: Omit<SyncDeps, 'progress'>,
): Promise<ConnectionRunResult> {
  const { owner, leaseMs, progress, onStart, retriedOnFailure = false, ...syncRequest } = request;
  const runDeps: SyncDeps = progress === undefined ? deps : { ...deps, progress };
  const connections = new ConnectionRepository(deps.db);
  const log = deps.log.child({ connection: request.connectionId });
  if (request.dryRun) {
    await onStart?.();
    const before = await quarantineBefore(connections, request, deps.clock.now(), log);
    return { kind: 'ran', outcome: await runSync(syncRequest, runDeps), quarantine: { before, after: before } };
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
    const before = await quarantineBefore(connections, request, deps.clock.now(), log);
    const signal = request.signal === undefined ? hold.lost : AbortSignal.any([request.signal, hold.lost]);
    let outcome: SyncOutcome;
    try {
      outcome = await runSync({ ...syncRequest, runId, signal }, runDeps);
    } catch (error) {
      // A run that threw still counts (a bug that fails every run is a connection that keeps failing), unless it
      // was dirsync's own database: then the bookkeeping could not be written anyway.
      if (!(error instanceof DatabaseError)) {
        await recordRun(connections, request.connectionId, thrownReport(error, signal, retriedOnFailure), deps, log);
      }
      throw error;
    }
    const report = reportOf(outcome, signal, retriedOnFailure);
    const after = await recordRun(connections, request.connectionId, report, deps, log);
    return { kind: 'ran', outcome, quarantine: { before, after: after ?? before } };
  } finally {
    await hold.release();
  }
}

/** Reads the state before the run and says so when the connection is quarantined: someone asked for this run. */
async function quarantineBefore(
  connections: ConnectionRepository,
  request: { readonly connectionId: string; readonly trigger: string; readonly dryRun: boolean },
  now: Date,
  log: Log,
): Promise<QuarantineState> {
  const state = await connections.quarantine(request.connectionId);
  if (isQuarantined(state, now)) {
    log.warn(
      { until: state.until?.toISOString(), level: state.level, reason: state.reason, trigger: request.trigger },
      `connection ${request.connectionId} is ${describeQuarantine(state, now) ?? 'quarantined'}; this ` +
        `${request.dryRun ? 'plan' : 'run'} goes ahead because it was asked for (${request.trigger})` +
        (request.dryRun ? '' : ', and lifts the quarantine if it succeeds'),
    );
  }
  return state;
}

/**
 * Records the run in the connection's quarantine bookkeeping and logs a change. Never fails the run: when the
 * database refuses the write, the run's own outcome still stands and the next run counts again.
 */
async function recordRun(
  connections: ConnectionRepository,
  connectionId: string,
  report: RunReport,
  deps: Pick<SyncDeps, 'clock'>,
  log: Log,
): Promise<QuarantineState | undefined> {
  const now = deps.clock.now();
  let change;
  try {
    change = await connections.updateQuarantine(
      connectionId,
      (state) => nextQuarantineState(state, report, now),
      now.toISOString(),
    );
  } catch (error) {
    log.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'could not record the run for the quarantine; the next run counts again',
    );
    return undefined;
  }
  if (change === undefined) return undefined;
  const { before, after } = change;
  if (after.until !== null && after.until.getTime() !== before.until?.getTime()) {
    log.warn(
      { until: after.until.toISOString(), level: after.level, failingRuns: after.failingRuns, reason: after.reason },
      `connection ${connectionId} is ${describeQuarantine(after, now) ?? 'quarantined'}: its scheduled runs are ` +
        `skipped until then; \`dirsync resume -c ${connectionId}\` lifts it once the cause is fixed`,
    );
  } else if (before.level > 0 && after.level === 0) {
    log.info({ level: before.level }, `connection ${connectionId}: a successful run lifted the quarantine`);
  }
  return after;
}

/** The run as the quarantine sees it (see `core/quarantine.ts` for what counts). */
function reportOf(outcome: SyncOutcome, signal: AbortSignal, retried: boolean): RunReport {
  switch (outcome.status) {
    case 'succeeded':
    case 'partial':
      return {
        kind: 'applied',
        attempted: outcome.appliedKinds.length + outcome.failed.length,
        failed: outcome.failed.length,
      };
    case 'held':
    case 'planned':
      return { kind: 'held' };
    case 'read-failed':
    case 'stopped':
      return thrownReport(outcome.error, signal, retried);
  }
}

function thrownReport(error: unknown, signal: AbortSignal, retried: boolean): RunReport {
  if (signal.aborted) return { kind: 'interrupted', why: 'stopped (shutdown, or the lease was lost)' };
  if (error instanceof DatabaseError) return { kind: 'interrupted', why: "dirsync's own database failed" };
  return {
    kind: 'failed',
    cause: causeOf(error),
    message: error instanceof Error ? error.message : String(error),
    retried,
  };
}

const CONNECTOR_CAUSES: Readonly<Record<ConnectorErrorKind, RunFailureCause>> = {
  auth: 'credentials',
  config: 'configuration',
  rate_limited: 'unavailable',
  unavailable: 'unavailable',
  cursor_expired: 'unavailable',
  bad_response: 'bad-response',
};

const TARGET_CAUSES: Readonly<Record<TargetErrorKind, RunFailureCause>> = {
  auth: 'credentials',
  config: 'configuration',
  unavailable: 'unavailable',
  bad_response: 'bad-response',
  // These fail one op, not the run; listed for completeness.
  rejected: 'unknown',
  not_found: 'unknown',
  unsupported: 'unknown',
};

const MAILER_CAUSES: Readonly<Record<MailerErrorKind, RunFailureCause>> = {
  auth: 'credentials',
  config: 'configuration',
  unavailable: 'unavailable',
  rejected: 'unknown',
};

function causeOf(error: unknown): RunFailureCause {
  if (error instanceof ConnectorError) return CONNECTOR_CAUSES[error.kind];
  if (error instanceof TargetError) return TARGET_CAUSES[error.kind];
  if (error instanceof MailerError) return MAILER_CAUSES[error.kind];
  return 'unknown';
}
