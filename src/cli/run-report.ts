import {
  keptSubjectNames,
  opTitle,
  subjectOfOp,
  type ExplainContext,
  type OpExplanation,
} from '../core/planner/explain-op.js';
import { explainPlan, explainRejection } from '../core/planner/explain-plan.js';
import { GUARD_VARIABLES } from '../core/planner/guards.js';
import { isolatedObjectLines } from '../core/isolated-object-lines.js';
import { nestingCycleLines } from '../core/nesting-cycle-lines.js';
import type { IsolatedObject } from '../core/model/isolated-object.js';
import { explainSourceAnomaly, SOURCE_DROP_VARIABLE, type SourceAnomaly } from '../core/source-anomaly.js';
import type { Op } from '../core/planner/op.js';
import type { Plan } from '../core/planner/plan.js';
import type { PlanBasis, SyncOutcome } from '../sync/run-sync.js';
import { opAttentionLines } from './op-attention-lines.js';
import { formatPlan, planJson, type PlanJson } from './plan-report.js';
import { formatSummaryTable, summaryCountsOf } from './summary-table.js';

export interface RunReportOptions {
  readonly connectionId: string;
  /** The IdP without secrets (`https://acme.okta.com`). */
  readonly source: string;
  /** `Okta`, `Entra ID`, `the sandbox directory`: how reasons name the IdP. */
  readonly idpName: string;
  readonly dryRun: boolean;
  /** List the ops (plan, --dry-run). */
  readonly showPlan: boolean;
}

/**
 * What a report that does not list the plan reads of the plan's basis, taken from it before the run applies the plan
 * (`SyncRequest.describePlan`), so that the run need not hold the basis meanwhile.
 */
export interface PlanWords {
  /** Any op of the plan in words, without the why (`create ana@acme.com (Ana Lopez)`), named as the basis named it. */
  readonly titleOf: (op: Op) => string;
  /** The nesting cycles the directory holds, in words (none: empty). */
  readonly nestingCycleLines: readonly string[];
}

/**
 * The words a report without the plan listed needs of `plan` and its basis. The subjects' names are kept, not a
 * title per op: the report names only the few ops that failed or wait, and at 100 000 users the titles of every op
 * were tens of megabytes held through the whole apply.
 */
export function planWordsOf(plan: Plan, basis: PlanBasis, idpName: string): PlanWords {
  const names = keptSubjectNames(plan.ops, { idpName, ...basis });
  return {
    titleOf: (op) => opTitle(op, subjectOfOp(op, names)),
    nestingCycleLines: nestingCycleLines(basis.directory, basis.desired.nestingCycles),
  };
}

/**
 * What `dirsync sync` and `dirsync plan` print on stdout: a head line, the plan, the summary, what to do next.
 * `words`: what the report reads of a plan whose basis the outcome does not carry (`showPlan` false).
 */
export function formatRunReport(outcome: SyncOutcome, options: RunReportOptions, words?: PlanWords): string {
  const seconds = (outcome.durationMs / 1000).toFixed(1);
  const head = `dirsync ${options.dryRun ? 'plan' : 'sync'} — connection ${options.connectionId}, ${options.source}, ${outcome.full ? 'full read' : 'changes only'}, ${seconds} s (run ${outcome.runId})`;
  if (outcome.status === 'read-failed') {
    return `${head}\nerror: reading the directory failed, nothing was changed: ${outcome.error?.message ?? ''}\n`;
  }
  if (outcome.anomaly !== undefined) {
    return `${[head, ...anomalyLines(outcome.anomaly, options.dryRun, outcome.heldPlanId)].join('\n')}\n`;
  }
  const lines = [head];
  const plan = outcome.plan;
  // Without the plan listed, only the ops named below need words: explaining every op of a 100 000-user first sync
  // just to label its failures made the run's peak memory.
  const labelled = options.showPlan ? undefined : labelledKeys(outcome);
  const explanations = explain(outcome, options, labelled);
  const titles =
    outcome.basis === null && words !== undefined
      ? new Map(
          (plan?.ops ?? [])
            .filter((op) => labelled?.has(op.key) ?? true)
            .map((op) => [op.key, words.titleOf(op)] as const),
        )
      : new Map(explanations.map((explanation) => [explanation.key, explanation.title]));
  if (options.showPlan && plan !== null) lines.push(formatPlan(explanations));
  if (plan !== null) {
    lines.push(
      formatSummaryTable(
        summaryCountsOf(
          plan.ops,
          outcome.applied,
          outcome.failed.map((failure) => failure.key),
        ),
        outcome.failed.map((failure) => ({
          key: failure.key,
          error: failure.error,
          ...(titles.has(failure.key) ? { label: titles.get(failure.key) ?? failure.key } : {}),
        })),
      ),
    );
  }
  const rejected = plan?.rejected ?? null;
  if (outcome.approvedPlanId !== undefined) {
    lines.push(`approved: plan ${outcome.approvedPlanId}, approved by an operator, let this run through.`);
  }
  if (rejected !== null) {
    const raise = [...new Set(rejected.trips.map((trip) => GUARD_VARIABLES[trip.guard]))].join(', ');
    lines.push(
      `held${outcome.heldPlanId === undefined ? '' : ` as plan ${outcome.heldPlanId}`}: the guards stopped this plan's ` +
        `deactivations, deletes and member removals${options.dryRun ? '' : ' (nothing destructive was applied; the rest was)'}. This plan`,
      ...explainRejection(rejected).map((reason) => `  - ${reason}`),
      options.dryRun
        ? 'A sync would be held the same way.'
        : outcome.heldPlanId === undefined
          ? `If these changes are intended, run \`dirsync sync --allow-mass-deactivation\` to apply this one run, or raise ${raise}.`
          : howToGoOn(outcome.heldPlanId, raise),
    );
  }
  if (outcome.attention !== undefined) {
    lines.push(
      ...opAttentionLines(outcome.attention, {
        labels: titles,
        failedThisRun: new Set(outcome.failed.map((failure) => failure.key)),
      }),
    );
  }
  lines.push(...isolatedObjectLines(outcome.isolated, outcome.full));
  if (outcome.basis !== null)
    lines.push(...nestingCycleLines(outcome.basis.directory, outcome.basis.desired.nestingCycles));
  else if (words !== undefined) lines.push(...words.nestingCycleLines);
  switch (outcome.status) {
    case 'stopped':
      lines.push(
        `stopped: applying stopped early, the remaining ops stay pending for the next run: ${outcome.error?.message ?? ''}`,
      );
      break;
    case 'partial':
      // Held, parked and waiting ops are listed above; this says what becomes of this run's other failures.
      if (outcome.failed.some((failure) => !failure.parked)) {
        lines.push(
          `${outcome.failed.filter((failure) => !failure.parked).length} op(s) failed in this run: each is retried by ` +
            'a later run (the first retry on the next run, then after a growing wait) until DIRSYNC_MAX_OP_ATTEMPTS ' +
            'failures park it.',
        );
      }
      break;
    case 'succeeded':
    case 'planned':
    case 'held':
      break;
  }
  return `${lines.join('\n')}\n`;
}

