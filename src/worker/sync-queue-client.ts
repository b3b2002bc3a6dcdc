import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Log } from '../logger.js';
import { createRedis, describeRedis } from './redis-connection.js';
import { manualDeduplicationId, schedulerId, syncJobOptions, type SyncJobData } from './sync-job.js';

export class QueueUnreachableError extends Error {
  override readonly name = 'QueueUnreachableError';
}

export interface ScheduleSnapshot {
  readonly schedule: string;
  readonly nextRunAt: string | null;
}

export interface QueueSnapshot {
  /** By connection id; a connection without a scheduler has no worker serving it yet. */
  readonly schedules: ReadonlyMap<string, ScheduleSnapshot>;
  readonly counts: Readonly<Record<string, number>>;
  /** Waiting, delayed and active jobs by connection. */
  readonly pending: ReadonlyMap<string, number>;
}

/** What the CLI (`resync`, `status`) does with the worker's queue; it fails fast when Redis is down. */
export class SyncQueueClient {
  private constructor(
    private readonly redis: Redis,
    private readonly queue: Queue<SyncJobData>,
    private readonly retryDelayMs: number,
  ) {}

  static async open(
    service: { readonly redisUrl: string; readonly queueName: string; readonly retryDelayMs: number },
    log: Log,
  ): Promise<SyncQueueClient> {
    const { redisUrl, queueName, retryDelayMs } = service;
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
    const queue = new Queue<SyncJobData>(queueName, { connection: redis });
    queue.on('error', () => undefined);
    return new SyncQueueClient(redis, queue, retryDelayMs);
  }

  /**
   * Enqueues a manual run now. While one manual trigger of the connection already waits, another joins it (same
   * job): a burst of triggers costs at most one follow-up run.
   */
  async enqueue(connectionId: string, full: boolean): Promise<{ readonly jobId: string; readonly joined: boolean }> {
    const deduplicationId = manualDeduplicationId(connectionId, full);
    const waiting = await this.queue.getDeduplicationJobId(deduplicationId);
    const job = await this.queue.add(
      'sync',
      { connectionId, full, trigger: 'manual' },
      { ...syncJobOptions(this.retryDelayMs), deduplication: { id: deduplicationId } },
    );
    const jobId = job.id ?? waiting ?? '?';
    return { jobId, joined: waiting !== null && waiting === jobId };
  }

  async snapshot(): Promise<QueueSnapshot> {
    const schedules = new Map<string, ScheduleSnapshot>();
    for (const scheduler of await this.queue.getJobSchedulers(0, -1, true)) {
      const id = scheduler.id ?? scheduler.key;
      if (!id.startsWith(schedulerId(''))) continue;
      schedules.set(id.slice(schedulerId('').length), {
        schedule: scheduler.pattern ? `cron ${scheduler.pattern}` : `every ${(scheduler.every ?? 0) / 1000} s`,
        nextRunAt: scheduler.next ? new Date(scheduler.next).toISOString() : null,
      });
    }
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    const pending = new Map<string, number>();
    for (const job of await this.queue.getJobs(['waiting', 'active', 'delayed'], 0, 999)) {
      const id = (job.data as Partial<SyncJobData> | undefined)?.connectionId;
      if (typeof id === 'string') pending.set(id, (pending.get(id) ?? 0) + 1);
    }
    return { schedules, counts, pending };
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}
