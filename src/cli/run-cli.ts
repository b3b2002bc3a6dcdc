import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { errorText } from '../error-text.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { DatabaseError } from '../store/database-error.js';
import { TargetError } from '../targets/target-error.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './cli-context.js';

const connectionOption = () =>
  new Option('-c, --connection <id>', 'the connection (optional when exactly one is configured)');

/**
 * Parses argv, runs one command, returns the exit code. Errors become one line on stderr. Each command's module is
 * imported only when that command runs: the IdP SDKs, BullMQ, nodemailer and the database drivers cost seconds
 * of start-up that `--help`, `connections` or a `sync` of another IdP should not pay.
 */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: { out: NodeJS.WritableStream; err: NodeJS.WriteStream } = { out: process.stdout, err: process.stderr },
): Promise<ExitCode> {
  let loaded: CliContext | undefined;
  let code: ExitCode = EXIT.ok;
  const run =
    <A extends unknown[]>(command: (context: CliContext, ...args: A) => Promise<ExitCode>) =>
    async (...args: A) => {
      // The context is loaded when a command runs: it reads the configuration (zod) and logs (pino), which
      // `--help`, `--version` and a usage error never need (~0.1 s of their start).
      loaded ??= (await import('./cli-context.js')).createCliContext(env, io.out, io.err);
      code = await command(loaded, ...args);
    };
  const program = buildProgram(io, run);
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT.config;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    return reportError(error, io.err);
  }
}

