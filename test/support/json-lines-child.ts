import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Interface } from 'node:readline';

const VITE_NODE = join(import.meta.dirname, '..', '..', 'node_modules', 'vite-node', 'vite-node.mjs');

/**
 * A TypeScript script run as a child process that trusts a test CA through `NODE_EXTRA_CA_CERTS` (the only way
 * to make the Microsoft SDKs trust it): send a JSON command line, get its JSON answer line. One command at a time.
 */
export class JsonLinesChild {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: Interface;
  readonly #pending: ((line: string) => void)[] = [];
  #stderr = '';

  constructor(
    script: string,
    caPath: string,
    private readonly label: string,
  ) {
    this.#child = spawn(process.execPath, [VITE_NODE, script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString('utf8');
    });
    this.#lines = createInterface({ input: this.#child.stdout });
    this.#lines.on('line', (line) => this.#pending.shift()?.(line));
  }

  /** Sends one command and resolves with the parsed answer line. */
  async send(command: Record<string, unknown>): Promise<unknown> {
    const answer = new Promise<string>((resolve, reject) => {
      const onExit = (): void => {
        reject(new Error(`${this.label} exited: ${this.#stderr}`));
      };
      this.#child.once('exit', onExit);
      this.#pending.push((line) => {
        this.#child.off('exit', onExit);
        resolve(line);
      });
    });
    this.#child.stdin.write(`${JSON.stringify(command)}\n`);
    return JSON.parse(await answer) as unknown;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => {
      this.#child.once('exit', () => {
        resolve();
      });
    });
    this.#child.stdin.end();
    await exited;
    this.#lines.close();
  }
}
