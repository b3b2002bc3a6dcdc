import type { PlanCounts } from '../core/planner/plan.js';
import type { FailedOp } from '../store/outbox-repository.js';

const ROWS: readonly [string, (c: PlanCounts) => number][] = [
  ['created', (c) => c.created],
  ['updated', (c) => c.updated],
  ['deactivated', (c) => c.deactivated],
  ['reactivated', (c) => c.reactivated],
  ['groups created', (c) => c.groupsCreated],
  ['groups renamed', (c) => c.groupsRenamed],
  ['groups deleted', (c) => c.groupsDeleted],
  ['memberships added', (c) => c.membershipsAdded],
  ['memberships removed', (c) => c.membershipsRemoved],
  ['invites', (c) => c.invites],
];

/** The table `dirsync sync` ends with: what was planned, what was applied, what failed. */
export function formatSummaryTable(
  planned: PlanCounts,
  applied: PlanCounts | null,
  failed: readonly FailedOp[],
): string {
  const width = Math.max(...ROWS.map(([label]) => label.length), 'failed'.length);
  const lines = [`  ${'what'.padEnd(width)}  ${'planned'.padStart(8)}  ${'applied'.padStart(8)}`];
  for (const [label, pick] of ROWS) {
    lines.push(
      `  ${label.padEnd(width)}  ${String(pick(planned)).padStart(8)}  ${(applied === null ? '-' : String(pick(applied))).padStart(8)}`,
    );
  }
  lines.push(`  ${'failed'.padEnd(width)}  ${''.padStart(8)}  ${String(failed.length).padStart(8)}`);
  for (const op of failed) lines.push(`    ✗ ${op.key}: ${op.error}`);
  return lines.join('\n');
}
