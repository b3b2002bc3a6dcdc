import { z } from 'zod';
import { ConfigError } from './config-error.js';

/**
 * The settings of the process, shared by every connection it serves: where the database and Redis are, logging,
 * the worker's capacity and timings, and where connections come from.
 */
export interface ServiceConfig {
  readonly databaseUrl: string;
  /** `REDIS_URL`; its database number (`redis://host:6379/3`) is honoured by every Redis client. */
  readonly redisUrl: string;
  readonly logLevel: string;
  /** `/healthz` and `/metrics` port of the worker; null: off. */
  readonly metricsPort: number | null;
  /** Runs a worker process carries on side by side (`WORKER_CONCURRENCY`, default 4). */
  readonly workerConcurrency: number;
  /** How long a worker's hold on a job lasts without renewal: a killed worker's job is taken over after it. */
  readonly jobLockMs: number;
  /** First backoff of a failed run's retry (BullMQ exponential backoff). */
  readonly retryDelayMs: number;
  /** How long a run's hold on its connection lasts without renewal (`DIRSYNC_LEASE_MS`, default 30 s). */
  readonly leaseMs: number;
  /** `DIRSYNC_CONNECTIONS_FILE`; null: the environment defines one connection. */
  readonly connectionsFile: string | null;
  /**
   * `DIRSYNC_QUEUE`, default `dirsync-sync`: the one BullMQ queue of every connection. Two deployments that share
   * a Redis keep apart by name.
   */
  readonly queueName: string;
}

const optionalText = z
  .string()
  .optional()
  .transform((value) => {
    const trimmed = value?.trim();
    return trimmed === undefined || trimmed === '' ? undefined : trimmed;
  });

const wholeNumber = (fallback: number, min: number, max: number) =>
  optionalText
    .refine((value) => value === undefined || (/^\d{1,9}$/.test(value) && +value >= min && +value <= max), {
      message: `must be a whole number from ${min} to ${max}`,
    })
    .transform((value) => (value === undefined ? fallback : Number(value)));

const schema = z.object({
  DATABASE_URL: optionalText.transform((value) => value ?? 'sqlite:./dirsync.db'),
  REDIS_URL: optionalText
    .refine(
      (value) => {
        if (value === undefined) return true;
        try {
          const parsed = new URL(value);
          return (
            ['redis:', 'rediss:'].includes(parsed.protocol) && /^(\/\d{0,2})?$/.test(parsed.pathname.replace(/\/$/, ''))
          );
        } catch {
          return false;
        }
      },
      { message: 'must be a URL like redis://127.0.0.1:6379 or redis://host:6379/2 (database number 0-99)' },
    )
    .transform((value) => value ?? 'redis://127.0.0.1:6379'),
  LOG_LEVEL: optionalText.pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()),
  METRICS_PORT: optionalText.refine(
    (value) => value === undefined || (/^\d{1,5}$/.test(value) && +value >= 1 && +value <= 65_535),
    { message: 'must be a port number from 1 to 65535' },
  ),
  WORKER_CONCURRENCY: wholeNumber(4, 1, 256),
  DIRSYNC_JOB_LOCK_MS: wholeNumber(30_000, 1_000, 86_400_000),
  DIRSYNC_RETRY_DELAY_MS: wholeNumber(10_000, 1, 86_400_000),
  DIRSYNC_LEASE_MS: wholeNumber(30_000, 1_000, 3_600_000),
  DIRSYNC_CONNECTIONS_FILE: optionalText,
  DIRSYNC_QUEUE: optionalText.refine((value) => value === undefined || /^[A-Za-z0-9._-]{1,100}$/.test(value), {
    message: 'must be 1-100 letters, digits, dots, dashes or underscores',
  }),
});

/** Parses the process-wide variables once; throws one `ConfigError` naming every bad one. */
export function loadServiceConfig(env: NodeJS.ProcessEnv): ServiceConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL ?? 'info',
    metricsPort: e.METRICS_PORT === undefined ? null : Number(e.METRICS_PORT),
    workerConcurrency: e.WORKER_CONCURRENCY,
    jobLockMs: e.DIRSYNC_JOB_LOCK_MS,
    retryDelayMs: e.DIRSYNC_RETRY_DELAY_MS,
    leaseMs: e.DIRSYNC_LEASE_MS,
    connectionsFile: e.DIRSYNC_CONNECTIONS_FILE ?? null,
    queueName: e.DIRSYNC_QUEUE ?? 'dirsync-sync',
  });
}
