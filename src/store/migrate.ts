import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  Migrator,
  PostgresAdapter,
  sql,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResult,
} from 'kysely';
import type { Database } from './database.js';

// src/store (or dist/src/store) → migrations/ (or dist/migrations/): the same relative path from both.
const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

/**
 * Loads `migrations/*.ts|js` with our own dynamic import: Kysely's FileMigrationProvider imports from inside
 * node_modules, which cannot load TypeScript sources under the test runner.
 */
class MigrationFolder implements MigrationProvider {
  constructor(private readonly folder: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.folder)).filter(
      (file) => /\.(ts|js)$/.test(file) && !file.endsWith('.d.ts') && !file.endsWith('.map'),
    );
    const migrations: Record<string, Migration> = {};
    for (const file of files.sort()) {
      const module = (await import(pathToFileURL(join(this.folder, file)).href)) as Migration;
      migrations[file.replace(/\.(ts|js)$/, '')] = module;
    }
    return migrations;
  }
}

// Kysely looks for its own migration tables in every schema it can see: on a PostgreSQL database where
// another schema (another tenant, another app, another test) has them, it would skip creating ours. Pinning
// them to the connection's current schema keeps each schema's migrations its own.
function migrator(db: Kysely<Database>, schema: string | null): Migrator {
  const provider = new MigrationFolder(MIGRATIONS_DIR);
  return new Migrator({ db, provider, ...(schema === null ? {} : { migrationTableSchema: schema }) });
}

/**
 * PostgreSQL's current schema, and the one the connection asks for (first of its search_path). They differ
 * when the requested schema does not exist yet: `current_schema()` is then null.
 */
async function schemaOf(db: Kysely<Database>): Promise<{ current: string | null; wanted: string | null } | null> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return null;
  const { rows } = await sql<{ current: string | null; path: string }>`
    select current_schema() as current, current_setting('search_path') as path`.execute(db);
  const first =
    rows[0]?.path
      .split(',')[0]
      ?.trim()
      .replace(/^"(.*)"$/, '$1') ?? null;
  return { current: rows[0]?.current ?? null, wanted: first === null || first === '$user' ? null : first };
}

/**
 * Kysely's migrator introspects the tables of every schema it can see; another schema or table dropped in the
 * middle of that (another tenant, another app) fails it with `schema "…" does not exist`, or `relation "….…" does
 * not exist` (its introspection calls `pg_get_serial_sequence` by name for each column it listed a moment before).
 * That race is retried, a few times.
 */
/** Whether a migrator error is that race (another schema or its table gone mid-introspection). */
export function isSchemaDropRace(error: unknown): boolean {
  return error instanceof Error && /(schema|relation) "[^"]+" does not exist/.test(error.message);
}

async function retryingSchemaDrops<T>(work: () => Promise<T>, failed: (result: T) => unknown): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const result = await work();
    const error = failed(result);
    if (attempt >= 5 || !isSchemaDropRace(error)) return result;
  }
}

export interface MigrateOutcome {
  readonly applied: readonly string[];
  readonly error: unknown;
}

/** Applies every pending migration. Returns what it applied and the error, if any (never throws). */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrateOutcome> {
  return retryingSchemaDrops(
    () => migrateOnce(db),
    (outcome) => outcome.error,
  );
}

async function migrateOnce(db: Kysely<Database>): Promise<MigrateOutcome> {
  let outcome: Awaited<ReturnType<Migrator['migrateToLatest']>>;
  try {
    const schema = await schemaOf(db);
    if (schema !== null && schema.current === null && schema.wanted !== null) {
      // `?schema=` names a schema that does not exist yet: `dirsync migrate` creates it.
      await sql`create schema if not exists ${sql.id(schema.wanted)}`.execute(db);
    }
    outcome = await migrator(db, schema === null ? null : (schema.current ?? schema.wanted)).migrateToLatest();
  } catch (error) {
    return { applied: [], error };
  }
  const { results, error } = outcome;
  return {
    applied: (results ?? []).filter((r: MigrationResult) => r.status === 'Success').map((r) => r.migrationName),
    error,
  };
}

/** Names of migrations not yet applied; empty when the database is current. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const schema = await schemaOf(db);
  if (schema !== null && schema.current === null) {
    // The schema does not exist: nothing is migrated (and Kysely must not look at other schemas' tables).
    return Object.keys(await new MigrationFolder(MIGRATIONS_DIR).getMigrations()).sort();
  }
  const all = await retryingSchemaDrops(
    () =>
      migrator(db, schema?.current ?? null)
        .getMigrations()
        .then(
          (found) => ({ found, error: null }),
          (error: unknown) => ({ found: [], error }),
        ),
    (result) => result.error,
  ).then((result) => {
    if (result.error !== null)
      throw result.error instanceof Error ? result.error : new Error('reading the migrations failed');
    return result.found;
  });
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
