import { assertMigrated, openDatabase } from '../app.js';
import { systemClock } from '../clock.js';
import { describeSource, selectConnection } from '../config/connection-registry.js';
import { describeQuarantine, isQuarantined } from '../core/quarantine.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { ConnectionRepository } from '../store/connection-repository.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './cli-context.js';

/**
 * `dirsync resume [-c ID]`: lifts the quarantine of a connection whose runs kept failing (DESIGN "Safety" →
 * Quarantine) and forgets its failing runs, as a successful run would: its next scheduled run goes ahead. Exit 0,
 * also when it was not quarantined (it says so); 2 for a connection neither configured nor stored.
 */
export async function resumeCommand(
  context: CliContext,
  options: { readonly connection?: string | undefined },
): Promise<ExitCode> {
  const { service, registry } = context.settings();
  const database = openDatabase(service);
  try {
    await assertMigrated(database);
    const connections = new ConnectionRepository(database.db);
    // A connection no longer in the registry may still be stored (and quarantined): it may be resumed too.
    const id =
      options.connection !== undefined && (await connections.find(options.connection)) !== undefined
        ? options.connection
        : selectConnection(registry, options.connection).id;
    const now = systemClock.now();
    const state = await connections.quarantine(id);
    if (!isQuarantined(state, now)) {
      // Not quarantined, but on its way (failing runs) or on probation after one (a level): start afresh too.
      const cleared =
        state.level > 0 || state.failingRuns > 0 ? await connections.resume(id, now.toISOString()) : undefined;
      const record = cleared === undefined ? null : describeQuarantine(cleared, now);
      context.out.write(
        `connection ${id} is not quarantined; nothing to lift${record === null ? '' : ` (cleared: ${record})`}\n`,
      );
      return EXIT.ok;
    }
    const lifted = await connections.resume(id, now.toISOString());
    if (lifted === undefined) {
      // Purged between the read and the write: nothing is left to lift.
      throw new CliError(`connection ${id} is no longer stored in ${database.name}`, EXIT.config);
    }
    const inRegistry = registry.connections.some((connection) => connection.id === id);
    context.out.write(
      [
        `lifted the quarantine of connection ${id}: it was ${describeQuarantine(lifted, now) ?? 'quarantined'}`,
        inRegistry
          ? `its next scheduled run goes ahead (\`dirsync resync -c ${id}\` runs it now); if the cause is not fixed, ` +
            `3 failing runs quarantine it again`
          : `it is not in ${describeSource(registry.source)}, so no worker schedules it`,
      ].join('\n') + '\n',
    );
    return EXIT.ok;
  } finally {
    await database.db.destroy();
  }
}
