import { describe, expect, it } from 'vitest';
import { formatPlan, planJson } from '../../../src/cli/plan-report.js';
import { desiredStateOf } from '../../../src/core/desired-state.js';
import { explainPlan } from '../../../src/core/planner/explain-plan.js';
import type { OpExplanation } from '../../../src/core/planner/explain-op.js';
import { countOps } from '../../../src/core/planner/plan.js';
import { DEFAULT_POLICY } from '../../../src/core/policy/policy.js';
import { appGroup, appStateOf, appUser, directoryGroup, directoryOf, directoryUser, plan } from '../core/builders.js';

const ana = directoryUser('00u-ana', { userName: 'ana@acme.com', email: 'ana@acme.com', displayName: 'Ana Lopez' });
const bo = directoryUser('00u-bo', { userName: 'bo@acme.com', email: 'bo@acme.com', displayName: 'Bo Berg' });
const cy = directoryUser('00u-cy', {
  userName: 'cy@acme.com',
  active: false,
  status: 'SUSPENDED',
  displayName: 'Cy Ng',
});

/** A plan with one op of most kinds, explained the way `dirsync plan` does. */
function samplePlan() {
  const directory = directoryOf({
    users: [ana, bo, cy],
    groups: [directoryGroup('00g-sales', { displayName: 'Sales EMEA' })],
    members: { '00g-sales': ['00u-ana', '00u-bo'] },
  });
  const app = appStateOf({
    users: [
      appUser('00u-bo', { userName: 'bo@acme.com', email: 'bo@acme.com', displayName: 'Bo Berg' }),
      appUser('00u-cy', { userName: 'cy@acme.com', displayName: 'Cy Ng' }),
    ],
    groups: [appGroup('00g-sales', { displayName: 'Sales' }), appGroup('00g-old', { displayName: 'Old' })],
  });
  const desired = desiredStateOf(directory, DEFAULT_POLICY);
  const planned = plan(desired, app);
  return { planned, explanations: explainPlan(planned, { idpName: 'Okta', directory, app, desired }) };
}

describe('formatPlan', () => {
  it('lists ops grouped by phase, naming people and groups and saying why', () => {
    expect(formatPlan(samplePlan().explanations)).toBe(
      [
        'people (1)',
        '  + create       ana@acme.com (Ana Lopez): active in Okta, not in the app',
        'groups (1)',
        '  ~ rename group "Sales EMEA": renamed in Okta from "Sales" to "Sales EMEA"',
        'memberships added (1)',
        '  + add          2 to "Sales EMEA": 2 people joined Sales EMEA in Okta',
        '                 ana@acme.com, bo@acme.com',
        'deactivations (1)',
        '  - deactivate   cy@acme.com (Cy Ng): SUSPENDED in Okta',
        'groups deleted (1)',
        '  - delete group "Old": deleted in Okta',
        'invites (1)',
        '  > invite       ana@acme.com (Ana Lopez): new in the app, invited at ana@acme.com',
      ].join('\n'),
    );
  });

  it('says (no changes) for an empty plan', () => {
    expect(formatPlan([])).toBe('  (no changes)');
  });

  it('abbreviates long member lists past a few names', () => {
    const members = Array.from({ length: 42 }, (_, i) => ({ id: `u${i}`, login: `p${i}@acme.com` }));
    const explanation: OpExplanation = {
      key: 'members.add:c:g',
      kind: 'members.add',
      subject: { id: 'g', displayName: 'Sales', type: 'group' },
      title: 'add 42 members to "Sales"',
      reason: '42 people joined Sales in Okta',
      summary: 'add 42 members to "Sales": 42 people joined Sales in Okta',
      members,
    };
    const lines = formatPlan([explanation]).split('\n');
    expect(lines[1]).toBe('  + add          42 to "Sales": 42 people joined Sales in Okta');
    expect(lines[2]).toBe('                 p0@acme.com, p1@acme.com, p2@acme.com, p3@acme.com, p4@acme.com + 37 more');
  });

  it('lists at most `limit` ops per phase and counts the rest', () => {
    const explanations: OpExplanation[] = Array.from({ length: 1_234 }, (_, i) => ({
      key: `user.create:c:u${i}`,
      kind: 'user.create',
      subject: { id: `u${i}`, login: `p${i}@acme.com`, type: 'user' },
      title: `create p${i}@acme.com`,
      reason: 'active in Okta, not in the app',
      summary: `create p${i}@acme.com: active in Okta, not in the app`,
    }));
    const lines = formatPlan(explanations, { limit: 3 }).split('\n');
    expect(lines).toEqual([
      'people (1 234)',
      '  + create       p0@acme.com: active in Okta, not in the app',
      '  + create       p1@acme.com: active in Okta, not in the app',
      '  + create       p2@acme.com: active in Okta, not in the app',
      '  … 1 231 more (`dirsync plan --json` lists every op)',
    ]);
    expect(formatPlan(explanations, { limit: Infinity }).split('\n')).toHaveLength(1_235);
    expect(formatPlan(explanations).split('\n')).toHaveLength(52); // default: 50 per phase
  });
});

describe('planJson', () => {
  it('builds one document: connection, source, full, the explained ops, counts, held null', () => {
    const { planned, explanations } = samplePlan();
    const doc = planJson({
      connection: 'acme',
      source: 'https://acme.okta.com',
      full: true,
      explanations,
      counts: countOps(planned.ops),
      rejected: planned.rejected,
    });
    expect(doc).toMatchObject({ connection: 'acme', source: 'https://acme.okta.com', full: true, held: null });
    expect(doc.ops).toEqual(explanations);
    expect(doc.counts.created).toBe(1);
    // It is plain JSON: a round trip keeps it whole.
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    expect(JSON.parse(JSON.stringify(doc)).ops[2]).toEqual({
      key: explanations[2]?.key,
      kind: 'members.add',
      subject: { id: '00g-sales', displayName: 'Sales EMEA', type: 'group' },
      title: 'add 2 members to "Sales EMEA"',
      summary: 'add 2 members to "Sales EMEA": 2 people joined Sales EMEA in Okta',
      reason: '2 people joined Sales EMEA in Okta',
      members: [
        { id: '00u-ana', login: 'ana@acme.com' },
        { id: '00u-bo', login: 'bo@acme.com' },
      ],
    });
  });

  it('says why the guards would hold the plan: every trip with its line', () => {
    const deactivations = { guard: 'deactivations' as const, count: 40, limit: 30, activeAppUsers: 120 };
    const removals = {
      guard: 'member-removals' as const,
      groupId: '00g-sales',
      groupName: 'Sales',
      count: 6,
      limit: 5,
      members: 10,
    };
    const doc = planJson({
      connection: 'acme',
      source: 'sandbox',
      full: false,
      explanations: [],
      counts: countOps([]),
      rejected: { trips: [deactivations, removals] },
    });
    expect(doc.held).toEqual({
      trips: [
        {
          ...deactivations,
          message: 'would deactivate 40 of 120 active app users, more than the limit of 30 (DIRSYNC_MAX_DEACTIVATIONS)',
        },
        {
          ...removals,
          message:
            'would remove 6 of 10 members from group Sales (00g-sales), more than the limit of 5 (DIRSYNC_MAX_MEMBER_REMOVALS)',
        },
      ],
    });
  });
});
