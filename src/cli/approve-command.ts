import { userInfo } from 'node:os';
import { assertMigrated, openDatabase } from '../app.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { HeldOpRepository } from '../store/held-op-repository.js';
import { HeldPlanRepository, normalizeHeldPlanId, type HeldPlan } from '../store/held-plan-repository.js';
import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';
import { findPlan } from './plans-command.js';

/**
 * `dirsync approve <plan-id|op-key>`: approves a held plan (the next run, CLI or worker, applies it while its
 * destructive part is the approved one or less) or one held op (a recycled identity or confusable login: the next
 * run adopts the account on purpose). Exit 0; 2 when nothing of that id or key is held.
 */
export async function approveCommand(context: CliContext, target: string): Promise<ExitCode> {
  const { service } = context.settings();
  const database = openDatabase(service);
  try {
    await assertMigrated(database);
    const now = new Date().toISOString();
    if (normalizeHeldPlanId(target) !== null) {
      const plans = new HeldPlanRepository(database.db);
      const plan = await findPlan(plans, target);
      if (plan.status === 'approved') {
        context.out.write(`plan ${plan.id} is already approved; the next run of ${plan.connectionId} applies it\n`);
        return EXIT.ok;
      }
      if (
        plan.status !== 'held' ||
        !(await plans.decide(plan.id, 'held', 'approved', { by: operator(context) }, now))
      ) {
        throw notOpen(plan, await plans.get(plan.id));
      }
      context.out.write(
        `approved plan ${plan.id} of connection ${plan.connectionId}: the next run (\`dirsync sync -c ${plan.connectionId}\`, ` +
          `or the worker's) applies it while the directory asks for the same or less; if it asks for more, that run ` +
          `holds the new plan under a new id\n`,
      );
      return EXIT.ok;
    }
    const ops = new HeldOpRepository(database.db);
    const op = await ops.find(target);
    if (op === undefined) {
      throw new CliError(
        `nothing to approve under "${target}": give a held plan id (p-…, \`dirsync plans\`) or the key of a held op ` +
          '(`dirsync status` lists them, e.g. user.create:default:00u1)',
        EXIT.config,
      );
    }
    if (op.status !== 'held') {
      throw new CliError(`op ${op.key} is not held (it is ${op.status}); only held ops are approved`, EXIT.config);
    }
    if (op.approvedAt !== null) {
      context.out.write(`op ${op.key} is already approved (${op.approvedAt}); the next run applies it\n`);
      return EXIT.ok;
    }
    await ops.approve(op.key, now);
    context.out.write(
      `approved op ${op.key}${op.hold === null ? '' : ` (${op.hold.message})`}: the next run of connection ` +
        `${op.connectionId} applies it and adopts the existing account on purpose\n`,
    );
    return EXIT.ok;
  } finally {
    await database.db.destroy();
  }
}

/** `dirsync reject <plan-id>`: drops a held (or approved, not yet applied) plan. Exit 0; 2 when it is not open. */
export async function rejectCommand(context: CliContext, target: string): Promise<ExitCode> {
  const { service } = context.settings();
  const database = openDatabase(service);
  try {
    await assertMigrated(database);
    const plans = new HeldPlanRepository(database.db);
    const plan = await findPlan(plans, target);
    const now = new Date().toISOString();
    const from = plan.status;
    if (
      (from !== 'held' && from !== 'approved') ||
      !(await plans.decide(plan.id, from, 'rejected', { by: operator(context) }, now))
    ) {
      throw notOpen(plan, await plans.get(plan.id));
    }
    context.out.write(
      `rejected plan ${plan.id} of connection ${plan.connectionId}: nothing of it is applied. While the directory ` +
        'still asks for it, the next run holds it again under a new id: fix the directory or the scope, or raise the guard\n',
    );
    return EXIT.ok;
  } finally {
    await database.db.destroy();
  }
}

function notOpen(plan: HeldPlan, now: HeldPlan | undefined): CliError {
  const status = now?.status ?? plan.status;
  const why =
    status === 'superseded'
      ? `a later run of ${plan.connectionId} planned something else; \`dirsync plans -c ${plan.connectionId}\` shows what is held now`
      : status === 'applied'
        ? `run ${now?.appliedRunId ?? plan.appliedRunId ?? '?'} applied it`
        : `it was ${status} by ${now?.decidedBy ?? plan.decidedBy ?? 'an operator'} at ${now?.decidedAt ?? plan.decidedAt ?? '?'}`;
  return new CliError(`plan ${plan.id} is ${status}, not open: ${why}`, EXIT.config);
}

/** Who approves, for the record: the login of the person at the terminal. */
function operator(context: CliContext): string {
  const fromEnv = context.env['SUDO_USER'] ?? context.env['USER'] ?? context.env['LOGNAME'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
