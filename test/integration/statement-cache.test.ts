import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from '../../src/store/statement-cache.js';

describe('withStatementCache (better-sqlite3 behind Kysely)', () => {
  let sqlite: SqliteDatabase.Database;
  afterEach(() => {
    if (sqlite.open) sqlite.close();
  });

  it('prepares a SQL text once and reuses the statement', () => {
    sqlite = new SqliteDatabase(':memory:');
    const cached = withStatementCache(sqlite);
    const first = cached.prepare('SELECT 1 AS one');
    expect(cached.prepare('SELECT 1 AS one')).toBe(first);
    expect(cached.prepare('SELECT 2 AS two')).not.toBe(first);
  });

  it('drops the least recently used statement past its capacity', () => {
    sqlite = new SqliteDatabase(':memory:');
    const cached = withStatementCache(sqlite, 2);
    const a = cached.prepare('SELECT 1');
    const b = cached.prepare('SELECT 2');
    expect(cached.prepare('SELECT 1')).toBe(a); // now b is the least recently used
    cached.prepare('SELECT 3');
    expect(cached.prepare('SELECT 1')).toBe(a);
    expect(cached.prepare('SELECT 2')).not.toBe(b);
  });

  it('prepares a fresh statement while the cached one is still iterating', () => {
    sqlite = new SqliteDatabase(':memory:');
    sqlite.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)');
    const cached = withStatementCache(sqlite);
    const outer = cached.prepare('SELECT n FROM t ORDER BY n');
    const seen: unknown[] = [];
    for (const row of outer.iterate([])) {
      seen.push(row, cached.prepare('SELECT n FROM t ORDER BY n').all([]).length);
    }
    expect(seen).toEqual([{ n: 1 }, 3, { n: 2 }, 3, { n: 3 }, 3]);
  });

  it('sees a schema change made after the statement was cached (a migration in the same process)', async () => {
    sqlite = new SqliteDatabase(':memory:');
    const db = new Kysely<Record<string, Record<string, unknown>>>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    });
    await sql`CREATE TABLE people (id TEXT)`.execute(db);
    await sql`INSERT INTO people (id) VALUES ('a')`.execute(db);
    const all = async () => (await sql<Record<string, unknown>>`SELECT * FROM people`.execute(db)).rows;
    expect(await all()).toEqual([{ id: 'a' }]);
    await sql`ALTER TABLE people ADD COLUMN name TEXT DEFAULT 'Ada'`.execute(db);
    expect(await all()).toEqual([{ id: 'a', name: 'Ada' }]);
    await db.destroy();
    expect(sqlite.open).toBe(false);
  });

  it('keeps working when a statement failed (a constraint violation) and runs it again', async () => {
    sqlite = new SqliteDatabase(':memory:');
    const db = new Kysely<{ t: { id: string } }>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    });
    await sql`CREATE TABLE t (id TEXT PRIMARY KEY)`.execute(db);
    await db.insertInto('t').values({ id: 'x' }).execute();
    await expect(db.insertInto('t').values({ id: 'x' }).execute()).rejects.toThrow(/UNIQUE/);
    await db.insertInto('t').values({ id: 'y' }).execute();
    expect((await db.selectFrom('t').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual(['x', 'y']);
    await db.destroy();
  });
});
