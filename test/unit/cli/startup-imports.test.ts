import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Every package a module loads when it is imported: its static imports (not `import type`, not `import()`),
 * followed through the project's own files (`files`: those, relative to the root).
 */
function staticImports(entry: string): { packages: Map<string, string>; files: string[] } {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else if (!packages.has(specifier)) packages.set(specifier, file.slice(ROOT.length + 1));
    }
  };
  visit(resolve(ROOT, entry));
  return { packages, files: [...seen].map((file) => file.slice(ROOT.length + 1)) };
}

function staticPackages(entry: string): Map<string, string> {
  return staticImports(entry).packages;
}

// The CLI starts for every command, `--help` and `--version` included: the IdP SDKs, BullMQ, Redis, the mailer and
// the database drivers are loaded only by the commands that use them (they cost seconds: `--version` took 4.5 s
// when `dirsync check` was imported statically, 0.3 s without). The configuration's schemas (zod) and the logger
// (pino) are loaded once a command runs: `--help` and `--version` took 0.33 s with them, 0.14 s without.
describe('what the CLI loads before it knows the command', () => {
  const heavy = [
    '@okta/okta-sdk-nodejs',
    '@azure/identity',
    '@microsoft/microsoft-graph-client',
    'bullmq',
    'ioredis',
    'nodemailer',
    'kysely',
    'pg',
    'better-sqlite3',
    'undici',
    'zod',
    'pino',
  ];

  it('src/main.ts imports none of the heavy packages statically', () => {
    const loaded = staticPackages('src/main.ts');
    expect(heavy.filter((name) => loaded.has(name)).map((name) => `${name} (from ${loaded.get(name) ?? '?'})`)).toEqual(
      [],
    );
  });

  it('dirsync check loads the SDK of its own IdP only, Redis only for a worker, and the SCIM client only for SCIM', () => {
    const loaded = staticPackages('src/check/run-checks.ts');
    const perConnection = [
      '@okta/okta-sdk-nodejs',
      '@azure/identity',
      '@microsoft/microsoft-graph-client',
      'ioredis',
      'undici',
    ];
    expect(
      perConnection.filter((name) => loaded.has(name)).map((name) => `${name} (from ${loaded.get(name) ?? '?'})`),
    ).toEqual([]);
  });

  it('the composition root imports no connector or target implementation statically: each is loaded for its connection', () => {
    const { files } = staticImports('src/app.ts');
    expect(files.filter((file) => /^(connectors|src\/targets)\/[^/]+\//.test(file))).toEqual([]);
    expect(staticImports('connectors/sandbox/sandbox-connector.ts').files).toContain(
      'connectors/sandbox/sandbox-directory-file.ts',
    );
  });

  it('the walker does see a heavy package where one is imported (the test can fail)', () => {
    expect(staticPackages('src/check/check-graph.ts').has('@microsoft/microsoft-graph-client')).toBe(true);
  });
});
