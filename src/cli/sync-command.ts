import { assertMigrated, createConnectionRuntime, openDatabase } from '../app.js';
import { systemClock } from '../clock.js';
import { selectConnection } from '../config/connection-registry.js';
import { IDP_DISPLAY_NAMES } from '../config/describe-connection.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { describeQuarantine, isQuarantined } from '../core/quarantine.js';
import { describeOwner } from '../sync/connection-hold.js';
import type { Plan } from '../core/planner/plan.js';
import type { PlanBasis, SyncOutcome } from '../sync/run-sync.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './cli-context.js';
import { createProgressReporter } from './progress-reporter.js';
import { formatRunReport, planWordsOf, runReportJson, type PlanWords } from './run-report.js';

export interface SyncFlags {
  readonly connection: string | undefined;
  readonly full: boolean;
  readonly dryRun: boolean;
  readonly allowMassDeactivation: boolean;
  /** `dirsync plan` and `--dry-run`: list the ops with names and reasons. */
  readonly showPlan: boolean;
  readonly json: boolean;
}

/** `dirsync sync` and `dirsync plan`: one run of one connection, under its hold. */
export async function syncCommand(context: CliContext, flags: SyncFlags): Promise<ExitCode> {
  const { service, registry } = context.settings();
  const connection = selectConnection(registry, flags.connection);
  const database = openDatabase(service);
  const abort = new AbortController();
  const stop = () => {
    abort.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const log = context.log();
  let runtime;
  try {
    await assertMigrated(database);
    runtime = await createConnectionRuntime(connection, {
      db: database.db,
      service,
      clock: systemClock,
      log,
      invites: !flags.dryRun,
    });
    // A sync that does not list its plan needs only its ops' titles after the apply: taken before it, the run lets
    // the directory and desired state go meanwhile (`plan`, `--dry-run` and `--json` put every op in words after).
    const idpName = IDP_DISPLAY_NAMES[connection.idp.kind];
    let words: PlanWords | undefined;
    const describePlan =
      flags.showPlan || flags.json
        ? undefined
        : (plan: Plan, basis: PlanBasis) => {
            words = planWordsOf(plan, basis, idpName);
          };
    const result = await runtime.run({
      ...(describePlan === undefined ? {} : { describePlan }),
      trigger: 'cli',
      full: flags.full,
      dryRun: flags.dryRun,
      allowMassDeactivation: flags.allowMassDeactivation,
      owner: describeOwner('cli'),
      signal: abort.signal,
      progress: flags.json ? () => undefined : createProgressReporter(context.err, log, () => Date.now()),
    });
    if (result.kind === 'busy') {
      const holder = result.heldBy;
      throw new CliError(
        `connection ${connection.id} is busy: run ${holder.runId} (${holder.owner}) holds it since ${holder.acquiredAt}; ` +
          `wait for it to finish (\`dirsync status -c ${connection.id}\`), or if that process is gone, retry after ${holder.expiresAt}`,
        EXIT.config,
      );
    }
    const outcome = result.outcome;
    const report = {
      connectionId: connection.id,
      source: runtime.source,
      idpName,
      dryRun: flags.dryRun,
      showPlan: flags.showPlan,
    };
    context.out.write(
      flags.json
        ? `${JSON.stringify(runReportJson(outcome, report), null, 2)}\n`
        : formatRunReport(outcome, report, words),
    );
    const now = new Date();
    const { before, after } = result.quarantine;
    if (
      !flags.json &&
      !flags.dryRun &&
      isQuarantined(after, now) &&
      after.until?.getTime() !== before.until?.getTime()
    ) {
      context.out.write(
        `connection ${connection.id} is now ${describeQuarantine(after, now) ?? 'quarantined'}: its scheduled runs wait; ` +
          `\`dirsync resume -c ${connection.id}\` lifts it once the cause is fixed\n`,
      );
    } else if (!flags.json && before.level > 0 && after.level === 0) {
      context.out.write(`connection ${connection.id}: this successful run lifted its quarantine\n`);
    }
    // The reason also goes to stderr as one line, where a scheduler or a person looking for errors reads it.
    if ((outcome.status === 'read-failed' || outcome.status === 'stopped') && outcome.error !== null) {
      context.err.write(`dirsync: ${outcome.error.message}\n`);
    }
    return exitCodeOf(outcome);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await runtime?.close();
    await database.db.destroy();
  }
}

function exitCodeOf(outcome: SyncOutcome): ExitCode {
  switch (outcome.status) {
    case 'succeeded':
      return EXIT.ok;
    case 'planned':
      return outcome.plan?.rejected ? EXIT.held : EXIT.ok;
    case 'partial':
      return EXIT.opsFailed;
    case 'held':
      return EXIT.held;
    case 'read-failed':
    case 'stopped':
      return EXIT.config;
  }
}
