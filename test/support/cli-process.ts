import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/src/main.js');

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment for a child CLI: nothing inherited that could point it at a real IdP, app or mail server. */
export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'NODE_EXTRA_CA_CERTS']) {
    const value = process.env[key];
    if (value !== undefined) base[key] = value;
  }
  return { ...base, LOG_LEVEL: 'info', ...env };
}

/** Starts the built CLI as a child process; `done` resolves when it exits. */
export function startCli(
  args: readonly string[],
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<CliResult>; output: () => { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolveDone, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolveDone({ code, signal, stdout, stderr });
    });
  });
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return startCli(args, env).done;
}

/**
 * Runs the CLI, and again while it answers that the connection is busy (a killed run's lease has not expired
 * yet): how an operator or a scheduler retries after a crash. Returns the first answer that is not "busy".
 */
export async function runCliWhenFree(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<CliResult & { readonly busyAnswers: number }> {
  const deadline = Date.now() + timeoutMs;
  for (let busyAnswers = 0; ; busyAnswers++) {
    const result = await runCli(args, env);
    if (!(result.code === 2 && /is busy: run /.test(result.stderr)) || Date.now() > deadline) {
      return { ...result, busyAnswers };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
