import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJsonl } from '../../../src/check/check-jsonl.js';
import type { CheckResult } from '../../../src/check/check-result.js';

const VITE_NODE = join(import.meta.dirname, '..', '..', '..', 'node_modules', 'vite-node', 'vite-node.mjs');
const NOBODY = 65534;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dirsync-check-jsonl-'));
  // Reachable by the unprivileged user of the permission test.
  chmodSync(dir, 0o755);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Whether the unprivileged user can run the driver at all: a checkout inside a directory only root may enter
 * (CI clones into a `mktemp -d` folder, mode 700) leaves `nobody` without the project's files.
 */
function unprivilegedCanRun(): boolean {
  if (process.getuid?.() !== 0) return true;
  try {
    execFileSync(process.execPath, ['-e', `require('node:fs').accessSync(${JSON.stringify(VITE_NODE)})`], {
      uid: NOBODY,
      gid: NOBODY,
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * `checkJsonl` as a user who may not write everywhere: root may, so as root it runs in a child process as
 * `nobody`; otherwise in this process.
 */
async function checkUnprivileged(path: string): Promise<CheckResult> {
  if (process.getuid?.() !== 0) return checkJsonl(path);
  const script = join(import.meta.dirname, 'check-jsonl-driver.ts');
  const { stdout } = await promisify(execFile)(process.execPath, [VITE_NODE, script, path], {
    uid: NOBODY,
    gid: NOBODY,
    env: { PATH: process.env['PATH'] ?? '' },
  });
  return JSON.parse(stdout) as CheckResult;
}

describe('checkJsonl', () => {
  it('passes for a new file in a writable directory and does not create it', async () => {
    const path = join(dir, 'changes.jsonl');

    const result = await checkJsonl(path);

    expect(result).toEqual({
      name: 'jsonl file',
      ok: true,
      detail: `${path} does not exist yet; the first applied change creates it`,
    });
    expect(existsSync(path)).toBe(false);
  });

  it('passes for an existing file it can append to, leaving it as it was', async () => {
    const path = join(dir, 'existing.jsonl');
    writeFileSync(path, '{"op":"user.create"}\n');

    const result = await checkJsonl(path);

    expect(result).toEqual({
      name: 'jsonl file',
      ok: true,
      detail: `${path} exists (21 bytes) and can be appended to`,
    });
    expect(readdirSync(dir)).toEqual(['existing.jsonl']);
  });

  it('passes when the directory is missing but its parent is writable (the target creates it), creating nothing', async () => {
    const path = join(dir, 'out', 'daily', 'changes.jsonl');

    const result = await checkJsonl(path);

    expect(result.ok).toBe(true);
    expect(result.detail).toBe(
      `${path} does not exist yet; the first applied change creates it (${join(dir, 'out', 'daily')} too: ${dir} is writable)`,
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('fails when APP_JSONL_PATH is a directory', async () => {
    const result = await checkJsonl(dir);

    expect(result).toEqual({
      name: 'jsonl file',
      ok: false,
      detail: `APP_JSONL_PATH ${dir} is not a file: give a file path, e.g. ${dir}/changes.jsonl`,
    });
  });

  it('fails when the path runs through a file, for any user (root included)', async () => {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');

    const result = await checkJsonl(join(blocker, 'out', 'changes.jsonl'));

    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(
      /^APP_JSONL_PATH .* lies under .*not-a-folder, which is not a directory|cannot be inspected \(ENOTDIR\)/,
    );
  });

  // Root writes everywhere: the permission case needs an unprivileged user who can reach the project's files.
  it.skipIf(!unprivilegedCanRun())('fails when the directory is not writable, saying what to fix', async () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);

    const result = await checkUnprivileged(join(locked, 'changes.jsonl'));

    expect(result).toEqual({
      name: 'jsonl file',
      ok: false,
      detail: `${locked} is not writable by this user (EACCES): fix its permissions or choose another APP_JSONL_PATH`,
    });
    expect(readdirSync(locked)).toEqual([]);
  });
});
