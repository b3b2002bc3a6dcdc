import type { Op } from '../core/planner/op.js';
import { countOps, type PlanCounts } from '../core/planner/plan.js';

/**
 * Per-kind counts of one run. Every row adds up: `planned = applied + failed + notApplied`, where `notApplied`
 * is what was planned and neither applied nor failed (the run stopped early and the rest stays pending, or
 * the op was skipped, e.g. an invite that stays due while invites are off).
 */
export interface SummaryCounts {
  readonly planned: PlanCounts;
  /** Null when nothing was attempted: a dry run (`plan`) or a plan held by a guard. */
  readonly applied: PlanCounts | null;
  readonly failed: PlanCounts;
  readonly notApplied: PlanCounts;
}

/** A failed op as the table lists it. */
export interface SummaryFailure {
  readonly key: string;
  /** The app's or the mail server's answer. */
  readonly error: string;
  /** The op in words (`OpExplanation.title`, e.g. `deactivate ana@acme.com (Ana Lopez)`); the key otherwise. */
  readonly label?: string;
}

/** Failures listed by default under the table; the rest are counted (each failure is also logged). */
export const DEFAULT_FAILURES_SHOWN = 20;

const ROWS: readonly (readonly [string, keyof PlanCounts])[] = [
  ['created', 'created'],
  ['updated', 'updated'],
  ['reactivated', 'reactivated'],
  ['deactivated', 'deactivated'],
  ['groups created', 'groupsCreated'],
  ['groups renamed', 'groupsRenamed'],
  ['groups deleted', 'groupsDeleted'],
  ['memberships added', 'membershipsAdded'],
  ['memberships removed', 'membershipsRemoved'],
  ['invites', 'invites'],
];

const COLUMNS = ['planned', 'applied', 'failed', 'skipped'] as const;
const CELL = 9;

/**
 * The counts of a run from its plan: `applied` as the run counted it (`countOps` of the applied ops), `failed`
 * from the keys of the ops that failed in the run (`FailedOp.key`), `notApplied` the remainder of each row.
 * Membership rows count members, not ops, as `countOps` does.
 */
export function summaryCountsOf(
  plannedOps: readonly Op[],
  applied: PlanCounts | null,
  failedKeys: Iterable<string>,
): SummaryCounts {
  const planned = countOps(plannedOps);
  const failedSet = new Set(failedKeys);
  const failed = countOps(plannedOps.filter((op) => failedSet.has(op.key)));
  const notApplied: Record<keyof PlanCounts, number> = { ...planned };
  for (const [, field] of ROWS) {
    // Never negative, even if a caller's counts disagree with the plan: the table shows what it is given.
    notApplied[field] = Math.max(0, planned[field] - (applied?.[field] ?? 0) - failed[field]);
  }
  return { planned, applied, failed, notApplied };
}

/**
 * The table `dirsync sync` ends with: one row per kind of change and a total, columns planned / applied /
 * failed / skipped (skipped = `notApplied`), 61 columns wide; then each failed op, named by its `label`:
 * `    ✗ deactivate ana@acme.com (Ana Lopez): 404 Not Found`. When `counts.applied` is null (dry run, held
 * plan) only the planned column is filled. No trailing newline.
 *
 * The sync command calls it as
 * `formatSummaryTable(summaryCountsOf(plan.ops, outcome.applied, outcome.failed.map((f) => f.key)),
 *  outcome.failed.map((f) => ({ key: f.key, error: f.error, label: titles.get(f.key) })))`,
 * with `titles` the `OpExplanation.title` of each op by key.
 */
export function formatSummaryTable(
  counts: SummaryCounts,
  failures: readonly SummaryFailure[] = [],
  options: { maxFailures?: number } = {},
): string {
  const width = Math.max(...ROWS.map(([label]) => label.length));
  const row = (label: string, cells: readonly string[]) =>
    `  ${label.padEnd(width)}${cells.map((cell) => cell.padStart(CELL)).join('')}`;
  const cellsOf = (pick: (c: PlanCounts) => number): string[] => {
    const planned = formatCount(pick(counts.planned));
    if (counts.applied === null) return [planned, '-', '-', '-'];
    const { applied, failed, notApplied } = counts;
    return [planned, formatCount(pick(applied)), formatCount(pick(failed)), formatCount(pick(notApplied))];
  };
  const lines = [row('', [...COLUMNS])];
  for (const [label, field] of ROWS)
    lines.push(
      row(
        label,
        cellsOf((c) => c[field]),
      ),
    );
  lines.push(`  ${'─'.repeat(width + CELL * COLUMNS.length)}`);
  lines.push(row('total', cellsOf(total)));
  if (counts.applied !== null && total(counts.notApplied) > 0) {
    lines.push('  skipped: not applied this run (stopped early, waiting, held, parked, unsupported); planned again');
  }
  const shown = failures.slice(0, options.maxFailures ?? DEFAULT_FAILURES_SHOWN);
  for (const failure of shown) lines.push(`    ✗ ${failure.label ?? failure.key}: ${oneLine(failure.error)}`);
  if (failures.length > shown.length) {
    lines.push(`    … ${formatCount(failures.length - shown.length)} more failed`);
  }
  return lines.join('\n');
}

function total(counts: PlanCounts): number {
  return ROWS.reduce((sum, [, field]) => sum + counts[field], 0);
}

// An app's error body can span lines; the table keeps one line per failure.
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// Digits grouped by a space (`20 000`), the same on every machine whatever its locale.
function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}
