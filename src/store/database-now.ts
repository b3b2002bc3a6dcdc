import { PostgresAdapter, sql, SqliteAdapter, type Kysely, type RawBuilder } from 'kysely';

/** The database's current time as SQL fragments, to be evaluated inside the statement that uses them. */
export interface DatabaseNow {
  /** Epoch milliseconds, an integer (a bigint on PostgreSQL, which pg returns as a string). */
  readonly epochMs: RawBuilder<number>;
  /** ISO-8601 UTC text with milliseconds, e.g. `2026-12-06T10:00:00.123Z`, the same shape as `toISOString()`. */
  readonly iso: RawBuilder<string>;
}

/**
 * The time by the DATABASE's clock, never the process's: every process that shares the database then agrees on
 * it, so one machine with a wrong clock cannot expire or stretch what another wrote. On PostgreSQL this is
 * `clock_timestamp()` (the wall clock at evaluation, not the transaction start); on SQLite `'now'`, which
 * SQLite holds still for the whole statement. Throws for a dialect other than PostgreSQL and SQLite.
 */
export function databaseNow<DB>(db: Kysely<DB>): DatabaseNow {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) {
    return {
      epochMs: sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`,
      iso: sql<string>`to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    };
  }
  if (adapter instanceof SqliteAdapter) {
    return {
      // 2440587.5 is the Julian day of the Unix epoch; round, not truncate, so 0.999… ms float error is not 1 ms off.
      epochMs: sql<number>`cast(round((julianday('now') - 2440587.5) * 86400000) as integer)`,
      iso: sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
    };
  }
  throw new Error(`the database's clock is known for PostgreSQL and SQLite only, not ${adapter.constructor.name}`);
}
