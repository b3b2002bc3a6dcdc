import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { parseDatabaseUrl } from '../../src/store/database-url.js';

/** A session dirsync did not open, as a person at `psql` or `sqlite3` has: plain SQL, no dirsync driver around it. */
export interface SqlPrompt {
  /** Runs one statement; `?` placeholders on both databases. */
  run(statement: string, params?: readonly unknown[]): Promise<void>;
  close(): Promise<void>;
}

export async function openSqlPrompt(url: string): Promise<SqlPrompt> {
  const location = parseDatabaseUrl(url);
  if (location.dialect === 'sqlite') {
    const sqlite = new SqliteDatabase(location.path);
    sqlite.pragma('busy_timeout = 5000');
    return {
      run: (statement, params = []) => {
        sqlite.prepare(statement).run(...params);
        return Promise.resolve();
      },
      close: () => {
        sqlite.close();
        return Promise.resolve();
      },
    };
  }
  const client = new pg.Client({
    connectionString: location.connectionString,
    ...(location.schema === null ? {} : { options: `-c search_path="${location.schema}"` }),
  });
  await client.connect();
  return {
    run: async (statement, params = []) => {
      let n = 0;
      await client.query(
        statement.replace(/\?/g, () => `$${++n}`),
        [...params],
      );
    },
    close: () => client.end(),
  };
}