/** `plan --json` (and `sync --json` for scripts): the plan in words, the counts, and the guard's hold. */
export function runReportJson(
  outcome: SyncOutcome,
  options: RunReportOptions,
): PlanJson & {
  readonly run: string;
  readonly status: string;
  readonly error: string | null;
  /** The stored hold (`dirsync approve <id>`), or null. */
  readonly heldPlan: string | null;
  /** The approval the run went through with, or null. */
  readonly approvedPlan: string | null;
  /** The objects the read isolated (not synced), by kind and IdP id (null: no usable id), with the reason. */
  readonly isolated: readonly IsolatedObject[];
} {
  return {
    run: outcome.runId,
    status: outcome.status,
    error: outcome.error?.message ?? null,
    heldPlan: outcome.heldPlanId ?? null,
    approvedPlan: outcome.approvedPlanId ?? null,
    isolated: outcome.isolated,
    ...planJson({
      connection: options.connectionId,
      source: options.source,
      full: outcome.full,
      explanations: explain(outcome, options),
      counts: outcome.planned ?? summaryCountsOf([], null, []).planned,
      rejected: outcome.plan?.rejected ?? null,
    }),
  };
}

// A source anomaly ends the run before planning: there is no plan to show, only what dropped and how to go on.
function anomalyLines(anomaly: SourceAnomaly, dryRun: boolean, heldPlanId: string | undefined): string[] {
  return [
    `held${heldPlanId === undefined ? '' : ` as plan ${heldPlanId}`}: the directory answered far less than the mirror holds, so nothing was written (the mirror and the cursor`,
    'stay as they were; the next run reads again):',
    ...anomaly.drops.map((drop) => `  - ${explainSourceAnomaly({ drops: [drop] })}`),
    'An expired credential, a revoked scope or an IdP outage must never look like a mass departure: check that the',
    "connection's credentials and scope still see the whole directory (`dirsync check`).",
    dryRun
      ? 'A sync would be held the same way.'
      : heldPlanId === undefined
        ? 'If they really left, run `dirsync sync --allow-mass-deactivation` to apply this one run, ' +
          `or raise ${SOURCE_DROP_VARIABLE}.`
        : `If they really left: ${howToGoOn(heldPlanId, SOURCE_DROP_VARIABLE)} Approving a source anomaly lets the ` +
          'next read into the mirror; the guards still judge the plan it makes.',
  ];
}

// What an operator can do about a stored hold, in the order they would consider it.
function howToGoOn(planId: string, raise: string): string {
  return (
    `review it with \`dirsync plan show ${planId}\`, then \`dirsync approve ${planId}\` (the next run, CLI or worker, ` +
    `applies it while the directory still asks for the same) or \`dirsync reject ${planId}\`; ` +
    `or run \`dirsync sync --allow-mass-deactivation\` to apply this one run, or raise ${raise}.`
  );
}

/** The ops of the plan in words, in plan order; only those in `keys` when given. */
function explain(outcome: SyncOutcome, options: RunReportOptions, keys?: ReadonlySet<string>): OpExplanation[] {
  if (outcome.plan === null || outcome.basis === null) return [];
  const context: ExplainContext = { idpName: options.idpName, ...outcome.basis };
  const plan =
    keys === undefined ? outcome.plan : { ...outcome.plan, ops: outcome.plan.ops.filter((op) => keys.has(op.key)) };
  return explainPlan(plan, context);
}

/** The ops the report names by title when it does not list the plan: this run's failures and the ops listed for attention. */
function labelledKeys(outcome: SyncOutcome): ReadonlySet<string> {
  return new Set([
    ...outcome.failed.map((failure) => failure.key),
    ...(outcome.attention?.ops ?? []).map((op) => op.key),
  ]);
}
