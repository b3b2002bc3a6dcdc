import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDatabase } from '../../../src/check/check-database.js';
import { createTestDatabase, TEST_POSTGRES_URL } from '../../support/test-databases.js';
import type { TestDatabase } from '../../support/test-databases.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dirsync-check-db-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('checkDatabase on SQLite', () => {
  let migrated: TestDatabase;

  beforeAll(async () => {
    migrated = await createTestDatabase('sqlite', 'check');
    // Closed, as a database between two runs is: the check opens it on its own.
    await migrated.db.destroy();
  });

  afterAll(async () => {
    await migrated.destroy().catch(() => undefined);
  });

  it('passes on a migrated database and says the schema is up to date', async () => {
    const result = await checkDatabase(migrated.url);

    expect(result).toEqual({ name: 'database', ok: true, detail: `${migrated.url}: connected, schema up to date` });
  });

  it('fails on a path that does not exist, names `dirsync migrate`, and does not create the file', async () => {
    const path = join(dir, 'fresh.db');

    const result = await checkDatabase(`sqlite:${path}`);

    expect(result.ok).toBe(false);
    expect(result.detail).toBe(
      `sqlite:${path} does not exist: run \`dirsync migrate\` to create it, or fix DATABASE_URL`,
    );
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((file) => file.startsWith('fresh.db'))).toEqual([]);
  });

  it('fails on an existing but unmigrated database, naming the pending migrations, and leaves it empty', async () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');

    const result = await checkDatabase(`sqlite:${path}`);

    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(
      new RegExp(
        `^sqlite:${path}: \\d+ migrations? (is|are) not applied \\(2026-11-23T00-00-00_initial.*\\): run \`dirsync migrate\`$`,
      ),
    );
    expect(readdirSync(dir).filter((file) => file.startsWith('empty.db'))).toEqual(['empty.db']);
  });

  it('fails on a file that is not a SQLite database', async () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'these are not the tables you are looking for');

    const result = await checkDatabase(`sqlite:${path}`);

    expect(result).toEqual({
      name: 'database',
      ok: false,
      detail: `sqlite:${path}: is not a SQLite database: check DATABASE_URL`,
    });
  });

  it('fails on a DATABASE_URL of another scheme, naming the expected ones', async () => {
    const result = await checkDatabase('mysql://root:hunter22@db/app');

    expect(result.ok).toBe(false);
    expect(result.detail).toContain('DATABASE_URL must start with sqlite: or postgres://');
    expect(result.detail).not.toContain('hunter22');
  });
});

describe('checkDatabase on PostgreSQL', () => {
  let migrated: TestDatabase;

  beforeAll(async () => {
    migrated = await createTestDatabase('postgres', 'check');
  });

  afterAll(async () => {
    await migrated.destroy();
  });

  it('passes on a migrated schema', async () => {
    const result = await checkDatabase(migrated.url);

    expect(result.ok).toBe(true);
    expect(result.detail).toMatch(
      /^postgres:\/\/postgres@127\.0\.0\.1:5432\/test \(schema t_check_\S+\): connected, schema up to date$/,
    );
  });

  it('fails on a schema that was never migrated, names `dirsync migrate`, and creates nothing', async () => {
    const schema = `t_check_unmigrated_${process.pid}_${Date.now().toString(36)}`;
    const url = new URL(TEST_POSTGRES_URL);
    url.searchParams.set('schema', schema);

    const result = await checkDatabase(url.toString());

    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/not applied \(2026-11-23T00-00-00_initial.*\): run `dirsync migrate`$/);
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    try {
      const found = await admin.query('select 1 from information_schema.schemata where schema_name = $1', [schema]);
      expect(found.rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });

  it('fails on a closed port, naming the host and port to check, without the password', async () => {
    const result = await checkDatabase('postgres://dirsync:hunter22@127.0.0.1:1/dirsync', { timeoutMs: 2_000 });

    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(
      /^postgres:\/\/dirsync:\*\*\*@127\.0\.0\.1:1\/dirsync: cannot be reached \(.*ECONNREFUSED.*\): check the host and port in DATABASE_URL and that PostgreSQL is up$/,
    );
    expect(result.detail).not.toContain('hunter22');
  });

  it('fails on a database that does not exist, saying to create it', async () => {
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = '/dirsync_check_no_such_db';

    const result = await checkDatabase(url.toString());

    expect(result.ok).toBe(false);
    expect(result.detail).toContain('database "dirsync_check_no_such_db" does not exist: create the database');
  });
});
