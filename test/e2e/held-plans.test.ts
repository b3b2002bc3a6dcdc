import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDirectoryFile } from '../../connectors/sandbox/sandbox-directory-file.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli, startCli, waitFor } from '../support/cli-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { redisOptions, TEST_REDIS_URL } from '../support/test-redis.js';

const pad = (i: number) => String(i).padStart(2, '0');
const PLAN_ID = /held as plan (p-[0-9A-Z]{6})/;

/** 30 active people in three groups of 10. */
function directoryOf(): SandboxDirectoryFile {
  const users = Array.from({ length: 30 }, (_, i) => ({
    id: `u${pad(i)}`,
    userName: `u${pad(i)}@acme.example`,
    email: `u${pad(i)}@acme.example`,
    givenName: `Given${pad(i)}`,
    familyName: `Family${pad(i)}`,
    status: 'ACTIVE' as const,
  }));
  const groups = Array.from({ length: 3 }, (_, i) => ({
    id: `g${i}`,
    displayName: `Team ${i}`,
    members: users.slice(i * 10, i * 10 + 10).map((u) => u.id),
  }));
  return { users, groups };
}

/** The directory with the first `n` people suspended: `n` deactivations, over the guard's 10 when n > 10. */
function suspended(directory: SandboxDirectoryFile, n: number): SandboxDirectoryFile {
  return {
    ...directory,
    users: directory.users.map((u, i) => (i < n ? { ...u, status: 'SUSPENDED' as const } : u)),
  };
}

interface JsonlLine {
  op: string;
  /** `u-<externalId>` for users (the JSONL target's app ids). */
  appId?: string;
  changes?: { active?: boolean };
}

function deactivated(path: string): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as JsonlLine)
      .filter((r) => r.op === 'user.update' && r.changes?.active === false)
      .map((r) => (r.appId ?? '?').replace(/^u-/, ''));
  } catch {
    return [];
  }
}

interface PlansJson {
  plans: {
    id: string;
    status: string;
    connection: string;
    opCount: number;
    destructive: number;
    appliedRun: string | null;
  }[];
}

