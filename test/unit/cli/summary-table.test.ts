import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSummaryTable, summaryCountsOf, type SummaryCounts } from '../../../src/cli/summary-table.js';
import type { Op } from '../../../src/core/planner/op.js';
import { countOps, type PlanCounts } from '../../../src/core/planner/plan.js';

const KINDS = [
  'user.create',
  'user.update',
  'user.reactivate',
  'user.deactivate',
  'group.create',
  'group.rename',
  'members.add',
  'members.remove',
  'group.delete',
  'invite.send',
] as const;

function opOf(kind: (typeof KINDS)[number], i: number, members = 1): Op {
  const key = `${kind}:c:s${i}`;
  const ids = Array.from({ length: members }, (_, m) => `u${m}`);
  switch (kind) {
    case 'user.create':
      return {
        kind,
        key,
        externalId: `s${i}`,
        invite: true,
        attributes: { userName: 'a', email: 'a', givenName: 'a', familyName: 'a', displayName: 'a' },
      };
    case 'user.update':
    case 'user.reactivate':
      return { kind, key, externalId: `s${i}`, changes: {} };
    case 'group.create':
    case 'group.rename':
      return { kind, key, externalId: `s${i}`, displayName: 'G' };
    case 'members.add':
    case 'members.remove':
      return { kind, key, groupExternalId: `s${i}`, userExternalIds: ids };
    case 'invite.send':
      return { kind, key, userExternalId: `s${i}` };
    case 'user.deactivate':
    case 'group.delete':
      return { kind, key, externalId: `s${i}` };
  }
}

/** The table's rows as numbers: label → [planned, applied, failed, skipped]. */
function rowsOf(table: string): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  for (const line of table.split('\n').slice(1)) {
    const match = /^ {2}(\S.*?)\s{2,}(\d[\d ]*?)\s{2,}(\d[\d ]*?)\s{2,}(\d[\d ]*?)\s{2,}(\d[\d ]*)$/.exec(line);
    if (match === null) continue;
    const [, label, ...cells] = match;
    rows.set(
      label!,
      cells.map((cell) => Number(cell.replace(/ /g, ''))),
    );
  }
  return rows;
}

const FIELDS: readonly (keyof PlanCounts)[] = [
  'created',
  'updated',
  'reactivated',
  'deactivated',
  'groupsCreated',
  'groupsRenamed',
  'groupsDeleted',
  'membershipsAdded',
  'membershipsRemoved',
  'invites',
];

describe('the summary table adds up', () => {
  it('planned = applied + failed + skipped, per kind and in total, whatever happened to each op', () => {
    const outcome = fc.constantFrom('applied', 'failed', 'not-attempted');
    const planOf = fc.array(fc.tuple(fc.constantFrom(...KINDS), fc.integer({ min: 1, max: 2_000 }), outcome), {
      maxLength: 60,
    });
    fc.assert(
      fc.property(planOf, (entries) => {
        const ops = entries.map(([kind, members], i) => opOf(kind, i, members));
        const applied = ops.filter((_, i) => entries[i]?.[2] === 'applied');
        const failedKeys = ops.filter((_, i) => entries[i]?.[2] === 'failed').map((op) => op.key);
        const counts = summaryCountsOf(ops, countOps(applied), failedKeys);
        for (const field of FIELDS) {
          const { planned, applied: done, failed, notApplied } = counts;
          expect(planned[field]).toBe((done?.[field] ?? 0) + failed[field] + notApplied[field]);
        }
        const rows = rowsOf(formatSummaryTable(counts));
        expect(rows.size).toBe(11); // ten kinds and the total
        for (const [label, [planned, done, failed, skipped]] of rows) {
          expect(planned, label).toBe(done! + failed! + skipped!);
        }
        const total = rows.get('total')!;
        const sumOf = (column: number) =>
          [...rows].filter(([label]) => label !== 'total').reduce((sum, [, cells]) => sum + cells[column]!, 0);
        expect(total).toEqual([sumOf(0), sumOf(1), sumOf(2), sumOf(3)]);
      }),
      { numRuns: 200 },
    );
  });

  it('counts memberships by member, as the plan counts do', () => {
    const ops = [opOf('members.add', 1, 37), opOf('members.add', 2, 5), opOf('user.create', 3)];
    const counts = summaryCountsOf(ops, countOps([ops[2]!]), [ops[1]!.key]);
    expect(counts.failed.membershipsAdded).toBe(5);
    expect(counts.notApplied.membershipsAdded).toBe(37);
    expect(counts.notApplied.created).toBe(0);
  });
});

describe('formatSummaryTable', () => {
  const ops = [
    opOf('user.create', 1),
    opOf('user.create', 2),
    opOf('user.deactivate', 3),
    opOf('members.add', 4, 1_250),
    opOf('invite.send', 5),
    opOf('invite.send', 6),
  ];
  const [create1, , deactivate, membersAdd, invite1] = ops;
  const applied = countOps([create1!, membersAdd!, invite1!]);
  const counts: SummaryCounts = summaryCountsOf(ops, applied, [deactivate!.key]);

  it('shows planned, applied, failed and skipped per kind, a total, and names failed ops by their explanation', () => {
    const table = formatSummaryTable(counts, [
      { key: deactivate!.key, error: 'SCIM 404:\n  Resource not found', label: 'deactivate ana@acme.com (Ana Lopez)' },
    ]);
    expect(table).toBe(
      [
        '                       planned  applied   failed  skipped',
        '  created                    2        1        0        1',
        '  updated                    0        0        0        0',
        '  reactivated                0        0        0        0',
        '  deactivated                1        0        1        0',
        '  groups created             0        0        0        0',
        '  groups renamed             0        0        0        0',
        '  groups deleted             0        0        0        0',
        '  memberships added      1 250    1 250        0        0',
        '  memberships removed        0        0        0        0',
        '  invites                    2        1        0        1',
        `  ${'─'.repeat(55)}`,
        '  total                  1 255    1 252        1        2',
        '  skipped: not applied this run (stopped early, waiting, held, parked, unsupported); planned again',
        '    ✗ deactivate ana@acme.com (Ana Lopez): SCIM 404: Resource not found',
      ].join('\n'),
    );
    for (const line of table.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('names a failed op by its key when no explanation is given', () => {
    const table = formatSummaryTable(counts, [{ key: deactivate!.key, error: 'boom' }]);
    expect(table.split('\n').at(-1)).toBe(`    ✗ ${deactivate!.key}: boom`);
  });

  it('lists a bounded number of failures and counts the rest', () => {
    const failures = Array.from({ length: 25 }, (_, i) => ({ key: `k${i}`, error: 'e' }));
    const lines = formatSummaryTable(counts, failures, { maxFailures: 3 }).split('\n');
    expect(lines.filter((line) => line.includes('✗'))).toHaveLength(3);
    expect(lines.at(-1)).toBe('    … 22 more failed');
  });

  it('fills only the planned column when nothing was attempted (dry run, held plan), without the skipped note', () => {
    const table = formatSummaryTable(summaryCountsOf(ops, null, []));
    expect(table).toContain('  created                    2        -        -        -');
    expect(table).toContain('  total                  1 255        -        -        -');
    expect(table).not.toContain('skipped:');
  });
});
