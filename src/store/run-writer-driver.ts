import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';
import { currentRunWriter } from './run-writer.js';

export type RunWriterDialect = 'sqlite' | 'postgres';

/** The dialect, its driver wrapped in a RunWriterDriver. */
export function withRunWriters(dialect: Dialect, kind: RunWriterDialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new RunWriterDriver(dialect.createDriver(), kind),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  };
}

// The tables whose writes the state revision counts (migration noop-basis). SQLite's TEMP triggers below must watch
// the same tables and events as its persistent ones, or the two counters would drift apart: a table added to those
// is added here too (test/integration/state-revision.test.ts compares the two lists).
export const WATCHED_TABLES = ['app_users', 'app_groups', 'app_memberships', 'invites', 'ops', 'held_plans'] as const;

/**
 * Tells the database which sync run a session works for, so that the state-revision triggers can count the writes
 * of the run holding a connection's lease apart from everyone else's (migration run-writes). Each connection is
 * marked when it is acquired, for the run whose async context acquires it (`asRunWriter`), and unmarked when work
 * outside any run acquires it; a mark that is already right costs nothing.
 *
 * PostgreSQL: the session setting `dirsync.run_writer`, read by the trigger function at commit. SQLite: a TEMP table
 * holding the run's id, read by TEMP triggers of this connection's own (SQLite triggers in the database file cannot
 * see anything of one connection). A session dirsync did not open — psql, sqlite3 — carries no mark: its writes
 * are never a run's.
 */
export class RunWriterDriver implements Driver {
  /** The run each connection is marked for ('' for none); a fresh session carries no mark. */
  readonly #marks = new WeakMap<DatabaseConnection, string>();
  /** SQLite connections that have the TEMP table and triggers. */
  readonly #prepared = new WeakSet<DatabaseConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly kind: RunWriterDialect,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    const wanted = currentRunWriter() ?? '';
    if ((this.#marks.get(connection) ?? '') === wanted) return connection;
    try {
      await this.#mark(connection, wanted);
    } catch (error) {
      // Given back unmarked as far as we know: the next acquire marks it again.
      this.#marks.delete(connection);
      await this.inner.releaseConnection(connection);
      throw error;
    }
    this.#marks.set(connection, wanted);
    return connection;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.inner.savepoint === undefined) throw new Error('this database driver has no savepoints');
    await this.inner.savepoint(connection, name, compileQuery);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.inner.rollbackToSavepoint === undefined) throw new Error('this database driver has no savepoints');
    await this.inner.rollbackToSavepoint(connection, name, compileQuery);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.inner.releaseSavepoint === undefined) throw new Error('this database driver has no savepoints');
    await this.inner.releaseSavepoint(connection, name, compileQuery);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  async #mark(connection: DatabaseConnection, runId: string): Promise<void> {
    if (this.kind === 'postgres') {
      // Session-wide (not local to a transaction): a statement outside a transaction is the run's too. It is set
      // before any BEGIN, so no rollback takes it back.
      await connection.executeQuery(CompiledQuery.raw("select set_config('dirsync.run_writer', $1, false)", [runId]));
      return;
    }
    if (!this.#prepared.has(connection)) {
      // A connection that was never marked has no TEMP table yet: nothing to clear.
      if (runId === '') return;
      for (const statement of sqliteTempObjects()) await connection.executeQuery(CompiledQuery.raw(statement));
      this.#prepared.add(connection);
    }
    await connection.executeQuery(CompiledQuery.raw('delete from temp.dirsync_run_writer'));
    if (runId !== '') {
      await connection.executeQuery(
        CompiledQuery.raw('insert into temp.dirsync_run_writer (run_id) values (?)', [runId]),
      );
    }
  }
}

/**
 * SQLite: the TEMP table that holds the connection's run, and one TEMP trigger per watched table and event that
 * bumps `run_revision` for a row of the connection whose lease that run holds. Persistent triggers bump
 * `state_revision` for the same rows and events, whoever writes them.
 */
function sqliteTempObjects(): string[] {
  const statements = ['create temp table if not exists dirsync_run_writer (run_id text not null)'];
  for (const table of WATCHED_TABLES) {
    for (const [event, side] of [
      ['insert', 'new'],
      ['update', 'new'],
      ['delete', 'old'],
    ] as const) {
      statements.push(
        `create temp trigger if not exists dirsync_run_writes_${table}_${event} after ${event} on main.${table} ` +
          `when exists (select 1 from temp.dirsync_run_writer w join main.connection_leases l on l.run_id = w.run_id ` +
          `where l.connection_id = ${side}.connection_id) ` +
          `begin update connections set run_revision = run_revision + 1 where id = ${side}.connection_id; end`,
      );
    }
  }
  return statements;
}
