import type { Logger } from 'pino';
import { loadSettings, type Settings } from '../config/connection-registry.js';
import { createLogger } from '../logger.js';

/** What every command gets: its streams, the environment, and the settings read from it once. */
export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WriteStream;
  /** Validated on first use: a command that needs no configuration (`--help`) never fails on it. */
  settings(): Settings;
  /** pino on stderr: `warn` on a terminal unless LOG_LEVEL says otherwise (a person wants the summary). */
  log(): Logger;
}

export function createCliContext(
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
  err: NodeJS.WriteStream,
): CliContext {
  let settings: Settings | undefined;
  let log: Logger | undefined;
  const context: CliContext = {
    env,
    out,
    err,
    settings: () => (settings ??= loadSettings(env)),
    log: () => (log ??= createLogger(env['LOG_LEVEL'] ?? (err.isTTY ? 'warn' : context.settings().service.logLevel))),
  };
  return context;
}
