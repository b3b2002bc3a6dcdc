import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Log } from '../logger.js';
import { createRedis, describeRedis } from './redis-connection.js';
import { manualDeduplicationId, schedulerId, syncJobOptions, syncQueueName, type SyncJobData } from './sync-job.js';

export class QueueUnreachableError extends Error {
  override readonly name = 'QueueUnreachableError';
}

export interface QueueSnapshot {
  readonly schedule: string | null;
  readonly nextRunAt: string | null;
  readonly counts: Readonly<Record<string, number>>;
}

/** What the CLI (`resync`, `status`) does with a connection's queue; it fails fast when Redis is down. */
export class SyncQueueClient {
  private constructor(
    private readonly redis: Redis,
    private readonly queue: Queue<SyncJobData>,
    private readonly connectionId: string,
    private readonly retryDelayMs: number,
  ) {}

  static async open(redisUrl: string, connectionId: string, log: Log, retryDelayMs = 10_000): Promise<SyncQueueClient> {
    const redis = createRedis(redisUrl, log, { failFast: true });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      const reason = error instanceof Error ? error.message : String(error);
      throw new QueueUnreachableError(`cannot reach Redis at ${describeRedis(redisUrl)} (REDIS_URL): ${reason}`);
    }
    const queue = new Queue<SyncJobData>(syncQueueName(connectionId), { connection: redis });
    queue.on('error', () => undefined);
    return new SyncQueueClient(redis, queue, connectionId, retryDelayMs);
  }

  /**
   * Enqueues a manual run now. While one manual trigger already waits, another joins it (same job): a burst of
   * triggers costs at most one follow-up run.
   */
  async enqueue(full: boolean): Promise<{ readonly jobId: string; readonly joined: boolean }> {
    const deduplicationId = `${manualDeduplicationId(this.connectionId)}${full ? '-full' : ''}`;
    const waiting = await this.queue.getDeduplicationJobId(deduplicationId);
    const job = await this.queue.add(
      'sync',
      { connectionId: this.connectionId, full, trigger: 'manual' },
      { ...syncJobOptions(this.retryDelayMs), deduplication: { id: deduplicationId } },
    );
    const jobId = job.id ?? waiting ?? '?';
    return { jobId, joined: waiting !== null && waiting === jobId };
  }

  async snapshot(): Promise<QueueSnapshot> {
    const scheduler = await this.queue.getJobScheduler(schedulerId(this.connectionId));
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    const schedule =
      scheduler === undefined
        ? null
        : scheduler.pattern
          ? `cron ${scheduler.pattern}`
          : scheduler.every
            ? `every ${scheduler.every / 1000} s`
            : null;
    const next = scheduler?.next;
    return { schedule, nextRunAt: next ? new Date(next).toISOString() : null, counts };
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}
