import { assertMigrated, openDatabase } from '../app.js';
import { systemClock } from '../clock.js';
import { selectConnection } from '../config/connection-registry.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { OutboxRepository, type RetryResult } from '../store/outbox-repository.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './cli-context.js';

/**
 * `dirsync retry [-c ID] (<op-key>… | --all)`: failed and parked ops become pending with their failures forgotten
 * and no wait, so the connection's next run (CLI or worker) attempts them. All or nothing: a key with no failed
 * or parked op changes nothing and exits 2 naming it.
 */
export async function retryCommand(
  context: CliContext,
  keys: readonly string[],
  options: { readonly connection?: string | undefined; readonly all: boolean },
): Promise<ExitCode> {
  if (options.all === keys.length > 0) {
    throw new CliError(
      'name the ops to retry by their keys (`dirsync status` lists failed and parked ops), or give --all, not both',
      EXIT.config,
    );
  }
  const { service, registry } = context.settings();
  const connection = selectConnection(registry, options.connection);
  const database = openDatabase(service);
  try {
    await assertMigrated(database);
    const now = systemClock.now().toISOString();
    const result = await database.db
      .transaction()
      .execute((trx) => new OutboxRepository(trx).retry(connection.id, options.all ? 'all' : keys, now));
    if (result.refused.length > 0) {
      throw new CliError(
        `nothing was retried: ${result.refused.map((refused) => refusal(refused, connection.id)).join('; ')}. ` +
          `\`dirsync status -c ${connection.id}\` lists the failed and parked ops with their keys`,
        EXIT.config,
      );
    }
    if (result.retried.length === 0) {
      context.out.write(`connection ${connection.id} has no failed or parked ops: nothing to retry\n`);
      return EXIT.ok;
    }
    context.out.write(
      `${result.retried.length} op(s) of connection ${connection.id} will be attempted again by its next run ` +
        `(\`dirsync sync -c ${connection.id}\`, or the worker's schedule):\n` +
        result.retried.map((key) => `  ${key}\n`).join(''),
    );
    return EXIT.ok;
  } finally {
    await database.db.destroy();
  }
}

function refusal({ key, status }: RetryResult['refused'][number], connectionId: string): string {
  if (status !== null) return `${key} is ${status}, not failed or parked`;
  // Keys are `<kind>:<connection>:<subject>[@revision]`: a key of another connection is a common slip.
  const owner = key.split(':')[1];
  return owner !== undefined && owner !== connectionId && key.split(':').length >= 3
    ? `${key} is not an op of connection ${connectionId} (add -c ${owner})`
    : `no op has the key ${key}`;
}
