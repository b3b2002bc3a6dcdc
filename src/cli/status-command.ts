import { assertMigrated, openDatabase } from '../app.js';
import type { Config } from '../config.js';
import { ConnectionRepository } from '../store/connection-repository.js';
import { MirrorRepository } from '../store/mirror-repository.js';
import { OutboxRepository } from '../store/outbox-repository.js';
import { RunRepository } from '../store/run-repository.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { Logger } from 'pino';
import { SyncQueueClient } from '../worker/sync-queue-client.js';

/** `dirsync status`: connections, last runs, counts, pending and failed ops. */
export async function statusCommand(config: Config, out: NodeJS.WritableStream, log: Logger): Promise<ExitCode> {
  const { db, name } = openDatabase(config);
  try {
    await assertMigrated(db, name);
    const connections = await new ConnectionRepository(db).list();
    const lines = [`database: ${name}`];
    if (connections.length === 0) lines.push('no connection has synced yet: run `dirsync sync`');
    for (const connection of connections) {
      const mirror = await new MirrorRepository(db).counts(connection.id);
      const app = await db
        .selectFrom('app_users')
        .select((eb) => [
          eb.fn.countAll<string | number>().as('n'),
          eb.fn.sum<string | number | null>('active').as('active'),
        ])
        .where('connection_id', '=', connection.id)
        .executeTakeFirstOrThrow();
      const appGroups = await db
        .selectFrom('app_groups')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('connection_id', '=', connection.id)
        .executeTakeFirstOrThrow();
      const ops = await new OutboxRepository(db).countByStatus(connection.id);
      lines.push(
        '',
        `connection ${connection.id} (${connection.idp}: ${connection.source})`,
        `  directory: ${mirror.users} users (${mirror.activeUsers} active), ${mirror.groups} groups; last full read ${connection.lastFullReadAt ?? 'never'}`,
        `  app:       ${Number(app.n)} users (${Number(app.active ?? 0)} active), ${Number(appGroups.n)} groups`,
        `  ops:       ${ops.pending ?? 0} pending, ${ops.failed ?? 0} failed, ${ops.applied ?? 0} applied`,
        '  last runs:',
      );
      const runs = await new RunRepository(db).latest(connection.id, 5);
      if (runs.length === 0) lines.push('    none');
      for (const run of runs) {
        lines.push(
          `    ${run.startedAt}  ${run.status.padEnd(9)} ${run.mode.padEnd(11)} ${run.trigger}${run.dryRun ? ' (dry run)' : ''}${run.error ? `  ${run.error}` : ''}`,
        );
      }
    }
    lines.push('', ...(await queueLines(config, log)));
    out.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  } finally {
    await db.destroy();
  }
}

/** The worker's side: schedule and queue of the configured connection; Redis being down is reported, not fatal. */
async function queueLines(config: Config, log: Logger): Promise<string[]> {
  let client: SyncQueueClient;
  try {
    client = await SyncQueueClient.open(config.redisUrl, config.connectionId, log);
  } catch (error) {
    return [`worker queue: ${error instanceof Error ? error.message : String(error)}`];
  }
  try {
    const { schedule, nextRunAt, counts } = await client.snapshot();
    return [
      `worker queue for connection ${config.connectionId}:`,
      `  schedule: ${schedule === null ? 'none (no worker has started yet)' : `${schedule}, next run ${nextRunAt ?? '?'}`}`,
      `  jobs:     ${counts['waiting'] ?? 0} waiting, ${counts['active'] ?? 0} active, ${counts['delayed'] ?? 0} delayed, ${counts['failed'] ?? 0} failed`,
    ];
  } finally {
    await client.close();
  }
}
