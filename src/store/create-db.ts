import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import type { DatabaseLocation } from './database-url.js';

/** A Kysely instance over SQLite (embedded default) or PostgreSQL (production). */
export function createDb(location: DatabaseLocation): Kysely<Database> {
  if (location.dialect === 'sqlite') {
    const sqlite = new SqliteDatabase(location.path);
    // WAL lets `dirsync status` read while a sync writes; the busy timeout covers a worker and a CLI at once.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  }
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    max: 5,
    connectionTimeoutMillis: 10_000,
    ...(location.schema === null ? {} : { options: `-c search_path=${quoteIdentifier(location.schema)}` }),
  });
  // An idle client that errors (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
