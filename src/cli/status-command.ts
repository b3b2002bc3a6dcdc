import type { Kysely } from 'kysely';
import { assertMigrated, openDatabase } from '../app.js';
import { describeSource, selectConnection } from '../config/connection-registry.js';
import { describeConnection, type ConnectionDescription } from '../config/describe-connection.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { ConnectionLeaseRepository, type LeaseHolder } from '../store/connection-lease-repository.js';
import { loadConnectionOverview, storedConnectionIds, type ConnectionOverview } from '../store/connection-overview.js';
import type { Database } from '../store/database.js';
import { HeldPlanRepository, type HeldPlan } from '../store/held-plan-repository.js';
import { IsolatedObjectRepository, type StoredIsolation } from '../store/isolated-object-repository.js';
import { loadOpsAttention, type OpsAttention } from '../store/ops-attention.js';
import type { QueueSnapshot } from '../worker/sync-queue-client.js';
import type { CliContext } from './cli-context.js';
import { opAttentionLines } from './op-attention-lines.js';

interface ConnectionStatus {
  readonly id: string;
  /** Null: not in the registry any more (its data is kept until `connections remove --purge`). */
  readonly configured: ConnectionDescription | null;
  readonly runningNow: LeaseHolder | null;
  readonly stored: ConnectionOverview;
  /** Held, parked, failed and unsupported ops: counted, and the first of each listed. */
  readonly attention: OpsAttention;
  /** IdP objects the reads isolated (DESIGN "Safety"): counted, and the first few listed. */
  readonly isolated: { readonly count: number; readonly first: readonly StoredIsolation[] };
  /** Plans a guard or a source anomaly held, waiting for `approve`/`reject`, or approved for the next run. */
  readonly heldPlans: readonly HeldPlan[];
  readonly worker: {
    readonly schedule: string | null;
    readonly nextRunAt: string | null;
    readonly pendingJobs: number;
  } | null;
}

/** Held, parked and failed ops listed per connection (each kind); the rest are counted. */
const ATTENTION_LISTED = 20;
/** Isolated objects listed per connection; the rest are counted (the log of the run that isolated them has all). */
const ISOLATED_LISTED = 5;

/** `dirsync status [-c ID] [--json]`: every connection (or one), what it holds, its runs, and the worker's side. */
export async function statusCommand(
  context: CliContext,
  options: { readonly connection?: string | undefined; readonly json: boolean },
): Promise<ExitCode> {
  const { service, registry } = context.settings();
  const database = openDatabase(service);
  try {
    await assertMigrated(database);
    const configured = new Map(registry.connections.map((connection) => [connection.id, connection]));
    const ids =
      options.connection === undefined
        ? [...new Set([...configured.keys(), ...(await storedConnectionIds(database.db))])]
        : [selectConnection(registry, options.connection).id];
    const queue = await queueSnapshot(context);
    const statuses = await Promise.all(ids.map((id) => statusOf(database.db, id, configured.get(id), queue)));
    if (options.json) {
      context.out.write(
        `${JSON.stringify(
          {
            database: database.name,
            source: describeSource(registry.source),
            queue: 'error' in queue ? { error: queue.error } : { counts: queue.counts },
            // A held plan's ops can number thousands: `dirsync plan show <id> --json` lists them.
            connections: statuses.map((status) => ({
              ...status,
              heldPlans: status.heldPlans.map(({ ops, ...plan }) => ({ ...plan, opCount: ops.length })),
            })),
          },
          null,
          2,
        )}\n`,
      );
      return EXIT.ok;
    }
    const lines = [`database: ${database.name}`, `connections from ${describeSource(registry.source)}`];
    for (const status of statuses) lines.push('', ...formatStatus(status));
    lines.push(
      '',
      'error' in queue
        ? `worker queue: ${queue.error}`
        : `worker queue: ${queue.counts['waiting'] ?? 0} waiting, ${queue.counts['active'] ?? 0} active, ${queue.counts['delayed'] ?? 0} delayed, ${queue.counts['failed'] ?? 0} failed`,
    );
    context.out.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  } finally {
    await database.db.destroy();
  }
}

async function statusOf(
  db: Kysely<Database>,
  id: string,
  configured: Parameters<typeof describeConnection>[0] | undefined,
  queue: QueueSnapshot | { error: string },
): Promise<ConnectionStatus> {
  const [stored, runningNow, attention] = await Promise.all([
    loadConnectionOverview(db, id),
    new ConnectionLeaseRepository(db).current(id),
    loadOpsAttention(db, id, ATTENTION_LISTED),
  ]);
  const isolated = await new IsolatedObjectRepository(db).summary(id, ISOLATED_LISTED);
  const heldPlans = await new HeldPlanRepository(db).list(id, ['held', 'approved']);
  const schedule = 'error' in queue ? undefined : queue.schedules.get(id);
  return {
    id,
    configured: configured === undefined ? null : describeConnection(configured),
    runningNow,
    stored,
    attention,
    isolated,
    heldPlans,
    worker:
      'error' in queue
        ? null
        : {
            schedule: schedule?.schedule ?? null,
            nextRunAt: schedule?.nextRunAt ?? null,
            pendingJobs: queue.pending.get(id) ?? 0,
          },
  };
}

