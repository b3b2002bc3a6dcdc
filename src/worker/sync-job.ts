import { z } from 'zod';

/*
 * One queue for every connection (`DIRSYNC_QUEUE`, default `dirsync-sync`): the number of Redis connections and
 * BullMQ objects of a worker does not grow with the number of tenants. One run per connection at a time comes
 * from the connection's lease in the database (which also covers CLI runs), not from the queue.
 */

/** BullMQ rejects `:` in custom ids; connection ids are `[a-z0-9][a-z0-9._-]*` (see connection-config). */
export function schedulerId(connectionId: string): string {
  return `schedule-${connectionId}`;
}

export function connectionOfScheduler(id: string): string | null {
  return id.startsWith('schedule-') ? id.slice('schedule-'.length) : null;
}

/** Manual triggers share one deduplication id per connection: at most one of them waits at a time. */
export function manualDeduplicationId(connectionId: string, full: boolean): string {
  return `manual-${connectionId}${full ? '-full' : ''}`;
}

export const syncJobDataSchema = z.object({
  connectionId: z.string().min(1),
  full: z.boolean(),
  trigger: z.enum(['schedule', 'manual']),
});

export type SyncJobData = z.infer<typeof syncJobDataSchema>;

/**
 * Retries of a failed run (IdP or app unavailable): 5 attempts with BullMQ's exponential backoff from
 * `retryDelayMs` (`DIRSYNC_RETRY_DELAY_MS`, default 10 s: 10 s, 20 s, 40 s, 80 s).
 */
export function syncJobOptions(retryDelayMs: number) {
  return {
    attempts: 5,
    backoff: { type: 'exponential', delay: retryDelayMs },
    removeOnComplete: { count: 1_000 },
    removeOnFail: { count: 5_000 },
  } as const;
}
