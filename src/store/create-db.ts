import { createRequire } from 'node:module';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type * as PgModule from 'pg';
import type { Database } from './database.js';
import { withDatabaseFaults } from './database-fault-driver.js';
import { describeDatabase, type DatabaseLocation } from './database-url.js';
import { withRunWriters } from './run-writer-driver.js';
import { withStatementCache } from './statement-cache.js';

// How dirsync's sessions show in `pg_stat_activity`, for a DBA to tell them apart (and end them on purpose);
// an `application_name` parameter in DATABASE_URL takes precedence.
const POSTGRES_APPLICATION_NAME = 'dirsync';

/**
 * A Kysely instance over SQLite (embedded default) or PostgreSQL (production). A fault of the database itself
 * (connection lost, disk full…) surfaces as one `DatabaseError` naming the database (see DatabaseFaultDriver); each
 * session says which sync run it works for, if any (see RunWriterDriver).
 */
export function createDb(location: DatabaseLocation): Kysely<Database> {
  const database = describeDatabase(location);
  if (location.dialect === 'sqlite') {
    const sqlite = new SqliteDatabase(location.path);
    // WAL lets `dirsync status` read while a sync writes; the busy timeout covers a worker and a CLI at once.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    const dialect = new SqliteDialect({ database: withStatementCache(sqlite) });
    return new Kysely<Database>({
      dialect: withDatabaseFaults(withRunWriters(dialect, 'sqlite'), {
        database,
        inTransaction: () => sqlite.inTransaction,
      }),
    });
  }
  // The driver is loaded only for PostgreSQL: on SQLite its import (~60 ms) was paid by every CLI start.
  const pg = createRequire(import.meta.url)('pg') as typeof PgModule;
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    application_name: POSTGRES_APPLICATION_NAME,
    max: 5,
    connectionTimeoutMillis: 10_000,
    ...(location.schema === null ? {} : { options: `-c search_path=${quoteIdentifier(location.schema)}` }),
  });
  // An idle client that errors (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // pg-pool listens for a client's errors only while the client is idle. One checked out for a statement or a
  // transaction also emits 'error' when its connection dies, and with no listener that event would crash the
  // process. The statement in flight fails with the cause, a later one on that client fails as "not queryable"
  // (both become a DatabaseError), and pg-pool drops the client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return new Kysely<Database>({
    dialect: withDatabaseFaults(withRunWriters(new PostgresDialect({ pool }), 'postgres'), { database }),
  });
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