function formatStatus(status: ConnectionStatus): string[] {
  const { stored, configured } = status;
  const lines = [
    configured === null
      ? `connection ${status.id} — not in the registry any more (data kept; \`dirsync connections remove ${status.id} --purge\` deletes it)`
      : `connection ${status.id} — ${configured.idp} ${configured.idpSource} → ${configured.target}`,
  ];
  if (status.runningNow !== null) {
    lines.push(
      `  running:   run ${status.runningNow.runId} (${status.runningNow.owner}) since ${status.runningNow.acquiredAt}`,
    );
  }
  lines.push(
    `  directory: ${stored.directory.users} users (${stored.directory.activeUsers} active), ${stored.directory.groups} groups; last full read ${stored.lastFullReadAt ?? 'never'}`,
    `  app:       ${stored.app.users} users (${stored.app.activeUsers} active), ${stored.app.groups} groups`,
    `  ops:       ${stored.ops.pending ?? 0} pending, ${stored.ops.failed ?? 0} failed, ${stored.ops.parked ?? 0} parked, ` +
      `${stored.ops.held ?? 0} held, ${stored.ops.unsupported ?? 0} unsupported, ${stored.ops.applied ?? 0} applied`,
    ...opAttentionLines(status.attention).map((line) => `  ${line}`),
  );
  for (const plan of status.heldPlans) {
    lines.push(
      `  plan:      ${plan.id} ${plan.status}${plan.status === 'held' ? ` since ${plan.createdAt}` : ', applied by the next run'}: ` +
        plan.reasons.map((reason) => reason.message).join('; '),
    );
    if (plan.status === 'held') {
      lines.push(
        `             \`dirsync plan show ${plan.id}\`, then \`dirsync approve ${plan.id}\` or \`dirsync reject ${plan.id}\``,
      );
    }
  }
  lines.push(...quarantineLines(status.id, stored.quarantine));
  if (status.isolated.count > 0) {
    const { count, first } = status.isolated;
    lines.push(
      `  isolated:  ${count} IdP object(s) not synced, kept as last known until fixed in the IdP:`,
      ...first.map((object) => `    ${object.kind} ${object.id}: ${object.reason} (since ${object.firstSeenAt})`),
      ...(count > first.length ? [`    and ${count - first.length} more`] : []),
    );
  }
  if (configured !== null) {
    const worker = status.worker;
    lines.push(
      `  schedule:  ${configured.schedule}${
        worker === null
          ? ''
          : worker.schedule === null
            ? ' (no worker has scheduled it yet)'
            : `, next run ${worker.nextRunAt ?? '?'}${worker.pendingJobs > 0 ? `, ${worker.pendingJobs} job(s) queued` : ''}`
      }`,
    );
  }
  lines.push('  last runs:');
  if (stored.runs.length === 0) lines.push('    none (run `dirsync sync`)');
  for (const run of stored.runs) {
    lines.push(
      `    ${run.startedAt}  ${run.status.padEnd(9)} ${run.mode.padEnd(11)} ${run.trigger}${run.dryRun ? ' (dry run)' : ''}${run.error ? `  ${run.error}` : ''}`,
    );
  }
  return lines;
}

/** DESIGN "Quarantine": why the worker skips the connection's scheduled runs, and how to lift it. */
function quarantineLines(id: string, quarantine: ConnectionOverview['quarantine']): string[] {
  const lines: string[] = [];
  const reason = quarantine.reason === null ? '' : `: ${quarantine.reason}`;
  if (quarantine.quarantined) {
    lines.push(
      `  quarantine: quarantined until ${quarantine.until ?? '?'} (level ${quarantine.level})${reason}; \`dirsync resume -c ${id}\` lifts it`,
    );
  } else if (quarantine.level > 0) {
    lines.push(
      `  quarantine: ended at ${quarantine.until ?? '?'} (level ${quarantine.level}); the next failing run quarantines it again`,
    );
  }
  if (quarantine.failingRuns > 0) {
    lines.push(`  failing:   ${quarantine.failingRuns} run(s) in a row${quarantine.quarantined ? '' : reason}`);
  }
  return lines;
}

/** The worker's side: schedules and queue; Redis being down is reported, not fatal. */
async function queueSnapshot(context: CliContext): Promise<QueueSnapshot | { error: string }> {
  const { SyncQueueClient } = await import('../worker/sync-queue-client.js');
  let client;
  try {
    client = await SyncQueueClient.open(context.settings().service, context.log());
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  try {
    return await client.snapshot();
  } finally {
    await client.close();
  }
}
