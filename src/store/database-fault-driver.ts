import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { classifyDatabaseFault, DatabaseError } from './database-error.js';

export interface DatabaseFaultOptions {
  /** The database as messages name it: `describeDatabase`, never a password. */
  readonly database: string;
  /** SQLite: whether its handle still has a transaction open (SQLite rolls some back on its own). */
  readonly inTransaction?: () => boolean;
}

/** The dialect, its driver wrapped in a DatabaseFaultDriver. */
export function withDatabaseFaults(dialect: Dialect, options: DatabaseFaultOptions): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new DatabaseFaultDriver(dialect.createDriver(), options),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  };
}

/**
 * Wraps a Kysely driver so that a fault of the database itself (connection lost, disk full, I/O error, read-only,
 * corrupt, locked: see `DatabaseFaultKind`) surfaces as one `DatabaseError` naming the database, and is never
 * hidden behind the failure of the rollback that follows it. A statement the database rejects (a constraint, a
 * syntax error) keeps the driver's own error.
 *
 * Until the database has answered one statement, its errors are left as the driver's: the start-up checks
 * (`dirsync migrate`, the migration check before a run, `dirsync check`) name the database and say it cannot be
 * reached or opened.
 */
export class DatabaseFaultDriver implements Driver {
  private answered = false;
  private readonly connections = new WeakMap<DatabaseConnection, FaultConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly options: DatabaseFaultOptions,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.guard(() => this.inner.acquireConnection());
    // The same wrapper for the same connection: Kysely keeps per-connection state by identity.
    let wrapped = this.connections.get(connection);
    if (wrapped === undefined) {
      wrapped = new FaultConnection(connection, this);
      this.connections.set(connection, wrapped);
    }
    return wrapped;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.guard(() => this.inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.commitTransaction(unwrap(connection)));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.rollbackTransaction(unwrap(connection));
    } catch (error) {
      // Kysely throws the rollback's error in place of the one that made it roll back. A transaction whose
      // connection is gone was rolled back by the server, and SQLite rolls a transaction back on its own after
      // SQLITE_FULL, SQLITE_IOERR and others ("cannot rollback - no transaction is active"): nothing is left to
      // undo, and the first error is the one the operator must read.
      if (classifyDatabaseFault(error)?.kind === 'connection-lost' || this.options.inTransaction?.() === false) return;
      throw this.translate(error);
    }
  }

  savepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    return this.guard(async () => {
      if (this.inner.savepoint === undefined) throw new Error('this database driver has no savepoints');
      await this.inner.savepoint(unwrap(connection), name, compileQuery);
    });
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.guard(async () => {
      if (this.inner.rollbackToSavepoint === undefined) throw new Error('this database driver has no savepoints');
      await this.inner.rollbackToSavepoint(unwrap(connection), name, compileQuery);
    });
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.guard(async () => {
      if (this.inner.releaseSavepoint === undefined) throw new Error('this database driver has no savepoints');
      await this.inner.releaseSavepoint(unwrap(connection), name, compileQuery);
    });
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  /** @internal Called by the connections: the database answered a statement. */
  markAnswered(): void {
    this.answered = true;
  }

  /** @internal The error to throw for a driver error: a DatabaseError when it is a fault. */
  translate(error: unknown): unknown {
    if (!this.answered || error instanceof DatabaseError) return error;
    const fault = classifyDatabaseFault(error);
    return fault === null ? error : new DatabaseError(this.options.database, fault, { cause: error });
  }

  private async guard<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      throw this.translate(error);
    }
  }
}

class FaultConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly driver: DatabaseFaultDriver,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const result = await this.inner.executeQuery<R>(compiledQuery);
      this.driver.markAnswered();
      return result;
    } catch (error) {
      throw this.driver.translate(error);
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
    } catch (error) {
      throw this.driver.translate(error);
    }
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof FaultConnection ? connection.inner : connection;
}
