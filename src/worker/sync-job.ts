import { z } from 'zod';

/** BullMQ rejects `:` in custom ids; connection ids are letters, digits, `.`, `-`, `_` (see config). */
export function syncQueueName(connectionId: string): string {
  return `dirsync-sync-${connectionId}`;
}

export function schedulerId(connectionId: string): string {
  return `schedule-${connectionId}`;
}

/** Manual triggers share one deduplication id per connection: at most one of them waits at a time. */
export function manualDeduplicationId(connectionId: string): string {
  return `manual-${connectionId}`;
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
    removeOnComplete: { count: 200 },
    removeOnFail: { count: 1_000 },
  } as const;
}
