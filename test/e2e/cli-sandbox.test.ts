import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSandboxDirectory } from '../fixtures/generate-sandbox-directory.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli } from '../support/cli-process.js';

function lines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('the dirsync CLI on the sandbox directory (JSONL target, SQLite)', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'dirsync-cli-'));
    env = { DATABASE_URL: `sqlite:${join(dir, 'dirsync.db')}`, APP_JSONL_PATH: join(dir, 'changes.jsonl') };
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to sync an unmigrated database and names the command that fixes it', async () => {
    const result = await runCli(['sync'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not migrated.*run `dirsync migrate`/);
  });

  it('migrates, syncs the bundled sample with a summary, and a second sync applies nothing', async () => {
    expect((await runCli(['migrate'], env)).code).toBe(0);
    const first = await runCli(['sync'], env);
    expect(first.stderr).not.toMatch(/"level":(50|60)/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/created\s+\d+\s+\d+/);
    expect(first.stdout).toMatch(/invites/);
    // Every row adds up: all planned ops applied, none failed or skipped.
    expect(first.stdout).toMatch(/total\s+(\d+)\s+\1\s+0\s+0/);
    expect(first.stderr).toContain('invites are off (SMTP_URL is not set)');
    const written = lines(env['APP_JSONL_PATH']!).length;
    expect(written).toBeGreaterThan(30);

    const second = await runCli(['sync'], env);
    expect(second.code).toBe(0);
    expect(lines(env['APP_JSONL_PATH']!).length).toBe(written);

    const plan = await runCli(['plan'], env);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('(no changes)');

    const status = await runCli(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/connection default — sandbox/);
    expect(status.stdout).toMatch(/succeeded/);
  });

  it('holds a mass deactivation with exit 3 and says how to go on, then applies it when allowed', async () => {
    const directory = generateSandboxDirectory({ people: 60, groups: 3, seed: 7 });
    const file: TempSandboxDirectoryFile = await writeSandboxDirectoryFile(directory);
    const guarded = { ...env, DATABASE_URL: `sqlite:${join(dir, 'guard.db')}`, DIRSYNC_SANDBOX_FILE: file.path };
    try {
      expect((await runCli(['migrate'], guarded)).code).toBe(0);
      expect((await runCli(['sync'], guarded)).code).toBe(0);
      await file.write({ ...directory, users: directory.users.map((u) => ({ ...u, status: 'SUSPENDED' as const })) });
      const before = lines(env['APP_JSONL_PATH']!).length;
      const held = await runCli(['sync'], guarded);
      expect(held.code).toBe(3);
      expect(held.stdout).toContain('dirsync sync --allow-mass-deactivation');
      expect(held.stdout).toMatch(
        /would deactivate \d+ of \d+ active app users, more than the limit of \d+ \(DIRSYNC_MAX_DEACTIVATIONS\)/,
      );
      expect(lines(env['APP_JSONL_PATH']!).length).toBe(before);
      const allowed = await runCli(['sync', '--allow-mass-deactivation'], guarded);
      expect(allowed.code).toBe(0);
      expect(allowed.stdout).toMatch(/deactivated\s+\d+\s+[1-9]\d*/);
    } finally {
      await file.remove();
    }
  });

  it.each([
    [
      'a malformed DATABASE_URL',
      { DATABASE_URL: 'bogus://x' },
      /DATABASE_URL must start with sqlite: or postgres:\/\//,
    ],
    [
      'a malformed number',
      { SCIM_MAX_MEMBERS_PER_PATCH: 'lots' },
      /SCIM_MAX_MEMBERS_PER_PATCH must be a positive whole number/,
    ],
    ['a SCIM URL without its token', { APP_SCIM_URL: 'https://app.example.com/scim/v2' }, /APP_SCIM_TOKEN is required/],
    ['SMTP without a sender', { SMTP_URL: 'smtp://127.0.0.1:2525' }, /INVITE_FROM is required/],
    ['an unknown IdP', { DIRSYNC_IDP: 'ldap' }, /DIRSYNC_IDP/],
    [
      'an unreachable PostgreSQL',
      { DATABASE_URL: 'postgres://nobody:hunter2@127.0.0.1:1/nowhere' },
      /cannot reach the database postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/nowhere/,
    ],
    [
      'a database in a missing folder',
      { DATABASE_URL: 'sqlite:/nonexistent/dir/x.db' },
      /cannot open the database sqlite:\/nonexistent\/dir\/x\.db/,
    ],
  ])('exits 2 with a one-line error for %s', async (_label, overrides, message) => {
    const result = await runCli(['sync'], { ...env, ...overrides });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('rejects an unknown flag, suggests the right one, and points at --help', async () => {
    const result = await runCli(['sync', '--fulll'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--fulll'/);
    expect(result.stderr).toMatch(/Did you mean --full\?/);
    expect(result.stderr).toMatch(/dirsync --help/);
  });

  it('has --help on every command and --version', async () => {
    const version = await runCli(['--version'], {});
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    for (const command of ['migrate', 'sync', 'plan', 'status', 'connections', 'check', 'worker', 'resync']) {
      const help = await runCli([command, '--help'], {});
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(new RegExp(`Usage: dirsync ${command}`));
    }
    // Flags belong to their command.
    const misplaced = await runCli(['status', '--allow-mass-deactivation'], env);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(/unknown option/);
  }, 120_000);
});