function buildProgram(
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream },
  run: <A extends unknown[]>(
    command: (context: CliContext, ...args: A) => Promise<ExitCode>,
  ) => (...args: A) => Promise<void>,
): Command {
  const program = new Command('dirsync')
    .description(
      'Keeps a SaaS app’s users and groups in step with identity providers (Okta, Entra ID, a sandbox file).\n' +
        'Configuration comes from the environment or DIRSYNC_CONNECTIONS_FILE: see README.md.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(dirsync --help lists the commands)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out.write(text),
      writeErr: (text) => io.err.write(text),
    });
  program.configureHelp({ sortSubcommands: false });

  program
    .command('migrate')
    .description('apply database migrations (DATABASE_URL)')
    .action(run(async (context) => (await import('./migrate-command.js')).migrateCommand(context)));

  program
    .command('sync')
    .description('one run now: pull, mirror, plan, apply; prints a summary')
    .addOption(connectionOption())
    .option('--full', 'read the whole directory, not only what changed', false)
    .option('--dry-run', 'pull and plan, write nothing (like `plan`)', false)
    .option('--allow-mass-deactivation', 'apply this run’s plan even when a guard would hold it', false)
    .addHelpText(
      'after',
      '\nExit codes: 0 all applied, 1 some ops failed or are held (listed), 2 configuration or connection error or the connection is busy, 3 held by a guard.',
    )
    .action(
      run(
        async (
          context,
          options: { connection?: string; full: boolean; dryRun: boolean; allowMassDeactivation: boolean },
        ) =>
          (await import('./sync-command.js')).syncCommand(context, {
            connection: options.connection,
            full: options.full,
            dryRun: options.dryRun,
            allowMassDeactivation: options.allowMassDeactivation,
            showPlan: options.dryRun,
            json: false,
          }),
      ),
    );

  const plan = program
    .command('plan')
    .description('pull and show the plan, with names and reasons, without applying anything')
    .addOption(connectionOption())
    .option('--full', 'read the whole directory, not only what changed', false)
    .option('--json', 'print one JSON document', false)
    .addHelpText('after', '\nExit codes: 0, 2 on an error, 3 when a guard would hold the plan.')
    .action(
      run(async (context, options: { connection?: string; full: boolean; json: boolean }) =>
        (await import('./sync-command.js')).syncCommand(context, {
          connection: options.connection,
          full: options.full,
          dryRun: true,
          allowMassDeactivation: false,
          showPlan: true,
          json: options.json,
        }),
      ),
    );
  plan
    .command('show')
    .description('one held plan: its reasons and every op, named')
    .argument('<plan-id>', 'a held plan’s id, e.g. p-7K2M9Q (`dirsync plans` lists them)')
    .option('--all', 'list every op (default: the first 50 per phase)', false)
    .option('--json', 'print one JSON document', false)
    .action(
      run(async (context, id: string, options: { all: boolean; json: boolean }) =>
        (await import('./plans-command.js')).planShowCommand(context, id, options),
      ),
    );

  program
    .command('plans')
    .description('held plans (id, connection, reasons, counts) waiting for `approve` or `reject`')
    .addOption(connectionOption())
    .option('--all', 'also the decided ones: applied, rejected, superseded', false)
    .option('--json', 'print one JSON document', false)
    .action(
      run(async (context, options: { connection?: string; all: boolean; json: boolean }) =>
        (await import('./plans-command.js')).plansCommand(context, options),
      ),
    );

  program
    .command('approve')
    .description('approve a held plan, or one held op (a recycled identity): the next run applies it')
    .argument('<plan-id|op-key>', 'a held plan’s id (`dirsync plans`) or a held op’s key (`dirsync status`)')
    .addHelpText('after', '\nExit codes: 0 approved (or already), 2 nothing of that id or key is held.')
    .action(
      run(async (context, target: string) => (await import('./approve-command.js')).approveCommand(context, target)),
    );

  program
    .command('reject')
    .description('drop a held plan: nothing of it is applied')
    .argument('<plan-id>', 'a held plan’s id (`dirsync plans`)')
    .addHelpText('after', '\nExit codes: 0 rejected, 2 no open plan of that id.')
    .action(
      run(async (context, target: string) => (await import('./approve-command.js')).rejectCommand(context, target)),
    );

  program
    .command('retry')
    .description('failed or parked ops: forget their failures and attempt them again on the next run')
    .argument('[op-key...]', 'the keys of the ops (`dirsync status` lists failed and parked ops)')
    .addOption(connectionOption())
    .option('--all', 'every failed and parked op of the connection', false)
    .addHelpText('after', '\nExit codes: 0, 2 when a key has no failed or parked op (nothing is changed then).')
    .action(
      run(async (context, keys: string[], options: { connection?: string; all: boolean }) =>
        (await import('./retry-command.js')).retryCommand(context, keys, options),
      ),
    );

  const invites = program
    .command('invites')
    .description('who has been invited, who has not joined, who never got an invite; send, resend, record joins')
    .addOption(connectionOption())
    .option('--state <state>', 'only people in this state: not-invited, sent, accepted or blocked')
    .option('--json', 'print one JSON document', false)
    .action(
      run(async (context, options: { connection?: string; state?: string; json: boolean }) =>
        (await import('./invites-command.js')).invitesListCommand(context, options),
      ),
    );
  invites
    .command('send')
    .description('invite people never invited, now (a run of the connection sends them)')
    .addOption(connectionOption())
    .option('--not-invited', 'everyone active in the app who was never invited', false)
    .option('--user <login|e-mail|id...>', 'these people')
    .option('--queue-only', 'make the invites due and leave them to the next run', false)
    .addHelpText('after', '\nExit codes: as `dirsync sync`; 2 when a named user is unknown (nothing is queued then).')
    .action(
      run(async (context, options: { connection?: string; notInvited: boolean; user?: string[]; queueOnly: boolean }) =>
        (await import('./invites-command.js')).invitesSendCommand(context, 'invite', {
          connection: options.connection,
          user: options.user,
          all: options.notInvited,
          force: false,
          queueOnly: options.queueOnly,
        }),
      ),
    );
  invites
    .command('resend')
    .description('send the invite again, with a personal note; at most once per INVITE_RESEND_COOLDOWN per person')
    .addOption(connectionOption())
    .option('--pending', 'everyone invited who has not joined and is active', false)
    .option('--user <login|e-mail|id...>', 'these people')
    .option('--message <text>', 'a personal note in the mail')
    .option('--force', 'resend within the cooldown, and to people who joined', false)
    .option('--queue-only', 'make the resends due and leave them to the next run', false)
    .addHelpText('after', '\nExit codes: as `dirsync sync`; 2 when a named user is unknown (nothing is queued then).')
    .action(
      run(
        async (
          context,
          options: {
            connection?: string;
            pending: boolean;
            user?: string[];
            message?: string;
            force: boolean;
            queueOnly: boolean;
          },
        ) =>
          (await import('./invites-command.js')).invitesSendCommand(context, 'resend', {
            connection: options.connection,
            user: options.user,
            all: options.pending,
            message: options.message,
            force: options.force,
            queueOnly: options.queueOnly,
          }),
      ),
    );
  invites
    .command('accepted')
    .description('record that people joined the app: no more reminders')
    .argument('<user...>', 'logins, e-mails or ids')
    .addOption(connectionOption())
    .addHelpText('after', '\nExit codes: 0, 2 when a user is unknown (nothing is recorded then).')
    .action(
      run(async (context, users: string[], options: { connection?: string }) =>
        (await import('./invites-command.js')).invitesAcceptedCommand(context, users, options),
      ),
    );

  program
    .command('status')
    .description('every connection: last runs, counts, failed ops, who runs it now, the worker’s schedule and queue')
    .addOption(connectionOption())
    .option('--json', 'print one JSON document', false)
    .action(
      run(async (context, options: { connection?: string; json: boolean }) =>
        (await import('./status-command.js')).statusCommand(context, options),
      ),
    );

  program
    .command('why')
    .description(
      'the evidence for one user or group: IdP record, scope and mapping decisions, ops and the app’s answers, invites',
    )
    .argument('<user-or-group>', 'an IdP id, login, e-mail or display name')
    .addOption(connectionOption())
    .option('--json', 'print one JSON document', false)
    .addHelpText('after', '\nExit codes: 0, 2 when nothing or several subjects match (they are listed with their ids).')
    .action(
      run(async (context, subject: string, options: { connection?: string; json: boolean }) =>
        (await import('./why-command.js')).whyCommand(context, subject, options),
      ),
    );

  const connections = program
    .command('connections')
    .description('the registry: id, IdP, target, schedule, state, last run')
    .option('--json', 'print one JSON document', false)
    .action(
      run(async (context, options: { json: boolean }) =>
        (await import('./connections-command.js')).connectionsCommand(context, options),
      ),
    );
  connections
    .command('remove')
    .description('delete a connection’s data (mirror, app state, outbox, runs); only once it is out of the registry')
    .argument('<id>', 'the connection id')
    .requiredOption('--purge', 'confirm: delete every row of this connection')
    .action(
      run(async (context, id: string) =>
        (await import('./connections-command.js')).removeConnectionCommand(context, id),
      ),
    );

  program
    .command('check')
    .description(
      'verify the database, Redis, the IdP credentials and scopes, the target and the mail server; writes nothing',
    )
    .addOption(connectionOption())
    .option('--json', 'print one JSON document', false)
    .addHelpText('after', '\nExit codes: 0 when every check passes, 2 otherwise.')
    .action(
      run(async (context, options: { connection?: string; json: boolean }) =>
        (await import('./check-command.js')).checkCommand(context, options),
      ),
    );

  program
    .command('worker')
    .description(
      'scheduled runs of every connection on BullMQ (needs Redis), until SIGTERM; SIGHUP reloads the connections',
    )
    .action(
      run(async (context) => {
        // BullMQ is loaded only by the commands that talk to the queue.
        const { workerCommand } = await import('./worker-command.js');
        return workerCommand(context);
      }),
    );

  program
    .command('resync')
    .description('enqueue a manual run for the worker and print its job id')
    .addOption(connectionOption())
    .option('--full', 'a full read', false)
    .action(
      run(async (context, options: { connection?: string; full: boolean }) => {
        const { resyncCommand } = await import('./resync-command.js');
        return resyncCommand(context, options);
      }),
    );

  program
    .command('resume')
    .description('lift the quarantine of a connection whose runs kept failing: its scheduled runs go ahead again')
    .addOption(connectionOption())
    .addHelpText('after', '\nExit codes: 0 (also when it was not quarantined), 2 for an unknown connection.')
    .action(
      run(async (context, options: { connection?: string }) =>
        (await import('./resume-command.js')).resumeCommand(context, options),
      ),
    );
  return program;
}

function reportError(error: unknown, err: NodeJS.WritableStream): ExitCode {
  if (error instanceof CommanderError) {
    // Help and version are printed by commander itself; a usage error was printed with a hint.
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0
      ? EXIT.ok
      : EXIT.config;
  }
  if (error instanceof CliError) {
    err.write(`dirsync: ${error.message}\n`);
    return error.exitCode;
  }
  // A database fault is already one line naming the database (never its password) and what to do.
  if (error instanceof ConfigError || error instanceof TargetError || error instanceof DatabaseError) {
    err.write(`dirsync: ${error.message}\n`);
    return EXIT.config;
  }
  err.write(`dirsync: ${errorText(error)}\n`);
  return EXIT.config;
}

/** The version of the installed package: `package.json` two or three folders up (source or `dist/`). */
function packageVersion(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (parsed.name === 'dirsync' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // not there: try the next
    }
  }
  return 'unknown';
}
