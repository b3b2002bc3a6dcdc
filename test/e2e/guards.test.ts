import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDirectoryFile } from '../../connectors/sandbox/sandbox-directory-file.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { Queue } from 'bullmq';
import { assertBuilt, runCli, startCli, waitFor } from '../support/cli-process.js';
import { redisOptions, TEST_REDIS_URL } from '../support/test-redis.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const pad = (i: number) => String(i).padStart(2, '0');

/** 30 active people; 12 groups: Sales (g00) with 10 members, the others with 2. */
function directoryOf(): SandboxDirectoryFile {
  const users = Array.from({ length: 30 }, (_, i) => ({
    id: `u${pad(i)}`,
    userName: `u${pad(i)}@acme.example`,
    email: `u${pad(i)}@acme.example`,
    givenName: `Given${pad(i)}`,
    familyName: `Family${pad(i)}`,
    status: 'ACTIVE' as const,
  }));
  const groups = Array.from({ length: 12 }, (_, i) => ({
    id: `g${pad(i)}`,
    displayName: i === 0 ? 'Sales' : `Team ${pad(i)}`,
    members: i === 0 ? users.slice(0, 10).map((u) => u.id) : [`u${pad(10 + i)}`, `u${pad(20 + (i % 10))}`],
  }));
  return { users, groups };
}

function jsonl(path: string): { op: string; changes?: { active?: boolean } }[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { op: string; changes?: { active?: boolean } });
  } catch {
    return [];
  }
}

const deactivations = (path: string) =>
  jsonl(path).filter((r) => r.op === 'user.update' && r.changes?.active === false);
const groupDeletes = (path: string) => jsonl(path).filter((r) => r.op === 'group.delete');

