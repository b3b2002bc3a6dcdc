import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResult } from 'kysely';
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

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: new MigrationFolder(MIGRATIONS_DIR) });
}

export interface MigrateOutcome {
  readonly applied: readonly string[];
  readonly error: unknown;
}

/** Applies every pending migration. Returns what it applied and the error, if any (never throws). */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrateOutcome> {
  const { results, error } = await migrator(db).migrateToLatest();
  return {
    applied: (results ?? []).filter((r: MigrationResult) => r.status === 'Success').map((r) => r.migrationName),
    error,
  };
}

/** Names of migrations not yet applied; empty when the database is current. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
