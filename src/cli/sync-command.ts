import {
  assertMigrated,
  createConnector,
  createInviteSender,
  createTarget,
  fullReadIntervalOf,
  openDatabase,
} from '../app.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import type { Plan } from '../core/planner/plan.js';
import type { Logger } from 'pino';
import { runSync, type SyncOutcome } from '../sync/run-sync.js';
import type { InviteSender } from '../sync/apply-plan.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { createProgressReporter } from './progress-reporter.js';
import { formatSummaryTable } from './summary-table.js';
import { opSubject } from '../core/planner/op.js';

export interface SyncFlags {
  readonly full: boolean;
  readonly dryRun: boolean;
  readonly allowMassDeactivation: boolean;
  /** `dirsync plan`: list the ops. */
  readonly showPlan: boolean;
}

/** `dirsync sync` and `dirsync plan`. */
export async function syncCommand(
  config: Config,
  flags: SyncFlags,
  io: { out: NodeJS.WritableStream; err: NodeJS.WriteStream; log: Logger; signal?: AbortSignal },
): Promise<ExitCode> {
  const { db, name } = openDatabase(config);
  let invites: InviteSender | null = null;
  try {
    await assertMigrated(db, name);
    invites = flags.dryRun ? null : createInviteSender(config, io.log);
    const connector = await createConnector(config);
    const outcome = await runSync(
      {
        connectionId: config.connectionId,
        trigger: 'cli',
        full: flags.full,
        dryRun: flags.dryRun,
        allowMassDeactivation: flags.allowMassDeactivation,
        deactivationLimit: config.deactivationLimit,
        fullReadIntervalMs: fullReadIntervalOf(config),
        ...(io.signal ? { signal: io.signal } : {}),
      },
      {
        db,
        connector,
        target: createTarget(config, systemClock),
        invites,
        clock: systemClock,
        log: io.log,
        progress: createProgressReporter(io.err, io.log, () => Date.now()),
      },
    );
    io.out.write(report(outcome, connector.source, flags));
    // The reason also goes to stderr as one line, where a scheduler or a person looking for errors reads it.
    if ((outcome.status === 'read-failed' || outcome.status === 'stopped') && outcome.error !== null) {
      io.err.write(`dirsync: ${outcome.error.message}\n`);
    }
    return exitCodeOf(outcome);
  } finally {
    await invites?.mailer.close();
    await db.destroy();
  }
}

function exitCodeOf(outcome: SyncOutcome): ExitCode {
  switch (outcome.status) {
    case 'succeeded':
    case 'planned':
      return EXIT.ok;
    case 'partial':
      return EXIT.opsFailed;
    case 'held':
      return EXIT.held;
    case 'read-failed':
    case 'stopped':
      return EXIT.config;
  }
}

function report(outcome: SyncOutcome, source: string, flags: SyncFlags): string {
  const seconds = (outcome.durationMs / 1000).toFixed(1);
  const head = `dirsync ${flags.dryRun ? 'plan' : 'sync'} — ${source}, ${outcome.full ? 'full read' : 'changes only'}, ${seconds} s (run ${outcome.runId})`;
  if (outcome.status === 'read-failed') {
    return `${head}\nerror: reading the directory failed, nothing was changed: ${outcome.error?.message ?? ''}\n`;
  }
  const lines = [head];
  if (flags.showPlan && outcome.plan !== null) lines.push(describePlan(outcome.plan));
  if (outcome.planned !== null) lines.push(formatSummaryTable(outcome.planned, outcome.applied, outcome.failed));
  const rejected = outcome.plan?.rejected;
  if (rejected) {
    lines.push(
      `held: this plan would deactivate ${rejected.deactivations} of ${rejected.activeAppUsers} active app users, more than the limit of ${rejected.limit} (DIRSYNC_MAX_DEACTIVATIONS). Nothing was applied.`,
      `If these deactivations are intended, run \`dirsync sync --allow-mass-deactivation\` (or raise DIRSYNC_MAX_DEACTIVATIONS).`,
    );
  }
  if (outcome.status === 'stopped') {
    lines.push(`error: applying stopped early, the remaining ops stay pending: ${outcome.error?.message ?? ''}`);
  }
  if (outcome.status === 'partial')
    lines.push(`${outcome.failed.length} op(s) failed; they are retried on the next run.`);
  return `${lines.join('\n')}\n`;
}

function describePlan(plan: Plan): string {
  if (plan.ops.length === 0) return '  (no changes)';
  return plan.ops.map((op) => `  ${op.kind.padEnd(16)} ${opSubject(op)}${detail(op)}`).join('\n');
}

function detail(op: Plan['ops'][number]): string {
  switch (op.kind) {
    case 'user.create':
      return `  ${op.attributes.userName}`;
    case 'user.update':
    case 'user.reactivate':
      return `  ${Object.keys(op.changes).join(', ')}`;
    case 'group.create':
    case 'group.rename':
      return `  "${op.displayName}"`;
    case 'members.add':
    case 'members.remove':
      return `  ${op.userExternalIds.length} member(s)`;
    case 'user.deactivate':
    case 'group.delete':
    case 'invite.send':
      return '';
  }
}
