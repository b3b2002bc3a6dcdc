import { Queue, Worker } from 'bullmq';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { assertMigrated, createConnectionRuntime, openDatabase } from '../app.js';
import { systemClock } from '../clock.js';
import { ConfigError } from '../config/config-error.js';
import { describeSource, type ConnectionRegistry } from '../config/connection-registry.js';
import type { ServiceConfig } from '../config/service-config.js';
import { ConnectionRepository } from '../store/connection-repository.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { SyncProgress } from '../sync/sync-progress.js';
import { describeOwner } from '../sync/connection-hold.js';
import { reconcileSchedules } from './connection-schedules.js';
import { startHealthServer, type HealthServer } from './health-server.js';
import { httpErrorKind } from './http-error-kind.js';
import { createMetrics } from './metrics.js';
import { createRedis, describeRedis } from './redis-connection.js';
import { RedisRateBudget } from '../../connectors/redis-rate-budget.js';
import { createSyncProcessor } from './sync-processor.js';
import type { SyncJobData } from './sync-job.js';

export interface WorkerOptions {
  readonly service: ServiceConfig;
  readonly registry: ConnectionRegistry;
  /** Reads the registry again (SIGHUP); throws `ConfigError` when the new one is invalid (the old one stays). */
  readonly reload: () => ConnectionRegistry;
  readonly log: Logger;
  /** Progress of one job's run (periodic log lines). */
  readonly progress: (log: Logger) => SyncProgress;
}

/**
 * `dirsync worker`: keeps one job scheduler per connection on one shared queue and runs up to
 * `WORKER_CONCURRENCY` syncs side by side until SIGTERM. Redis clients per worker: four (the queue, the worker,
 * its blocking connection and the IdP rate budget), however many connections there are.
 */
export async function runWorker(options: WorkerOptions): Promise<ExitCode> {
  const { service, log } = options;
  let registry = options.registry;
  const database = openDatabase(service);
  const cleanups: (() => Promise<unknown>)[] = [() => database.db.destroy()];
  const cleanup = async () => {
    await Promise.allSettled(cleanups.reverse().map((close) => close()));
  };
  let health: HealthServer | null = null;
  const redis = createRedis(service.redisUrl, log);
  cleanups.push(() => {
    redis.disconnect();
    return Promise.resolve();
  });
  const queue = new Queue<SyncJobData>(service.queueName, { connection: redis });
  queue.on('error', () => undefined); // reported once by the connection's own listener
  cleanups.push(() => queue.close());
  const metrics = createMetrics({
    queueCounts: () => queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
    quarantinedConnections: () => new ConnectionRepository(database.db).countQuarantined(systemClock.now()),
  });
  try {
    await assertMigrated(database);
    // Bound before any job is taken: a worker that cannot serve its health checks must not run syncs.
    if (service.metricsPort !== null) {
      try {
        health = await startHealthServer({
          port: service.metricsPort,
          metrics,
          checks: {
            redis: async () => {
              await redis.ping();
            },
            database: async () => {
              await sql`select 1`.execute(database.db);
            },
          },
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ConfigError(`cannot serve /healthz on METRICS_PORT=${service.metricsPort}: ${reason}`);
      }
      const server = health;
      cleanups.push(() => server.close());
    }
    try {
      const changes = await reconcileSchedules(queue, registry.connections, service.retryDelayMs);
      log.info({ ...changes, added: changes.added.length, changed: changes.changed.length }, 'schedules set');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(`cannot set up the schedules on Redis at ${describeRedis(service.redisUrl)}: ${reason}`);
    }
  } catch (error) {
    await cleanup();
    throw error;
  }

  const shutdown = new AbortController();
  // Its own connection, so that pacing never waits behind BullMQ: a command waits at most 2 s, and while Redis is
  // away the budget paces within this worker (RedisRateBudget logs that once).
  const budgetRedis = redis.duplicate({ maxRetriesPerRequest: 0, commandTimeout: 2_000 });
  budgetRedis.on('error', () => undefined); // the first connection's listener reports outages
  const rateBudget = new RedisRateBudget(budgetRedis, log, { redisName: describeRedis(service.redisUrl) });
  const workerRedis = redis.duplicate();
  workerRedis.on('error', () => undefined); // the first connection's listener reports outages
  const worker = new Worker(
    service.queueName,
    createSyncProcessor({
      db: database.db,
      connection: (id) => registry.connections.find((connection) => connection.id === id),
      runtime: (connection) =>
        createConnectionRuntime(connection, {
          db: database.db,
          service,
          clock: systemClock,
          log,
          rateBudget,
          hooks: {
            onIdpRequest: (event) => {
              metrics.recordIdpRequest(connection.id, connection.idp.kind, event.throttled);
            },
            onTargetResponse: (status) => {
              const kind = httpErrorKind(status);
              if (kind !== null) metrics.recordTargetError(connection.id, kind);
            },
          },
        }),
      log,
      owner: describeOwner('worker'),
      shutdown: shutdown.signal,
      progress: (jobLog) => options.progress(jobLog as Logger),
      busyDelayMs: Math.min(5_000, service.leaseMs),
      clock: systemClock,
      onRun: (connectionId, outcome) => {
        metrics.recordRun(connectionId, outcome.status, outcome.durationMs, outcome.appliedKinds);
      },
      onSkip: (connectionId, reason) => {
        metrics.recordSkip(connectionId, reason);
      },
    }),
    {
      connection: workerRedis,
      concurrency: service.workerConcurrency,
      lockDuration: service.jobLockMs,
      stalledInterval: Math.max(1_000, Math.floor(service.jobLockMs / 2)),
      maxStalledCount: 3,
    },
  );
  worker.on('error', () => undefined); // connection errors: logged by the Redis listener; job errors below
  worker.on('failed', (job, error) => {
    log.warn(
      {
        job: job?.id,
        connection: (job?.data as SyncJobData | undefined)?.connectionId,
        attempts: job?.attemptsMade,
        err: error.message,
      },
      'sync job failed',
    );
  });
  worker.on('completed', (job, result: unknown) => {
    log.info({ job: job.id, connection: (job.data as SyncJobData).connectionId, result }, 'sync job completed');
  });

  const onHangup = () => {
    void reloadRegistry();
  };
  const reloadRegistry = async () => {
    let next: ConnectionRegistry;
    try {
      next = options.reload();
    } catch (error) {
      log.error(
        { err: error instanceof Error ? error.message : String(error) },
        'SIGHUP: the connections are invalid; the worker keeps the previous ones',
      );
      return;
    }
    registry = next;
    try {
      const changes = await reconcileSchedules(queue, next.connections, service.retryDelayMs);
      log.info(
        { ...changes, unchanged: changes.unchanged },
        `SIGHUP: ${next.connections.length} connection(s) from ${describeSource(next.source)}`,
      );
    } catch (error) {
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'SIGHUP: cannot update the schedules');
    }
  };
  process.on('SIGHUP', onHangup);

  log.info(
    {
      connections: registry.connections.length,
      source: describeSource(registry.source),
      concurrency: service.workerConcurrency,
      queue: service.queueName,
      metricsPort: health?.port,
    },
    `worker started: ${registry.connections.length} connection(s), ${service.workerConcurrency} at a time`,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down: no new jobs; running syncs stop after their current op');
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
  process.off('SIGHUP', onHangup);
  await worker.close();
  workerRedis.disconnect();
  budgetRedis.disconnect();
  await cleanup();
  log.info('worker stopped');
  return EXIT.ok;
}
