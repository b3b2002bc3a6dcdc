import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSandbox } from '../../../src/check/check-sandbox.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dirsync-check-sandbox-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('checkSandbox', () => {
  it('passes on the bundled sample when DIRSYNC_SANDBOX_FILE is unset, with its counts', async () => {
    const result = await checkSandbox(undefined);

    expect(result.name).toBe('sandbox file');
    expect(result.ok).toBe(true);
    expect(result.detail).toMatch(/^the bundled sample holds \d+ users and \d+ groups$/);
  });

  it('fails on a file that does not parse, naming the entry and the field', async () => {
    const path = join(dir, 'directory.json');
    writeFileSync(
      path,
      JSON.stringify({
        users: [
          { id: 'u1', userName: 'ann', email: 'not-an-email', givenName: 'Ann', familyName: 'T', status: 'ACTIVE' },
        ],
        groups: [],
      }),
    );

    const result = await checkSandbox(path);

    expect(result.ok).toBe(false);
    expect(result.detail).toBe(
      `DIRSYNC_SANDBOX_FILE ${path}: users[0] (id "u1") email: must be one e-mail address (name@domain)`,
    );
  });

  it('fails on a file that does not exist, naming the path', async () => {
    const path = join(dir, 'missing.json');

    const result = await checkSandbox(path);

    expect(result).toEqual({
      name: 'sandbox file',
      ok: false,
      detail: `DIRSYNC_SANDBOX_FILE ${path} cannot be read (ENOENT): check the path`,
    });
  });
});
