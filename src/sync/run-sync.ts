import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DirectoryConnector } from '../../connectors/directory-connector.js';
import { ConnectorError } from '../../connectors/connector-error.js';
import { canonicalEncoding } from '../core/canonical-encoding.js';
import { desiredStateOf } from '../core/desired-state.js';
import { seenCounts, type DirectoryDelta } from '../core/directory-delta.js';
import type { AppState } from '../core/model/app-state.js';
import type { DesiredState } from '../core/model/desired-state.js';
import type { Directory } from '../core/model/directory.js';
import { nestingEdgeText } from '../core/nesting-cycle-lines.js';
import type { IsolatedObject } from '../core/model/isolated-object.js';
import { cloneAppState } from '../core/planner/apply-op.js';
import type { GuardLimit, GuardLimits } from '../core/planner/guards.js';
import { countOps, type Plan, type PlanCounts } from '../core/planner/plan.js';
import { planSync } from '../core/planner/plan-sync.js';
import { DEFAULT_MAX_OP_ATTEMPTS } from '../core/op-retry-policy.js';
import { DEFAULT_POLICY, type Policy } from '../core/policy/policy.js';
import { checkSourceAnomaly, explainSourceAnomaly, type SourceAnomaly } from '../core/source-anomaly.js';
import type { Clock } from '../clock.js';
import type { Log } from '../logger.js';
import { AppStateRepository } from '../store/app-state-repository.js';
import { ConnectionRepository } from '../store/connection-repository.js';
import type { Database, RunStatus } from '../store/database.js';
import { DatabaseError } from '../store/database-error.js';
import { LeaseLostError } from './connection-hold.js';
import { PlanApprovals } from './plan-approvals.js';
import { identityHolds } from '../core/planner/identity-holds.js';
import { isDestructive } from '../core/planner/destructive-atoms.js';
import type { HeldPlan } from '../store/held-plan-repository.js';
import { anomalyHoldReasons, guardHoldReasons } from '../core/planner/hold-reason.js';
import { MirrorRepository } from '../store/mirror-repository.js';
import { NoopBasisRepository } from '../store/noop-basis-repository.js';
import { asRunWriter } from '../store/run-writer.js';
import { IsolatedObjectRepository } from '../store/isolated-object-repository.js';
import { loadOpsAttention, type OpsAttention } from '../store/ops-attention.js';
import { OutboxRepository, type FailedOp } from '../store/outbox-repository.js';
import { InviteRepository } from '../store/invite-repository.js';
import { RunRepository, type RunTrigger } from '../store/run-repository.js';
import type { Target } from '../targets/target.js';
import { applyPlan, type InviteSender } from './apply-plan.js';
import { leavesNothingToDo } from './leaves-nothing-to-do.js';
import { readDirectory, type DirectoryRead } from './read-directory.js';
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
  /** `DIRSYNC_MAX_OP_ATTEMPTS`: the failure that parks an op; default `DEFAULT_MAX_OP_ATTEMPTS` (5). */
  readonly maxOpAttempts?: number;
  /** The connection's policy (DESIGN "Policy"); default `DEFAULT_POLICY`. */
  readonly policy?: Policy;
  /** `INVITE_ON_FIRST_SYNC=false`: the connection's first run invites nobody (people stay not-invited). */
  readonly quietFirstSync?: boolean;
  /** `INVITE_REMIND_AFTER` / `INVITE_MAX_REMINDERS`: reminders this run makes due; absent: none. */
  readonly reminders?: { readonly afterMs: number; readonly max: number };
  /** `INVITE_MAX_PER_MINUTE`: mails per minute for this connection; absent: no limit. */
  readonly maxInvitesPerMinute?: number;
  /** `DIRSYNC_APPLY_CONCURRENCY`: writes to the app in flight at once; default 1. */
  readonly applyConcurrency?: number;
  /** Aborted to stop the run after its current op (SIGTERM, or the connection's lease lost). */
  readonly signal?: AbortSignal;
  /** The run's id when the caller already named it (the lease is taken under it); default a new UUID. */
  readonly runId?: string;
  /**
   * For a caller that reads the plan's basis only to put the plan in words: called once with the plan and its basis
   * when the run has planned, before anything is applied. The outcome then carries no basis, and the run lets it go
   * before applying (the directory and the desired state are, after the ops, the largest thing a run holds).
   * Absent: the outcome carries the basis.
   */
  readonly describePlan?: (plan: Plan, basis: PlanBasis) => void;
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
  /** The IdP objects this run's read isolated (DESIGN "Safety"): not synced, kept as the mirror last knew them. */
  readonly isolated: readonly IsolatedObject[];
  /** What needs a person or waits in the connection's outbox after the run (held, parked, failed, unsupported). */
  readonly attention?: OpsAttention;
  readonly error: Error | null;
  readonly durationMs: number;
  /**
   * What the plan was made from (the mirror's directory, the app state before the run, the desired state), for
   * the CLI to name people and say why; null when the run ended before planning.
   */
  readonly basis: PlanBasis | null;
  /** Set when the run was held before writing anything because a full read lost too much (status `held`). */
  readonly anomaly?: SourceAnomaly;
  /** The stored held plan (`dirsync plan show <id>`, `approve <id>`) when the run was held; not for dry runs. */
  readonly heldPlanId?: string;
  /** The operator's approval this run went through a guard or a source anomaly with (`dirsync approve`). */
  readonly approvedPlanId?: string;
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
  const runId = request.runId ?? randomUUID();
  // Everything the run writes is marked as its own, so that its end can tell its writes from everyone else's.
  return asRunWriter(runId, () => syncRun({ ...request, runId }, deps));
}

