import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct SQL texts kept prepared; dirsync's queries are a few hundred shapes (IN-lists vary by batch size). */
const DEFAULT_CAPACITY = 512;

/**
 * better-sqlite3 behind Kysely with its prepared statements reused. Kysely's SQLite driver prepares every query
 * afresh, and parsing and planning the SQL cost more than running it for the small statements of applying an op
 * (a third of the database time of a 20 000-user first sync). Statements are kept by SQL text, least recently used
 * out first. A statement still iterating (a streamed select) is busy and cannot run again until it finishes: then
 * a fresh one is prepared, uncached.
 */
export function withStatementCache(sqlite: BetterSqlite, capacity = DEFAULT_CAPACITY): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare: (sql: string) => {
      const cached = statements.get(sql);
      if (cached !== undefined) {
        if (cached.busy) return sqlite.prepare(sql);
        // Map order is insertion order: re-inserting marks it most recently used.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) {
        const oldest = statements.keys().next().value;
        if (oldest !== undefined) statements.delete(oldest);
      }
      return statement;
    },
  };
}