describe('the guards and the source-anomaly hold, through the CLI (sandbox file, JSONL target)', () => {
  let dir: string;
  const files: TempSandboxDirectoryFile[] = [];
  const databases: TestDatabase[] = [];
  let cases = 0;

  beforeAll(() => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'dirsync-guards-'));
  });
  afterAll(async () => {
    await Promise.all([...databases.map((d) => d.destroy()), ...files.map((f) => f.remove())]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** A migrated database and a first sync of the full directory (exit 0). */
  async function synced(dialect: 'sqlite' | 'postgres', extra: Record<string, string> = {}) {
    const label = `guards_${++cases}`;
    const database = await createTestDatabase(dialect, label);
    databases.push(database);
    const directory = directoryOf();
    const file = await writeSandboxDirectoryFile(directory);
    files.push(file);
    const out = join(dir, `${label}.jsonl`);
    const env = { DATABASE_URL: database.url, APP_JSONL_PATH: out, DIRSYNC_SANDBOX_FILE: file.path, ...extra };
    const first = await runCli(['sync'], env);
    expect(first.stderr).not.toMatch(/"level":(50|60)/);
    expect(first.code).toBe(0);
    const mirror = async () => ({
      users: (await database.db.selectFrom('idp_users').select('id').execute()).length,
      groups: (await database.db.selectFrom('idp_groups').select('id').execute()).length,
      cursors: await database.db.selectFrom('cursors').select(['name', 'value']).orderBy('name').execute(),
    });
    const lastRun = () =>
      database.db
        .selectFrom('runs')
        .select(['status', 'error'])
        .orderBy('started_at', 'desc')
        .executeTakeFirstOrThrow();
    return { directory, file, out, env, mirror, lastRun };
  }

  it.each(DIALECTS)(
    'holds a directory that answers no groups (%s): exit 3, no group deleted, the mirror unchanged',
    async (dialect) => {
      const { directory, file, out, env, mirror, lastRun } = await synced(dialect);
      const before = { lines: jsonl(out).length, mirror: await mirror() };
      await file.write({ ...directory, groups: [] });
      const held = await runCli(['sync'], env);
      expect(held.code).toBe(3);
      expect(held.stdout).toContain('groups dropped from 12 to 0');
      expect(held.stdout).toContain(
        'An expired credential, a revoked scope or an IdP outage must never look like a mass departure',
      );
      expect(held.stdout).toContain('dirsync sync --allow-mass-deactivation');
      expect(held.stdout).toContain('DIRSYNC_MAX_SOURCE_DROP');
      expect(jsonl(out)).toHaveLength(before.lines);
      expect(await mirror()).toEqual(before.mirror);
      expect(await lastRun()).toMatchObject({
        status: 'held',
        error: expect.stringContaining('groups dropped from 12 to 0'),
      });

      // The groups are back: the held run left nothing to catch up on.
      await file.write(directory);
      const plan = await runCli(['plan'], env);
      expect(plan.code).toBe(0);
      expect(plan.stdout).toContain('(no changes)');

      await file.write({ ...directory, groups: [] });
      const allowed = await runCli(['sync', '--allow-mass-deactivation'], env);
      expect(allowed.code).toBe(0);
      expect(groupDeletes(out)).toHaveLength(12);
      expect(deactivations(out)).toHaveLength(0);
    },
    120_000,
  );

  it('holds a directory that answers no users: exit 3, nobody deactivated; allowed, everyone is', async () => {
    const { directory, file, out, env, mirror } = await synced('sqlite');
    const before = await mirror();
    await file.write({ users: [], groups: directory.groups.map((g) => ({ ...g, members: [] })) });
    const held = await runCli(['sync'], env);
    expect(held.code).toBe(3);
    expect(held.stdout).toContain('users dropped from 30 to 0');
    expect(deactivations(out)).toHaveLength(0);
    expect(await mirror()).toEqual(before);
    const allowed = await runCli(['sync', '--allow-mass-deactivation'], env);
    expect(allowed.code).toBe(0);
    expect(deactivations(out)).toHaveLength(30);
  }, 120_000);

  it('holds a read that lost 40% of the users (12 of 30), then applies it when allowed', async () => {
    const { directory, file, out, env } = await synced('sqlite');
    const kept = new Set(directory.users.slice(12).map((u) => u.id));
    await file.write({
      users: directory.users.filter((u) => kept.has(u.id)),
      groups: directory.groups.map((g) => ({ ...g, members: g.members.filter((m) => kept.has(m)) })),
    });
    const held = await runCli(['sync'], env);
    expect(held.code).toBe(3);
    expect(held.stdout).toContain('users dropped from 30 to 18 (DIRSYNC_MAX_SOURCE_DROP allows losing 10)');
    expect(deactivations(out)).toHaveLength(0);
    const allowed = await runCli(['sync', '--allow-mass-deactivation'], env);
    expect(allowed.code).toBe(0);
    expect(deactivations(out)).toHaveLength(12);
  }, 120_000);

  it('holds a plan that deletes 6 of 12 groups, naming DIRSYNC_MAX_GROUP_DELETES, then applies it when allowed', async () => {
    // Half the groups gone is also a source anomaly: let the read through to reach the group-delete guard.
    const { directory, file, out, env, mirror } = await synced('sqlite', { DIRSYNC_MAX_SOURCE_DROP: '60%' });
    await file.write({ ...directory, groups: directory.groups.slice(0, 6) });
    const held = await runCli(['sync'], env);
    expect(held.code).toBe(3);
    expect(held.stdout).toContain(
      'would delete 6 of 12 app groups, more than the limit of 5 (DIRSYNC_MAX_GROUP_DELETES)',
    );
    expect(held.stdout).toContain('or raise DIRSYNC_MAX_GROUP_DELETES');
    expect(groupDeletes(out)).toHaveLength(0);
    // A guard holds the plan, not the read: the mirror follows the directory.
    expect((await mirror()).groups).toBe(6);
    const allowed = await runCli(['sync', '--allow-mass-deactivation'], env);
    expect(allowed.code).toBe(0);
    expect(groupDeletes(out)).toHaveLength(6);
  }, 120_000);

  it('holds a plan that removes 6 of 10 members from one group, naming the group, then applies it when allowed', async () => {
    const { directory, file, out, env } = await synced('sqlite');
    const lines = jsonl(out).length;
    await file.write({
      ...directory,
      groups: directory.groups.map((g) => (g.id === 'g00' ? { ...g, members: g.members.slice(6) } : g)),
    });
    const plan = await runCli(['plan', '--json'], env);
    expect(plan.code).toBe(3);
    expect((JSON.parse(plan.stdout) as { held: unknown }).held).toEqual({
      trips: [
        {
          guard: 'member-removals',
          groupId: 'g00',
          groupName: 'Sales',
          count: 6,
          limit: 5,
          members: 10,
          message:
            'would remove 6 of 10 members from group Sales (g00), more than the limit of 5 (DIRSYNC_MAX_MEMBER_REMOVALS)',
        },
      ],
    });
    const held = await runCli(['sync'], env);
    expect(held.code).toBe(3);
    expect(held.stdout).toContain('would remove 6 of 10 members from group Sales (g00)');
    expect(jsonl(out)).toHaveLength(lines);
    const allowed = await runCli(['sync', '--allow-mass-deactivation'], env);
    expect(allowed.code).toBe(0);
    expect(jsonl(out).length).toBeGreaterThan(lines);
  }, 120_000);

  it('the worker never bypasses: its run of a directory without groups is recorded held and deletes nothing', async () => {
    const queueName = `dirsync-test-guards-${process.pid}-${Date.now().toString(36)}`;
    const queue = new Queue(queueName, { connection: redisOptions(TEST_REDIS_URL) });
    const { directory, file, out, env, lastRun } = await synced('postgres', {
      DIRSYNC_CONNECTION_ID: `guards-${process.pid}`,
      REDIS_URL: TEST_REDIS_URL,
      DIRSYNC_QUEUE: queueName,
      SYNC_INTERVAL: '1h',
    });
    const lines = jsonl(out).length;
    await file.write({ ...directory, groups: [] });
    const worker = startCli(['worker'], env);
    try {
      const run = await waitFor(
        'the worker’s first run',
        async () => {
          const last = await lastRun();
          return last.status !== 'succeeded' && last.status !== 'running' ? last : undefined;
        },
        60_000,
      );
      expect(run).toMatchObject({ status: 'held', error: expect.stringContaining('groups dropped from 12 to 0') });
      expect(jsonl(out)).toHaveLength(lines);
      expect(groupDeletes(out)).toHaveLength(0);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }, 120_000);
});