async function syncRun(request: SyncRequest & { readonly runId: string }, deps: SyncDeps): Promise<SyncOutcome> {
  const { db, clock, log } = deps;
  const progress = deps.progress ?? (() => undefined);
  const started = clock.now();
  const runId = request.runId;
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
  const noopBases = new NoopBasisRepository(db);
  const basisDigest = noopBasisDigest(request, deps);
  // Only a real run of changes may skip planning: a full read, a resync --full and a dry run always plan.
  const storedBasis = request.dryRun || full ? undefined : await noopBases.load(request.connectionId);
  const approvals = new PlanApprovals(db, request.connectionId);
  let heldPlanId: string | null = null;
  let isolated: readonly IsolatedObject[] = [];
  const approvedPlanIds: string[] = [];
  const finish = async (
    outcome: Omit<
      SyncOutcome,
      | 'runId'
      | 'durationMs'
      | 'full'
      | 'appliedKinds'
      | 'basis'
      | 'anomaly'
      | 'heldPlanId'
      | 'approvedPlanId'
      | 'isolated'
    >,
    appliedKinds: readonly string[] = [],
    basis: PlanBasis | null = null,
    anomaly: SourceAnomaly | null = null,
    planSkipped = false,
  ): Promise<SyncOutcome> => {
    const plans = {
      ...(heldPlanId === null ? {} : { heldPlanId }),
      ...(approvedPlanIds.length === 0 ? {} : { approvedPlanId: approvedPlanIds.join(', ') }),
    };
    const end = clock.now();
    const result: SyncOutcome = {
      ...outcome,
      runId,
      full,
      appliedKinds,
      basis,
      isolated,
      durationMs: end.getTime() - started.getTime(),
      ...(anomaly === null ? {} : { anomaly }),
      ...plans,
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
        // Named by IdP id for `status` and whoever reads the run later; the reasons never hold the values.
        isolated: { count: isolated.length, objects: isolated.slice(0, 50) },
        // Why it was held, for `status` and whoever reads the run later.
        ...(outcome.plan?.rejected ? { held: outcome.plan.rejected.trips } : {}),
        ...(anomaly === null ? {} : { anomaly: anomaly.drops }),
        ...plans,
        // The read brought no change and nothing else did since the last run: planning was skipped.
        ...(planSkipped ? { planSkipped: true } : {}),
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
    let read: DirectoryRead | undefined;
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
    let anomalyApproval: HeldPlan | undefined;
    if (read.result.full && !request.allowMassDeactivation) {
      const anomaly = checkSourceAnomaly(
        await mirror.counts(request.connectionId),
        seenCounts(read.delta),
        request.maxSourceDrop,
      );
      anomalyApproval = anomaly === null ? undefined : await approvals.approvedAnomaly();
      if (anomalyApproval !== undefined) {
        approvedPlanIds.push(anomalyApproval.id);
        runLog.warn({ plan: anomalyApproval.id }, 'source anomaly approved by an operator: the read goes through');
      } else if (anomaly !== null) {
        if (!request.dryRun) {
          heldPlanId = (await approvals.hold(runId, anomalyHoldReasons(anomaly), [], clock.now().toISOString())).id;
        }
        const message = `source anomaly: ${explainSourceAnomaly(anomaly)}; nothing was written, the next run reads again`;
        runLog.warn({ drops: anomaly.drops, plan: heldPlanId }, 'read held as a source anomaly; nothing written');
        return await finish(
          { status: 'held', plan: null, planned: null, applied: null, failed: [], error: new Error(message) },
          [],
          null,
          anomaly,
        );
      }
    }

    if (
      storedBasis !== undefined &&
      storedBasis.basis === basisDigest &&
      !read.result.full &&
      read.isolated.length === 0 &&
      isEmptyDelta(read.delta)
    ) {
      const attention = await unchangedSince(storedBasis.revision, request, deps, noopBases);
      if (attention !== undefined) {
        await mirrorRead(db, read, {
          connectionId: request.connectionId,
          runId,
          now: clock.now().toISOString(),
          dryRun: false,
          log: runLog,
        });
        progress({ type: 'plan.done', ops: 0 });
        runLog.info('no change read and nothing changed since the last run: planning skipped');
        const none = countOps([]);
        return await finish(
          { status: 'succeeded', plan: NO_OPS, planned: none, applied: none, failed: [], error: null, attention },
          [],
          null,
          null,
          true,
        );
      }
    }
    // This run plans: whatever basis was stored no longer holds once the mirror moves (and a run that fails half-way
    // must not leave one behind). One that leaves nothing to do stores it again at the end. Others' writes are
    // counted from here, before the mirror, the app state and the outbox are read: what they wrote before is in
    // the plan, and what they write after keeps the basis from being stored.
    if (!request.dryRun) await noopBases.clear(request.connectionId);
    const othersBefore = request.dryRun ? null : await noopBases.writesByOthers(request.connectionId);

    const now = clock.now().toISOString();
    isolated = read.isolated;
    for (const object of isolated) {
      const { kind, id, field, reason } = object;
      runLog.warn({ kind, id, field, reason }, 'isolated: not synced, kept as the mirror last knew it');
    }
    // A dry run's directory is what the mirror would have held (its writes are rolled back).
    let directory: Directory | null = await mirrorRead(db, read, {
      connectionId: request.connectionId,
      runId,
      now,
      dryRun: request.dryRun,
      log: runLog,
    });
    // The read's pages are in the mirror now: let them go before the directory is loaded from it (at 20 000 users
    // they held as much memory as the directory itself). The run holds the connection: nobody else writes its mirror.
    read = undefined;
    directory ??= await mirror.loadDirectory(request.connectionId);
    // The approved read is in the mirror: the approval is spent (the guards still judge the plan that follows).
    if (anomalyApproval !== undefined && !request.dryRun) await approvals.consume(anomalyApproval, runId, now);

    if (request.reminders !== undefined && deps.invites !== null && !request.dryRun) {
      const { afterMs, max } = request.reminders;
      const reminded = await new InviteRepository(db, request.connectionId).queueReminders(clock.now(), afterMs, max);
      if (reminded > 0) runLog.info({ reminders: reminded }, 'invite reminders due');
    }
    // A quiet first sync (`INVITE_ON_FIRST_SYNC=false`) creates people without invites, until the announcement.
    const quiet = request.quietFirstSync === true && !(await runs.hasServed(request.connectionId));
    if (quiet && deps.invites !== null)
      runLog.info('first sync of this connection: nobody is invited (INVITE_ON_FIRST_SYNC=false)');
    // Held by `basis` alone from here on, so that a caller that describes the plan before it is applied lets it go.
    let basis: PlanBasis | null = planBasisOf(
      directory,
      await new AppStateRepository(db).load(request.connectionId),
      request.policy ?? DEFAULT_POLICY,
      runLog,
    );
    directory = null;
    const computed = planSync(basis.desired, basis.app, {
      connectionId: request.connectionId,
      invites: deps.invites !== null && !quiet,
      guards: request.guards,
      allowMassDeactivation: request.allowMassDeactivation,
    });
    // An operator's approval lets the plan through the guards when its destructive part is the approved one or
    // less; otherwise it is held again (under a new id when what it would destroy changed).
    const guardApproval = computed.rejected === null ? undefined : await approvals.approvalCovering(computed.ops);
    if (guardApproval !== undefined) {
      approvedPlanIds.push(guardApproval.id);
      runLog.warn({ plan: guardApproval.id, trips: computed.rejected?.trips }, 'guards passed by an approved plan');
    }
    const plan: Plan = guardApproval === undefined ? computed : { ...computed, rejected: null };
    const planned = countOps(plan.ops);
    progress({ type: 'plan.done', ops: plan.ops.length });
    runLog.info({ ops: plan.ops.length, ...planned }, 'planned');
    request.describePlan?.(plan, basis);
    const outcomeBasis = request.describePlan === undefined ? basis : null;

    if (request.dryRun) {
      return await finish(
        { status: 'planned', plan, planned, applied: null, failed: [], error: null },
        [],
        outcomeBasis,
      );
    }
    let toApply = plan.ops;
    if (plan.rejected !== null) {
      heldPlanId = (await approvals.hold(runId, guardHoldReasons(plan.rejected), plan.ops, now)).id;
      // DESIGN: a held plan applies nothing destructive. What it builds (new hires, updates, reactivations, groups,
      // member adds, invites) goes ahead: a plan waiting days for an operator must not keep new people out.
      toApply = plan.ops.filter((op) => !isDestructive(op));
      runLog.warn(
        { trips: plan.rejected.trips, plan: heldPlanId, constructive: toApply.length },
        'plan held by the guards: its destructive part waits for an operator',
      );
    } else {
      // The plan goes through: holds it made obsolete close, an approval it used is consumed below once the run
      // has applied it (a run that dies half-way leaves the approval for the next run to finish).
      await approvals.closeObsolete(now, guardApproval?.id ?? null);
    }

    // Held, waiting and parked ops stay out of this run (see `enqueueDecision`); the rest is attempted.
    // Creates that look like someone else's account (a recycled or confusable login) wait for a person.
    const holds = identityHolds(toApply, basis.desired, basis.app);
    const nestingCycles = basis.desired.nestingCycles !== undefined;
    // The apply works on its own copy of the app state: nothing after this needs the basis, which goes before the
    // outbox entries are made (with the plan's ops, the run's largest moment: at 20 000 users the basis was 15 MB of
    // the 80 MB then live).
    const appState = cloneAppState(basis.app);
    basis = null;
    const enqueued = await db
      .transaction()
      .execute((trx) => new OutboxRepository(trx).enqueuePlan(request.connectionId, runId, toApply, now, { holds }));
    const applying = applyPlan(request.connectionId, enqueued.entries, appState, {
      db,
      target: deps.target,
      invites: deps.invites,
      clock,
      log: runLog,
      progress,
      maxOpAttempts: request.maxOpAttempts ?? DEFAULT_MAX_OP_ATTEMPTS,
      ...(request.maxInvitesPerMinute === undefined ? {} : { maxInvitesPerMinute: request.maxInvitesPerMinute }),
      ...(request.applyConcurrency === undefined ? {} : { concurrency: request.applyConcurrency }),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    const result = await applying;
    const failed = await new OutboxRepository(db).failedInRun(runId);
    const attention = await loadOpsAttention(db, request.connectionId);
    const applied = countOps(result.applied);
    runLog.info(
      {
        applied: result.applied.length,
        failed: result.failed,
        parked: result.parked,
        held: result.held,
        unsupported: result.unsupported.length,
        notApplied: enqueued.notApplied.length,
        skipped: result.skipped,
      },
      'run finished',
    );
    // Failed, waiting, parked and held ops make the run partial (exit 1) until a person or a later run settles
    // them; unsupported ops are work for a person that no run can settle, so they alone do not.
    const unsettled = attention.counts.failed + attention.counts.parked + attention.counts.held;
    const status: SyncStatus =
      result.stoppedBy !== null
        ? 'stopped'
        : plan.rejected !== null
          ? 'held'
          : result.failed > 0 || unsettled > 0
            ? 'partial'
            : 'succeeded';
    const stoppedBy =
      result.stoppedBy instanceof DatabaseError ? result.stoppedBy.during('during the run') : result.stoppedBy;
    if (guardApproval !== undefined && result.stoppedBy === null) {
      await approvals.consume(guardApproval, runId, clock.now().toISOString());
    }
    // A run that applied all it planned and left nothing waiting is what the next run of no change may stand for:
    // planning again on what it left gives an empty plan (the planner's law). Only when nobody else wrote to the
    // connection's state meanwhile, though: the run knows the effect of its own writes, not of an operator's
    // `invites resend`, `retry` or `approve`, nor of a row changed at a SQL prompt (see storeUnlessOthersWrote).
    // After it, the state revision tells whether anything was written since, by anyone.
    if (
      status === 'succeeded' &&
      othersBefore !== null &&
      // A quiet first sync plans without invites; the runs after it do not, so it stands for none of them.
      !quiet &&
      heldPlanId === null &&
      approvedPlanIds.length === 0 &&
      isolated.length === 0 &&
      !nestingCycles &&
      // Every op planned was enqueued and applied: none failed, parked, held, skipped or unsupported.
      enqueued.notApplied.length === 0 &&
      result.applied.length === enqueued.entries.length &&
      result.applied.length === plan.ops.length &&
      (await leavesNothingToDo(
        db,
        request.connectionId,
        deps.invites === null ? null : { now: clock.now(), reminders: request.reminders ?? null },
      ))
    ) {
      const stored = await noopBases.storeUnlessOthersWrote(request.connectionId, runId, basisDigest, othersBefore);
      if (!stored) {
        runLog.info(
          'another writer (a CLI command, a SQL prompt, a run that took the lease) changed the state during the ' +
            'run: the next run plans',
        );
      }
    }
    return await finish(
      { status, plan, planned, applied, failed, error: stoppedBy, attention },
      result.applied.map((op) => op.kind),
      outcomeBasis,
    );
  } catch (error) {
    if (!(error instanceof DatabaseError)) throw error;
    throw await closeAfterDatabaseFault(error.during('during the run'), { runs, runId, full, clock, log: runLog });
  }
}

/** What the plan is made from: the directory, the app state and the desired state; warns of nesting cycles. */
function planBasisOf(directory: Directory, app: AppState, policy: Policy, log: Log): PlanBasis {
  const desired = desiredStateOf(directory, policy);
  if (desired.nestingCycles !== undefined) {
    // Flattening still works (every group of a cycle holds the people of all of them); the IdP is wrong, though.
    const cycles = desired.nestingCycles.map((edge) => nestingEdgeText(directory, edge));
    log.warn(
      { nestingCycles: desired.nestingCycles },
      `groups nested in a cycle (remove one nesting of each in the IdP): ${cycles.join('; ')}`,
    );
  }
  return { directory, app, desired };
}

/**
 * Writes a complete read to the mirror with its cursor, in one transaction. A dry run rolls the writes back and
 * returns the directory the mirror would have had; otherwise null (the caller loads the directory once it has let
 * the read go).
 */
async function mirrorRead(
  db: Kysely<Database>,
  read: DirectoryRead,
  context: { connectionId: string; runId: string; now: string; dryRun: boolean; log: Log },
): Promise<Directory | null> {
  const { connectionId, runId, now } = context;
  try {
    return await db.transaction().execute(async (trx) => {
      const trxMirror = new MirrorRepository(trx);
      const stillIsolated = await new IsolatedObjectRepository(trx).recordRead(connectionId, read.delta, {
        runId,
        full: read.result.full,
        now,
      });
      await trxMirror.writeDelta(read.delta, { connectionId, full: read.result.full, now, stillIsolated });
      // Objects a read of changes only found clean again had their memberships frozen while isolated, and such a
      // read does not list those again: no cursor, so the next read is full and brings them up to date.
      const released = !read.result.full && stillIsolated.released > 0;
      if (released)
        context.log.info(
          { released: stillIsolated.released },
          'isolated objects read clean again: the next read is full',
        );
      await trxMirror.putCursor(connectionId, DIRECTORY_CURSOR, released ? null : read.result.cursor, now);
      if (read.result.full) await new ConnectionRepository(trx).markFullRead(connectionId, now);
      if (context.dryRun) throw new DryRunRollback(await trxMirror.loadDirectory(connectionId));
      return null;
    });
  } catch (error) {
    if (!(error instanceof DryRunRollback)) throw error;
    return error.directory;
  }
}

const NO_OPS: Plan = { ops: [], rejected: null };

/** Bump when the planner would plan differently from the same mirror, app state and settings. */
const NOOP_BASIS_VERSION = 1;

/**
 * A digest of everything in the request that shapes the plan or the run's work besides the mirror and the stored
 * state (those are covered by the read and the state revision): the policy, invites on or off and their lifecycle,
 * the guards and limits, and who the IdP is. Canonically encoded, so the same settings loaded again match.
 */
function noopBasisDigest(request: SyncRequest, deps: SyncDeps): string {
  const settings = {
    version: NOOP_BASIS_VERSION,
    idp: deps.connector.idp,
    source: deps.connector.source,
    policy: request.policy ?? DEFAULT_POLICY,
    invites: deps.invites !== null,
    quietFirstSync: request.quietFirstSync ?? false,
    reminders: request.reminders ?? null,
    maxInvitesPerMinute: request.maxInvitesPerMinute ?? null,
    guards: request.guards,
    maxSourceDrop: request.maxSourceDrop,
    allowMassDeactivation: request.allowMassDeactivation,
    maxOpAttempts: request.maxOpAttempts ?? DEFAULT_MAX_OP_ATTEMPTS,
  };
  return createHash('sha256').update(canonicalEncoding(settings)).digest('hex');
}

function isEmptyDelta(delta: DirectoryDelta): boolean {
  return (
    delta.users.size === 0 &&
    delta.deletedUsers.size === 0 &&
    delta.isolatedUsers.size === 0 &&
    delta.groups.size === 0 &&
    delta.deletedGroups.size === 0 &&
    delta.isolatedGroups.size === 0 &&
    delta.replacedMembers.size === 0 &&
    delta.addedMembers.size === 0 &&
    delta.removedMembers.size === 0 &&
    delta.unidentified.length === 0
  );
}

/**
 * The outbox's attention when nothing was written to the connection's state since the basis was stored, no op
 * waits, fails or is held, and no invite work came due with time; undefined when the run must plan.
 */
async function unchangedSince(
  revision: number,
  request: SyncRequest,
  deps: SyncDeps,
  noopBases: NoopBasisRepository,
): Promise<OpsAttention | undefined> {
  if ((await noopBases.stateRevision(request.connectionId)) !== revision) return undefined;
  if (deps.invites !== null) {
    const invites = new InviteRepository(deps.db, request.connectionId);
    if (await invites.workDue(deps.clock.now(), request.reminders ?? null)) return undefined;
  }
  const attention = await loadOpsAttention(deps.db, request.connectionId);
  const { held, parked, failed } = attention.counts;
  return held + parked + failed === 0 ? attention : undefined;
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
