import { Redis } from 'ioredis';
import type { Log } from '../logger.js';

/** `redis://host:port` without credentials, for messages and logs. */
export function describeRedis(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'REDIS_URL';
  }
}

/**
 * An ioredis connection for BullMQ. `maxRetriesPerRequest: null` is what BullMQ's production guide asks of
 * worker connections: commands wait through a Redis restart instead of failing. Connection errors are logged
 * at most every 10 s, and the recovery once.
 */
export function createRedis(url: string, log: Log, options: { readonly failFast?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: options.failFast === true ? 1 : null,
    enableOfflineQueue: options.failFast !== true,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
    lazyConnect: options.failFast === true,
  });
  const where = describeRedis(url);
  let lastError = 0;
  let down = false;
  redis.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastError < 10_000) return;
    lastError = now;
    down = true;
    log.warn({ redis: where, err: error.message }, `Redis at ${where} is unreachable; retrying`);
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info({ redis: where }, `Redis at ${where} is back`);
  });
  return redis;
}
