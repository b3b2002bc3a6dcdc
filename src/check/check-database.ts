import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { createDb } from '../store/create-db.js';
import type { Database } from '../store/database.js';
import { DatabaseUrlError, describeDatabase, parseDatabaseUrl } from '../store/database-url.js';
import type { DatabaseLocation } from '../store/database-url.js';
import { pendingMigrations } from '../store/migrate.js';
import { failed, passed } from './check-result.js';
import type { CheckResult } from './check-result.js';

const NAME = 'database';

export interface DatabaseCheckOptions {
  /** How long SQLite waits for a lock held by a running sync; default 15 s. */
  readonly timeoutMs?: number;
}

/**
 * Opens `DATABASE_URL`, runs `select 1` and lists pending migrations (a failure naming `dirsync migrate`).
 * Writes nothing: a SQLite file that does not exist is reported, not created, and an existing one is opened
 * read-only (SQLite may add its `-shm`/`-wal` companions to read a WAL database, as any reader does).
 * PostgreSQL is reached through the same pool as a sync, on a session set read-only.
 */
export async function checkDatabase(databaseUrl: string, options: DatabaseCheckOptions = {}): Promise<CheckResult> {
  let location: DatabaseLocation;
  try {
    location = parseDatabaseUrl(databaseUrl);
  } catch (error) {
    if (error instanceof DatabaseUrlError) return failed(NAME, error.message);
    throw error;
  }
  const where = describeDatabase(location);
  let db: Kysely<Database>;
  if (location.dialect === 'sqlite') {
    const opened = await openSqliteReadOnly(location.path, where, options.timeoutMs ?? 15_000);
    if ('problem' in opened) return failed(NAME, opened.problem);
    db = opened.db;
  } else {
    db = createDb(location);
  }
  try {
    const dialect = location.dialect;
    // One pinned connection, read-only on PostgreSQL too: should anything below try to write, the server refuses.
    const pending = await db.connection().execute(async (connection) => {
      if (dialect === 'postgres') await sql`set session characteristics as transaction read only`.execute(connection);
      await sql`select 1`.execute(connection);
      return pendingMigrations(connection);
    });
    if (pending.length > 0) {
      const count = pending.length === 1 ? '1 migration is' : `${pending.length} migrations are`;
      return failed(NAME, `${where}: ${count} not applied (${pending.join(', ')}): run \`dirsync migrate\``);
    }
    return passed(NAME, `${where}: connected, schema up to date`);
  } catch (error) {
    return failed(NAME, `${where}: ${diagnose(error, location)}`);
  } finally {
    await db.destroy().catch(() => undefined);
  }
}

async function openSqliteReadOnly(
  path: string,
  where: string,
  timeoutMs: number,
): Promise<{ db: Kysely<Database> } | { problem: string }> {
  if (path === ':memory:') {
    return { problem: `${where} is empty at every start: use a file, e.g. DATABASE_URL=sqlite:./dirsync.db` };
  }
  // Checked before opening: better-sqlite3 (like SQLite) creates a missing file, which a check must not do.
  let file: Stats;
  try {
    file = await stat(path);
  } catch (error) {
    const code = errorCode(error);
    // A relative path is relative to where dirsync runs: the absolute one says which file was looked for.
    const absolute = resolve(path);
    if (code === 'ENOENT') {
      return {
        problem: `${where} does not exist${absolute === path ? '' : ` (${absolute})`}: run \`dirsync migrate\` to create it, or fix DATABASE_URL`,
      };
    }
    return {
      problem: `${where} cannot be read (${code ?? messageOf(error)}): check DATABASE_URL and the file's permissions`,
    };
  }
  if (!file.isFile()) return { problem: `${where} is not a file: DATABASE_URL must name the database file` };
  try {
    const sqlite = new SqliteDatabase(path, { readonly: true, fileMustExist: true, timeout: timeoutMs });
    return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }) };
  } catch (error) {
    return {
      problem: `${where} cannot be opened (${messageOf(error)}): check DATABASE_URL and the file's permissions`,
    };
  }
}

/** What went wrong, and what to change: `DATABASE_URL`, the server, or the database's permissions. */
function diagnose(error: unknown, location: DatabaseLocation): string {
  const code = errorCode(error);
  const message = messageOf(error);
  if (location.dialect === 'sqlite') {
    if (code === 'SQLITE_NOTADB') return 'is not a SQLite database: check DATABASE_URL';
    return `cannot be read (${message}): check DATABASE_URL and the file's permissions`;
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT') {
    return `cannot be reached (${message}): check the host and port in DATABASE_URL and that PostgreSQL is up`;
  }
  if (code === '28P01' || code === '28000') {
    return `PostgreSQL refused the login (${message}): check the user and password in DATABASE_URL`;
  }
  if (code === '3D000') return `${message}: create the database or fix its name in DATABASE_URL`;
  if (code === '42501') return `${message}: grant the DATABASE_URL user read access to the schema dirsync uses`;
  if (/timeout/i.test(message)) {
    return `no answer from PostgreSQL (${message}): check the host and port in DATABASE_URL and that PostgreSQL is up`;
  }
  return `PostgreSQL failed the check (${message}): check DATABASE_URL`;
}

function errorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code: unknown = Reflect.get(error, 'code');
  return typeof code === 'string' ? code : undefined;
}

/** The first line of the error; a connection refused on every address of a name is an AggregateError. */
function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    const first: unknown = error.errors[0];
    return first instanceof Error ? first.message : (errorCode(error) ?? 'connection failed');
  }
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
