import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Kysely } from 'kysely';
import { createDb } from '../../src/store/create-db.js';
import type { Database } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { migrateToLatest } from '../../src/store/migrate.js';

/** PostgreSQL for tests: database `test` on 127.0.0.1:5432 (trust auth), overridable. */
export const TEST_POSTGRES_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly dialect: 'sqlite' | 'postgres';
  /** A DATABASE_URL a child process can use. */
  readonly url: string;
  readonly db: Kysely<Database>;
  destroy(): Promise<void>;
}

export const DIALECTS = ['sqlite', 'postgres'] as const;

/**
 * A fresh, migrated database: a temp SQLite file, or a PostgreSQL schema of its own (so test files running in
 * parallel never share tables, and dropping one never breaks another).
 */
export async function createTestDatabase(dialect: 'sqlite' | 'postgres', label: string): Promise<TestDatabase> {
  let url: string;
  let cleanup: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'dirsync-test-'));
    url = `sqlite:${join(dir, 'dirsync.db')}`;
    cleanup = () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    };
  } else {
    const schema = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.end();
    const u = new URL(TEST_POSTGRES_URL);
    u.searchParams.set('schema', schema);
    url = u.toString();
    cleanup = async () => {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    };
  }
  const db = createDb(parseDatabaseUrl(url));
  // Kysely's migrator introspects the tables of every schema it can see; a test file running beside this one
  // may drop its own schema in the middle of that ("schema … does not exist", "relation t_….… does not exist"). Only
  // that race is retried.
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrateToLatest(db);
    if (!error) break;
    const racing = error instanceof Error && /(schema "t_[^"]*"|relation "t_[^"]*") does not exist/.test(error.message);
    if (!racing || attempt === 5) throw error instanceof Error ? error : new Error('migration failed');
  }
  return {
    dialect,
    url,
    db,
    async destroy() {
      await db.destroy();
      await cleanup();
    },
  };
}
