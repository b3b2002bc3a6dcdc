import { assertMigrated, openDatabase } from '../app.js';
import { describeSource } from '../config/connection-registry.js';
import { describeConnection } from '../config/describe-connection.js';
import { systemClock } from '../clock.js';
import { isQuarantined, NOT_QUARANTINED, type QuarantineState } from '../core/quarantine.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { purgeConnection } from '../store/connection-overview.js';
import { ConnectionRepository } from '../store/connection-repository.js';
import { RunRepository } from '../store/run-repository.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './cli-context.js';

/** `dirsync connections [--json]`: the registry, with each connection's last run when the database answers. */
export async function connectionsCommand(context: CliContext, options: { readonly json: boolean }): Promise<ExitCode> {
  const { service, registry } = context.settings();
  const database = openDatabase(service);
  try {
    let lastRuns: Map<string, { status: string; startedAt: string } | null> | null = null;
    let quarantines = new Map<string, QuarantineState>();
    try {
      await assertMigrated(database);
      const runs = new RunRepository(database.db);
      lastRuns = new Map();
      for (const connection of registry.connections) {
        const [last] = await runs.latest(connection.id, 1);
        lastRuns.set(connection.id, last === undefined ? null : { status: last.status, startedAt: last.startedAt });
      }
      const stored = await new ConnectionRepository(database.db).list();
      quarantines = new Map(stored.map((record) => [record.id, record.quarantine]));
    } catch {
      lastRuns = null; // the registry is still worth listing without the database
    }
    const now = systemClock.now();
    const rows = registry.connections.map((connection) => {
      const quarantine = quarantines.get(connection.id) ?? NOT_QUARANTINED;
      const quarantined = isQuarantined(quarantine, now);
      return {
        ...describeConnection(connection),
        state: quarantined ? 'quarantined' : 'active',
        ...(quarantined
          ? {
              quarantine: {
                until: quarantine.until?.toISOString() ?? null,
                level: quarantine.level,
                reason: quarantine.reason,
                failingRuns: quarantine.failingRuns,
              },
            }
          : {}),
        lastRun: lastRuns?.get(connection.id) ?? null,
      };
    });
    if (options.json) {
      context.out.write(`${JSON.stringify({ source: describeSource(registry.source), connections: rows }, null, 2)}\n`);
      return EXIT.ok;
    }
    const lines = [`${rows.length} connection(s) from ${describeSource(registry.source)}`];
    for (const row of rows) {
      lines.push(
        '',
        `${row.id}  (${row.state})`,
        `  idp:      ${row.idp} ${row.idpSource}`,
        `  target:   ${row.target}`,
        `  invites:  ${row.invites}`,
        `  schedule: ${row.schedule}`,
        `  last run: ${row.lastRun === null ? (lastRuns === null ? 'unknown (database unavailable)' : 'never') : `${row.lastRun.status} at ${row.lastRun.startedAt}`}`,
      );
      if (row.quarantine !== undefined) {
        const { until, level, failingRuns, reason } = row.quarantine;
        lines.push(
          `  quarantined until ${until ?? '?'} (level ${level}, ${failingRuns} failing run(s) in a row)` +
            `${reason === null ? '' : `: ${reason}`}; scheduled runs are skipped; \`dirsync resume -c ${row.id}\` lifts it`,
        );
      }
    }
    context.out.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  } finally {
    await database.db.destroy();
  }
}

/** `dirsync connections remove ID --purge`: deletes the data of a connection that is no longer configured. */
export async function removeConnectionCommand(context: CliContext, id: string): Promise<ExitCode> {
  const { service, registry } = context.settings();
  if (registry.connections.some((connection) => connection.id === id)) {
    throw new CliError(
      `connection ${id} is still in ${describeSource(registry.source)}: remove it there first (and SIGHUP the workers)`,
      EXIT.config,
    );
  }
  const database = openDatabase(service);
  try {
    await assertMigrated(database);
    const deleted = await purgeConnection(database.db, id);
    const total = Object.values(deleted).reduce((sum, n) => sum + n, 0);
    if (total === 0) throw new CliError(`no data of connection ${id} in ${database.name}`, EXIT.config);
    context.out.write(
      `deleted connection ${id}: ${Object.entries(deleted)
        .filter(([, n]) => n > 0)
        .map(([table, n]) => `${n} ${table}`)
        .join(', ')}\n`,
    );
    return EXIT.ok;
  } finally {
    await database.db.destroy();
  }
}
