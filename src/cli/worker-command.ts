import { loadRegistry } from '../config/connection-registry.js';
import type { ExitCode } from '../exit-codes.js';
import { createLogger } from '../logger.js';
import { runWorker } from '../worker/run-worker.js';
import type { CliContext } from './cli-context.js';
import { createProgressReporter } from './progress-reporter.js';

/** `dirsync worker`: JSON logs whatever the terminal (a worker is read by log collectors, not people). */
export async function workerCommand(context: CliContext): Promise<ExitCode> {
  const { service, registry } = context.settings();
  return runWorker({
    service,
    registry,
    reload: () => loadRegistry(context.env),
    log: createLogger(context.env['LOG_LEVEL'] ?? service.logLevel),
    progress: (log) => createProgressReporter(process.stderr, log, () => Date.now()),
  });
}