describe('held plans: stored with an id, listed, shown, approved or rejected, applied by the next run (CLI and worker)', () => {
  let dir: string;
  const files: TempSandboxDirectoryFile[] = [];
  const databases: TestDatabase[] = [];
  let cases = 0;

  beforeAll(() => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'dirsync-held-plans-'));
  });
  afterAll(async () => {
    await Promise.all([...databases.map((d) => d.destroy()), ...files.map((f) => f.remove())]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  async function synced(dialect: 'sqlite' | 'postgres', extra: Record<string, string> = {}) {
    const label = `held_${++cases}`;
    const database = await createTestDatabase(dialect, label);
    databases.push(database);
    const directory = directoryOf();
    const file = await writeSandboxDirectoryFile(directory);
    files.push(file);
    const out = join(dir, `${label}.jsonl`);
    const env = { DATABASE_URL: database.url, APP_JSONL_PATH: out, DIRSYNC_SANDBOX_FILE: file.path, ...extra };
    const first = await runCli(['sync'], env);
    expect(first.code, first.stderr).toBe(0);
    const plans = async (...args: string[]) => {
      const listed = await runCli(['plans', '--json', ...args], env);
      expect(listed.code, listed.stderr).toBe(0);
      return (JSON.parse(listed.stdout) as PlansJson).plans;
    };
    /** A sync that must be held: its exit code 3 and the plan id it names. */
    const heldSync = async () => {
      const held = await runCli(['sync'], env);
      expect(held.code, held.stdout + held.stderr).toBe(3);
      const id = PLAN_ID.exec(held.stdout)?.[1];
      expect(id, held.stdout).toBeDefined();
      return { id: id ?? '', stdout: held.stdout };
    };
    return { database, directory, file, out, env, plans, heldSync };
  }

  it.each(DIALECTS)(
    'a held deactivation plan keeps its id while it recurs, is shown by name, approved, and applied by the next sync (%s)',
    async (dialect) => {
      const { directory, file, out, env, plans, heldSync } = await synced(dialect);
      await file.write(suspended(directory, 12));
      const first = await heldSync();
      expect(first.stdout).toContain('would deactivate 12 of 30 active app users, more than the limit of 10');
      expect(first.stdout).toContain(`dirsync approve ${first.id}`);
      expect(deactivated(out)).toHaveLength(0);

      // The worker (or a person) runs again before anyone decides: the same hold keeps its id.
      const again = await heldSync();
      expect(again.id).toBe(first.id);
      expect(await plans()).toEqual([
        // 12 deactivations and their 12 memberships removed.
        expect.objectContaining({ id: first.id, status: 'held', opCount: expect.any(Number), destructive: 24 }),
      ]);

      const status = await runCli(['status'], env);
      expect(status.stdout).toContain(`plan:      ${first.id} held since`);
      expect(status.stdout).toContain(`dirsync approve ${first.id}`);

      const show = await runCli(['plan', 'show', first.id.toLowerCase()], env);
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toContain(`plan ${first.id} — connection default, held`);
      expect(show.stdout).toContain('deactivate');
      expect(show.stdout).toContain('u00@acme.example (Given00 Family00)');
      expect(show.stdout).toContain('u11@acme.example');
      expect(show.stdout).not.toContain('u12@acme.example (Given12');

      const approve = await runCli(['approve', first.id], env);
      expect(approve.code, approve.stderr).toBe(0);
      expect(approve.stdout).toContain(`approved plan ${first.id}`);
      const twice = await runCli(['approve', first.id], env);
      expect(twice.code).toBe(0);
      expect(twice.stdout).toContain('already approved');

      const applied = await runCli(['sync'], env);
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      expect(applied.stdout).toContain(`approved: plan ${first.id}`);
      expect(deactivated(out).sort()).toEqual(directory.users.slice(0, 12).map((u) => u.id));
      const [record] = await plans('--all');
      expect(record).toMatchObject({ id: first.id, status: 'applied', appliedRun: expect.any(String) });
      expect(await plans()).toEqual([]);
    },
    180_000,
  );

  it('an approval covers the same destructive ops or fewer; more is held again under a new id', async () => {
    const { directory, file, out, env, plans, heldSync } = await synced('sqlite');
    await file.write(suspended(directory, 13));
    const held = await heldSync();
    expect((await runCli(['approve', held.id], env)).code).toBe(0);

    // The directory now asks for one more deactivation than was approved: held again, the approval superseded.
    await file.write(suspended(directory, 14));
    const more = await heldSync();
    expect(more.id).not.toBe(held.id);
    expect(deactivated(out)).toHaveLength(0);
    const all = await plans('--all');
    expect(all.find((p) => p.id === held.id)?.status).toBe('superseded');
    const superseded = await runCli(['approve', held.id], env);
    expect(superseded.code).toBe(2);
    expect(superseded.stderr).toContain('superseded');

    // Approved, and by the next run one person is back (fewer deactivations): still covered, applied.
    expect((await runCli(['approve', more.id], env)).code).toBe(0);
    await file.write(suspended(directory, 13));
    const fewer = await runCli(['sync'], env);
    expect(fewer.code, fewer.stdout).toBe(0);
    expect(deactivated(out)).toHaveLength(13);
  }, 180_000);

  it('a held plan still provisions what it builds: a new hire is created while the deactivations wait', async () => {
    const { directory, file, out, heldSync } = await synced('sqlite');
    const hire = {
      id: 'u99',
      userName: 'hire@acme.example',
      email: 'hire@acme.example',
      givenName: 'New',
      familyName: 'Hire',
      status: 'ACTIVE' as const,
    };
    const changed = suspended(directory, 12);
    await file.write({
      users: [...changed.users, hire],
      groups: changed.groups.map((g) => (g.id === 'g2' ? { ...g, members: [...g.members, 'u99'] } : g)),
    });
    const held = await heldSync();
    expect(held.stdout).toContain('nothing destructive was applied; the rest was');
    const lines = readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { op: string; externalId?: string; appId?: string; changes?: unknown });
    expect(lines.filter((r) => r.op === 'user.create' && r.externalId === 'u99')).toHaveLength(1);
    expect(lines.some((r) => r.op === 'group.update' && JSON.stringify(r.changes).includes('u-u99'))).toBe(true);
    expect(deactivated(out)).toHaveLength(0);
    // Nothing constructive is left for the next run: the same hold, the same id, and no second create.
    const again = await heldSync();
    expect(again.id).toBe(held.id);
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean)).toHaveLength(lines.length);
  }, 180_000);

  it('a rejected plan applies nothing; the next run, still asked for it, holds it again under a new id', async () => {
    const { directory, file, out, env, plans, heldSync } = await synced('postgres');
    await file.write(suspended(directory, 12));
    const held = await heldSync();
    const reject = await runCli(['reject', held.id], env);
    expect(reject.code, reject.stderr).toBe(0);
    expect(reject.stdout).toContain(`rejected plan ${held.id}`);
    expect((await runCli(['approve', held.id], env)).code).toBe(2);
    const next = await heldSync();
    expect(next.id).not.toBe(held.id);
    expect(deactivated(out)).toHaveLength(0);
    expect((await plans('--all')).map((p) => [p.id, p.status])).toEqual(
      expect.arrayContaining([
        [held.id, 'rejected'],
        [next.id, 'held'],
      ]),
    );
  }, 180_000);

  it('a source anomaly is held as a plan without ops; approving lets the next read in, and the guards still judge', async () => {
    const { directory, file, out, env, database, heldSync } = await synced('sqlite');
    await file.write({ users: [], groups: directory.groups.map((g) => ({ ...g, members: [] })) });
    const anomaly = await heldSync();
    expect(anomaly.stdout).toContain('users dropped from 30 to 0');
    const show = await runCli(['plan', 'show', anomaly.id], env);
    expect(show.stdout).toContain('no ops: the read was held before planning');
    expect((await runCli(['approve', anomaly.id], env)).code).toBe(0);

    // The read goes into the mirror; the 30 deactivations it implies trip the deactivation guard: a new hold.
    const guarded = await heldSync();
    expect(guarded.id).not.toBe(anomaly.id);
    expect(guarded.stdout).toContain('would deactivate 30 of 30 active app users');
    expect((await database.db.selectFrom('idp_users').select('id').execute()).length).toBe(0);
    expect(deactivated(out)).toHaveLength(0);
    expect((await runCli(['approve', guarded.id], env)).code).toBe(0);
    const applied = await runCli(['sync'], env);
    expect(applied.code, applied.stdout).toBe(0);
    expect(deactivated(out)).toHaveLength(30);
  }, 180_000);

  it('the worker applies a plan an operator approved, on its next run', async () => {
    const queueName = `dirsync-test-held-${process.pid}-${Date.now().toString(36)}`;
    const queue = new Queue(queueName, { connection: redisOptions(TEST_REDIS_URL) });
    const { directory, file, out, env, plans, heldSync } = await synced('postgres', {
      DIRSYNC_CONNECTION_ID: `held-${process.pid}`,
      REDIS_URL: TEST_REDIS_URL,
      DIRSYNC_QUEUE: queueName,
      SYNC_INTERVAL: '1h',
    });
    await file.write(suspended(directory, 12));
    const held = await heldSync();
    expect((await runCli(['approve', held.id], env)).code).toBe(0);
    const worker = startCli(['worker'], env);
    try {
      await waitFor(
        'the worker to apply the approved plan',
        async () => ((await plans('--all')).find((p) => p.id === held.id)?.status === 'applied' ? true : undefined),
        60_000,
      );
      expect(deactivated(out)).toHaveLength(12);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }, 180_000);

  it('names what it cannot find: an unknown plan id or op key exits 2', async () => {
    const { env } = await synced('sqlite');
    const unknownPlan = await runCli(['approve', 'p-ZZZZZZ'], env);
    expect(unknownPlan.code).toBe(2);
    expect(unknownPlan.stderr).toContain('no held plan "p-ZZZZZZ"');
    const unknownOp = await runCli(['approve', 'user.create:default:nobody'], env);
    expect(unknownOp.code).toBe(2);
    expect(unknownOp.stderr).toContain('nothing to approve');
    const show = await runCli(['plan', 'show', 'nonsense'], env);
    expect(show.code).toBe(2);
    const reject = await runCli(['reject', 'p-ZZZZZZ'], env);
    expect(reject.code).toBe(2);
    const none = await runCli(['plans'], env);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('no held or approved plans');
  }, 120_000);
});
