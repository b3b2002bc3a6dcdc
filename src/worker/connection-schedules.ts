import type { Queue } from 'bullmq';
import type { ConnectionConfig } from '../config/connection-config.js';
import type { SyncSchedule } from '../config/sync-schedule.js';
import { connectionOfScheduler, schedulerId, syncJobOptions, type SyncJobData } from './sync-job.js';

export interface ScheduleChanges {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
}

/**
 * Makes the queue's job schedulers match the registry: one per connection, added, changed and removed as the
 * registry changes. Unchanged schedulers are left alone, so a restart or a SIGHUP does not shift anyone's next
 * run. Idempotent: every worker calls it at start and on SIGHUP.
 */
export async function reconcileSchedules(
  queue: Pick<Queue<SyncJobData>, 'getJobSchedulers' | 'upsertJobScheduler' | 'removeJobScheduler'>,
  connections: readonly ConnectionConfig[],
  retryDelayMs: number,
): Promise<ScheduleChanges> {
  const existing = new Map<string, SyncSchedule>();
  for (const scheduler of await queue.getJobSchedulers(0, -1, true)) {
    const id = scheduler.id ?? scheduler.key;
    const connection = connectionOfScheduler(id);
    if (connection === null) continue;
    existing.set(connection, scheduler.pattern ? { pattern: scheduler.pattern } : { every: scheduler.every ?? 0 });
  }
  const added: string[] = [];
  const changed: string[] = [];
  let unchanged = 0;
  for (const connection of connections) {
    const before = existing.get(connection.id);
    existing.delete(connection.id);
    if (before !== undefined && sameSchedule(before, connection.schedule)) {
      unchanged++;
      continue;
    }
    await queue.upsertJobScheduler(schedulerId(connection.id), connection.schedule, {
      name: 'sync',
      data: { connectionId: connection.id, full: false, trigger: 'schedule' },
      opts: syncJobOptions(retryDelayMs),
    });
    (before === undefined ? added : changed).push(connection.id);
  }
  const removed = [...existing.keys()];
  for (const id of removed) await queue.removeJobScheduler(schedulerId(id));
  return { added, changed, removed, unchanged };
}

function sameSchedule(a: SyncSchedule, b: SyncSchedule): boolean {
  return 'every' in a ? 'every' in b && a.every === b.every : 'pattern' in b && a.pattern === b.pattern;
}
