import { errorText, openDatabase } from '../app.js';
import type { Config } from '../config.js';
import { migrateToLatest } from '../store/migrate.js';
import { CliError } from './cli-error.js';
import { EXIT, type ExitCode } from './exit-codes.js';

/** `dirsync migrate`: applies pending migrations; exit 0, or 2 with the reason. */
export async function migrateCommand(config: Config, out: NodeJS.WritableStream): Promise<ExitCode> {
  const { db, name } = openDatabase(config);
  try {
    const { applied, error } = await migrateToLatest(db);
    if (error !== undefined && error !== null) {
      throw new CliError(`migrating ${name} failed: ${errorText(error)}`, EXIT.config);
    }
    out.write(
      applied.length === 0
        ? `${name} is up to date\n`
        : `${name}: applied ${applied.length} migration(s): ${applied.join(', ')}\n`,
    );
    return EXIT.ok;
  } finally {
    await db.destroy();
  }
}
