import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadRegistry } from '../../../src/config/connection-registry.js';

const dir = mkdtempSync(join(tmpdir(), 'dirsync-max-op-attempts-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
let files = 0;
function connectionsFile(text: string): string {
  const path = join(dir, `connections-${++files}.yaml`);
  writeFileSync(path, text);
  return path;
}
function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('DIRSYNC_MAX_OP_ATTEMPTS', () => {
  it('defaults to 5 and takes a whole number of attempts from the environment', () => {
    expect(loadRegistry({}).connections[0]?.maxOpAttempts).toBe(5);
    expect(loadRegistry({ DIRSYNC_MAX_OP_ATTEMPTS: '2' }).connections[0]?.maxOpAttempts).toBe(2);
    expect(loadRegistry({ DIRSYNC_MAX_OP_ATTEMPTS: ' 1 ' }).connections[0]?.maxOpAttempts).toBe(1);
  });

  it.each(['0', '-1', '2.5', 'five', '05'])('refuses %j, naming the variable', (value) => {
    expect(errorOf(() => loadRegistry({ DIRSYNC_MAX_OP_ATTEMPTS: value }))).toMatch(
      /DIRSYNC_MAX_OP_ATTEMPTS must be a whole number of attempts, 1 or more/,
    );
  });

  it('is `guards.maxOpAttempts` in a connections file, inherited from the environment when absent', () => {
    const path = connectionsFile(`
connections:
  - id: acme
    idp: { type: sandbox }
    guards: { maxOpAttempts: 3 }
  - id: globex
    idp: { type: sandbox }
`);
    const registry = loadRegistry({ DIRSYNC_CONNECTIONS_FILE: path, DIRSYNC_MAX_OP_ATTEMPTS: '7' });
    expect(registry.connections.map((connection) => [connection.id, connection.maxOpAttempts])).toEqual([
      ['acme', 3],
      ['globex', 7],
    ]);
  });

  it('names the connection and the field of a bad value in a connections file', () => {
    const path = connectionsFile(`
connections:
  - id: acme
    idp: { type: sandbox }
    guards: { maxOpAttempts: 0 }
`);
    expect(errorOf(() => loadRegistry({ DIRSYNC_CONNECTIONS_FILE: path }))).toContain(
      'connection acme: guards.maxOpAttempts must be a whole number of attempts, 1 or more',
    );
  });
});
