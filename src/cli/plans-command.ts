import { assertMigrated, openDatabase } from '../app.js';
import type { ConnectionConfig } from '../config/connection-config.js';
import { IDP_DISPLAY_NAMES } from '../config/describe-connection.js';
import { desiredStateOf } from '../core/desired-state.js';
import { explainPlan } from '../core/planner/explain-plan.js';
import type { HeldPlanStatus } from '../store/database.js';
import { AppStateRepository } from '../store/app-state-repository.js';
import { HeldPlanRepository, normalizeHeldPlanId, type HeldPlan } from '../store/held-plan-repository.js';
import { MirrorRepository } from '../store/mirror-repository.js';
import { DEFAULT_POLICY } from '../core/policy/policy.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';
import { formatPlan } from './plan-report.js';
import { formatSummaryTable, summaryCountsOf } from './summary-table.js';

/** Plans an operator still has to act on, or that are approved and wait for the next run. */
const OPEN: readonly HeldPlanStatus[] = ['held', 'approved'];
const EVERY: readonly HeldPlanStatus[] = ['held', 'approved', 'applied', 'rejected', 'superseded'];

/**
 * `dirsync plans [-c ID] [--all] [--json]`: the held plans (id, connection, status, reasons, counts), newest
 * first; `--all` adds the decided ones (applied, rejected, superseded) for the record. Exit 0; 2 for an unknown
 * connection.
 */
export async function plansCommand(
  context: CliContext,
  options: { readonly connection?: string | undefined; readonly all: boolean; readonly json: boolean },
): Promise<ExitCode> {
  const { service, registry } = context.settings();
  if (options.connection !== undefined && !registry.connections.some((c) => c.id === options.connection)) {
    throw new CliError(
      `no connection "${options.connection}"; \`dirsync connections\` lists the configured ones`,
      EXIT.config,
    );
  }
  const database = openDatabase(service);
  try {
    await assertMigrated(database);
    const plans = await new HeldPlanRepository(database.db).list(
      options.connection ?? null,
      options.all ? EVERY : OPEN,
    );
    if (options.json) {
      context.out.write(`${JSON.stringify({ plans: plans.map(planSummaryJson) }, null, 2)}\n`);
      return EXIT.ok;
    }
    if (plans.length === 0) {
      context.out.write(
        `no ${options.all ? '' : 'held or approved '}plans${options.connection === undefined ? '' : ` for connection ${options.connection}`}\n`,
      );
      return EXIT.ok;
    }
    const lines: string[] = [];
    for (const plan of plans) {
      lines.push(
        `${plan.id}  ${plan.connectionId}  ${plan.status.padEnd(10)}  held ${plan.createdAt}  ${countsLine(plan)}`,
        ...plan.reasons.map((reason) => `    - ${reason.message}`),
      );
      const next = nextStep(plan);
      if (next !== null) lines.push(`    ${next}`);
    }
    context.out.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  } finally {
    await database.db.destroy();
  }
}

/**
 * `dirsync plan show <id> [--all] [--json]`: one held plan with its reasons and every op named (login, display
 * name) from the mirror as it is now. Exit 0; 2 for an unknown id.
 */
export async function planShowCommand(
  context: CliContext,
  text: string,
  options: { readonly all: boolean; readonly json: boolean },
): Promise<ExitCode> {
  const { service, registry } = context.settings();
  const database = openDatabase(service);
  try {
    await assertMigrated(database);
    const plan = await findPlan(new HeldPlanRepository(database.db), text);
    const connection = registry.connections.find((c) => c.id === plan.connectionId);
    const directory = await new MirrorRepository(database.db).loadDirectory(plan.connectionId);
    const app = await new AppStateRepository(database.db).load(plan.connectionId);
    const explanations = explainPlan(
      { ops: plan.ops, rejected: null },
      {
        idpName: idpNameOf(connection),
        directory,
        app,
        desired: desiredStateOf(directory, connection?.policy ?? DEFAULT_POLICY),
      },
    );
    if (options.json) {
      context.out.write(`${JSON.stringify({ ...planSummaryJson(plan), ops: explanations }, null, 2)}\n`);
      return EXIT.ok;
    }
    const lines = [
      `plan ${plan.id} — connection ${plan.connectionId}, ${plan.status}, held ${plan.createdAt} by run ${plan.runId}` +
        (plan.updatedAt === plan.createdAt ? '' : ` (seen again ${plan.updatedAt})`),
      'held because:',
      ...plan.reasons.map((reason) => `  - ${reason.message}`),
    ];
    if (plan.decidedAt !== null)
      lines.push(`${plan.status} by ${plan.decidedBy ?? 'an operator'} at ${plan.decidedAt}`);
    if (plan.appliedRunId !== null) lines.push(`applied by run ${plan.appliedRunId}`);
    if (plan.ops.length === 0) {
      lines.push(
        'no ops: the read was held before planning. Approving lets the next read into the mirror; the guards still',
        'judge the plan it makes (held again, under a new id, if it would deactivate or delete too much).',
      );
    } else {
      lines.push(
        formatPlan(explanations, options.all ? { limit: Infinity } : {}),
        formatSummaryTable(summaryCountsOf(plan.ops, null, []), []),
      );
    }
    const next = nextStep(plan);
    if (next !== null) lines.push(next);
    context.out.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  } finally {
    await database.db.destroy();
  }
}

/** The plan an operator named, or a CliError saying what exists. */
export async function findPlan(plans: HeldPlanRepository, text: string): Promise<HeldPlan> {
  const id = normalizeHeldPlanId(text);
  const plan = id === null ? undefined : await plans.get(id);
  if (plan === undefined) {
    throw new CliError(
      `no held plan "${text}": plan ids look like p-7K2M9Q; \`dirsync plans\` lists the held ones, \`dirsync plans --all\` every one`,
      EXIT.config,
    );
  }
  return plan;
}

function idpNameOf(connection: ConnectionConfig | undefined): string {
  return connection === undefined ? 'the IdP' : IDP_DISPLAY_NAMES[connection.idp.kind];
}

function countsLine(plan: HeldPlan): string {
  const c = plan.counts;
  const parts = [
    c.deactivated > 0 ? `${c.deactivated} deactivations` : '',
    c.groupsDeleted > 0 ? `${c.groupsDeleted} group deletes` : '',
    c.membershipsRemoved > 0 ? `${c.membershipsRemoved} member removals` : '',
  ].filter((part) => part !== '');
  const total = plan.ops.length;
  if (total === 0) return 'read held before planning';
  return `${total} ops${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

function nextStep(plan: HeldPlan): string | null {
  switch (plan.status) {
    case 'held':
      return `→ \`dirsync plan show ${plan.id}\`, then \`dirsync approve ${plan.id}\` or \`dirsync reject ${plan.id}\``;
    case 'approved':
      return '→ approved: the next run (CLI or worker) applies it while the directory still asks for the same';
    case 'applied':
    case 'rejected':
    case 'superseded':
      return null;
  }
}

function planSummaryJson(plan: HeldPlan) {
  return {
    id: plan.id,
    connection: plan.connectionId,
    status: plan.status,
    run: plan.runId,
    reasons: plan.reasons,
    counts: plan.counts,
    opCount: plan.ops.length,
    destructive: plan.destructive.length,
    createdAt: plan.createdAt,
    updatedAt: plan.updatedAt,
    decidedAt: plan.decidedAt,
    decidedBy: plan.decidedBy,
    appliedRun: plan.appliedRunId,
  };
}
