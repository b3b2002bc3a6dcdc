import { parseArgs } from 'node:util';
import { errorText } from '../app.js';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { TargetError } from '../targets/target-error.js';
import { CliError } from './cli-error.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { migrateCommand } from './migrate-command.js';
import { statusCommand } from './status-command.js';
import { syncCommand } from './sync-command.js';

const USAGE = `usage: dirsync <command> [options]

commands:
  migrate                       apply database migrations
  sync [--full] [--dry-run] [--allow-mass-deactivation]
                                one run now: pull, mirror, plan, apply; prints a summary
  plan                          pull and show the plan without applying
  status                        connections, last runs, counts, pending/failed ops, the worker's queue
  worker                        scheduled runs on BullMQ (needs Redis), until SIGTERM
  resync [--full]               enqueue a manual run for the worker and print its job id

Configuration comes from the environment: see README.md.`;

/** Parses argv, runs one command, returns the exit code. Errors become one line on stderr. */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<ExitCode> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? EXIT.config : EXIT.ok;
    }
    const { values } = parseArgs({
      args: rest,
      options: {
        full: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'allow-mass-deactivation': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    const config = loadConfig(env);
    // A person at a terminal wants the summary, not JSON log lines; scripts and workers get the logs.
    const level = env['LOG_LEVEL'] ?? (process.stderr.isTTY ? 'warn' : config.logLevel);
    const log = createLogger(level);
    const out = process.stdout;
    switch (command) {
      case 'migrate':
        return await migrateCommand(config, out);
      case 'sync':
      case 'plan': {
        const abort = new AbortController();
        const stop = () => {
          abort.abort();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          return await syncCommand(
            config,
            {
              full: values.full,
              dryRun: command === 'plan' || values['dry-run'],
              allowMassDeactivation: values['allow-mass-deactivation'],
              showPlan: command === 'plan' || values['dry-run'],
            },
            { out, err: process.stderr, log, signal: abort.signal },
          );
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }
      case 'status':
        return await statusCommand(config, out, log);
      // BullMQ is loaded only by the commands that talk to the queue.
      case 'worker': {
        const { runWorker } = await import('../worker/run-worker.js');
        return await runWorker(config, createLogger(env['LOG_LEVEL'] ?? config.logLevel));
      }
      case 'resync': {
        const { resyncCommand } = await import('./resync-command.js');
        return await resyncCommand(config, values.full, out, log);
      }
      default:
        throw new CliError(`unknown command "${command}"\n${USAGE}`, EXIT.config);
    }
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`dirsync: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ConfigError || error instanceof TargetError) {
      process.stderr.write(`dirsync: ${error.message}\n`);
      return EXIT.config;
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      process.stderr.write(`dirsync: ${error.message}\n${USAGE}\n`);
      return EXIT.config;
    }
    process.stderr.write(`dirsync: ${errorText(error)}\n`);
    return EXIT.config;
  }
}
