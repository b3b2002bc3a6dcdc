import { openDatabase } from '../app.js';
import { errorText } from '../error-text.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { migrateToLatest } from '../store/migrate.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './cli-context.js';

/** `dirsync migrate`: applies pending migrations; exit 0, or 2 with the reason. */
export async function migrateCommand(context: CliContext): Promise<ExitCode> {
  const { db, name } = openDatabase(context.settings().service);
  try {
    const { applied, error } = await migrateToLatest(db);
    if (error !== undefined && error !== null) {
      throw new CliError(`migrating ${name} failed: ${errorText(error)}`, EXIT.config);
    }
    context.out.write(
      applied.length === 0
        ? `${name} is up to date\n`
        : `${name}: applied ${applied.length} migration(s): ${applied.join(', ')}\n`,
    );
    return EXIT.ok;
  } finally {
    await db.destroy();
  }
}
