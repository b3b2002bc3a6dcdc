import { Queue, Worker } from 'bullmq';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import {
  assertMigrated,
  createConnector,
  createInviteSender,
  createTarget,
  fullReadIntervalOf,
  openDatabase,
} from '../app.js';
import { CliError } from '../cli/cli-error.js';
import { EXIT, type ExitCode } from '../cli/exit-codes.js';
import { createProgressReporter } from '../cli/progress-reporter.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { startHealthServer } from './health-server.js';
import { createMetrics } from './metrics.js';
import { createRedis, describeRedis } from './redis-connection.js';
import { httpErrorKind } from './http-error-kind.js';
import { createSyncProcessor } from './sync-processor.js';
import { describeSchedule, parseSyncSchedule, ScheduleError } from './sync-schedule.js';
import { schedulerId, syncJobOptions, syncQueueName, type SyncJobData } from './sync-job.js';

/**
 * `dirsync worker`: upserts this connection's job scheduler and runs sync jobs until SIGTERM. Many workers
 * may run against one Redis and one database: each connection has its own queue with a global concurrency of 1,
 * so BullMQ itself guarantees one run per connection at a time, whichever worker takes it.
 */
export async function runWorker(config: Config, log: Logger): Promise<ExitCode> {
  let schedule;
  try {
    schedule = parseSyncSchedule(config.syncInterval);
  } catch (error) {
    if (error instanceof ScheduleError) throw new CliError(error.message, EXIT.config);
    throw error;
  }
  const { db, name } = openDatabase(config);
  try {
    await assertMigrated(db, name);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const connectionId = config.connectionId;
  const queueName = syncQueueName(connectionId);
  const redis = createRedis(config.redisUrl, log);
  const queue = new Queue<SyncJobData>(queueName, { connection: redis });
  queue.on('error', () => undefined); // reported once by the connection's own listener
  const metrics = createMetrics({ queueCounts: () => queue.getJobCounts('waiting', 'active', 'delayed', 'failed') });
  const connector = await createConnector(config, (event) => {
    metrics.recordIdpRequest(connectionId, config.idp.kind, event.throttled);
  });
  const target = createTarget(config, systemClock, (status) => {
    const kind = httpErrorKind(status);
    if (kind !== null) metrics.recordTargetError(connectionId, kind);
  });
  const invites = createInviteSender(config, log);
  const shutdown = new AbortController();

  try {
    await queue.setGlobalConcurrency(1);
    await queue.upsertJobScheduler(schedulerId(connectionId), schedule, {
      name: 'sync',
      data: { connectionId, full: false, trigger: 'schedule' },
      opts: syncJobOptions(config.retryDelayMs),
    });
  } catch (error) {
    await Promise.allSettled([queue.close(), db.destroy()]);
    redis.disconnect();
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(
      `cannot set up the schedule on Redis at ${describeRedis(config.redisUrl)}: ${reason}`,
      EXIT.config,
    );
  }

  const workerRedis = redis.duplicate();
  workerRedis.on('error', () => undefined); // the first connection's listener reports outages
  const worker = new Worker(
    queueName,
    createSyncProcessor({
      db,
      connector,
      target,
      invites,
      clock: systemClock,
      log,
      deactivationLimit: config.deactivationLimit,
      fullReadIntervalMs: fullReadIntervalOf(config),
      shutdown: shutdown.signal,
      progress: (jobLog) => createProgressReporter(process.stderr, jobLog, () => Date.now()),
      onRun: (outcome) => {
        metrics.recordRun(connectionId, outcome.status, outcome.durationMs, outcome.appliedKinds);
      },
    }),
    {
      connection: workerRedis,
      concurrency: 1,
      lockDuration: config.jobLockMs,
      stalledInterval: Math.max(1_000, Math.floor(config.jobLockMs / 2)),
      maxStalledCount: 3,
    },
  );
  worker.on('error', () => undefined); // connection errors: logged by the Redis listener; job errors below
  worker.on('failed', (job, error) => {
    log.warn({ job: job?.id, attempts: job?.attemptsMade, err: error.message }, 'sync job failed');
  });
  worker.on('completed', (job, result: unknown) => {
    log.info({ job: job.id, result }, 'sync job completed');
  });

  const health =
    config.metricsPort === null
      ? null
      : await startHealthServer({
          port: config.metricsPort,
          metrics,
          checks: {
            redis: async () => {
              await redis.ping();
            },
            database: async () => {
              await sql`select 1`.execute(db);
            },
          },
        });

  log.info(
    {
      connection: connectionId,
      queue: queueName,
      schedule: describeSchedule(schedule),
      idp: connector.idp,
      metricsPort: health?.port,
    },
    `worker started: ${connector.source}, ${describeSchedule(schedule)}`,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down: no new jobs; the current run stops after its current op');
      shutdown.abort();
      resolve();
    };
    process.once('SIGTERM', () => {
      stop('SIGTERM');
    });
    process.once('SIGINT', () => {
      stop('SIGINT');
    });
  });
  await worker.close();
  await Promise.allSettled([queue.close(), health?.close(), invites?.mailer.close(), db.destroy()]);
  workerRedis.disconnect();
  redis.disconnect();
  log.info('worker stopped');
  return EXIT.ok;
}
