import { Redis } from 'ioredis';
import { failed, passed } from './check-result.js';
import type { CheckResult } from './check-result.js';

const NAME = 'redis';

export interface RedisCheckOptions {
  /** Connect and command timeout; default 15 s. */
  readonly timeoutMs?: number;
}

/**
 * Connects to `REDIS_URL` once (no reconnects, no offline queue), sends `PING`, and reads `INFO` for the version
 * and the eviction policy: BullMQ needs `maxmemory-policy noeviction`, or Redis may drop queued jobs under memory
 * pressure. Only read commands are sent.
 */
export async function checkRedis(redisUrl: string, options: RedisCheckOptions = {}): Promise<CheckResult> {
  const where = describeRedisWithDb(redisUrl);
  const timeoutMs = options.timeoutMs ?? 15_000;
  let redis: Redis;
  try {
    redis = new Redis(redisUrl, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      // One attempt: a check reports what it found instead of waiting for Redis to come back.
      retryStrategy: () => null,
    });
  } catch (error) {
    return failed(NAME, `REDIS_URL is not usable (${scrub(error, redisUrl)}): e.g. redis://127.0.0.1:6379`);
  }
  // ioredis reports the socket's own error here, and only "Connection is closed" to the awaiting caller.
  let lastError: unknown;
  redis.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    await redis.connect();
    const pong = await redis.ping();
    const server = await redis.info('server').catch(() => '');
    const memory = await redis.info('memory').catch(() => '');
    const version = infoField(server, 'redis_version');
    const policy = infoField(memory, 'maxmemory_policy');
    const about = version === undefined ? '' : `; Redis ${version}`;
    if (policy !== undefined && policy !== 'noeviction') {
      return failed(
        NAME,
        `${where}: maxmemory-policy is ${policy}, so Redis may evict queued jobs: set maxmemory-policy noeviction (BullMQ requires it)`,
      );
    }
    return passed(
      NAME,
      `${where}: PING answered ${pong}${about}${policy === undefined ? '' : `, maxmemory-policy ${policy}`}`,
    );
  } catch (error) {
    return failed(NAME, `${where}: ${diagnose(lastError ?? error, redisUrl)}`);
  } finally {
    redis.disconnect();
  }
}

function diagnose(error: unknown, redisUrl: string): string {
  const message = scrub(error, redisUrl);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message)) {
    return `Redis refused the login (${message}): check the user and password in REDIS_URL`;
  }
  if (/certificate|CERT_|self[- ]signed/i.test(message)) {
    return `the TLS certificate is not trusted (${message}): add its CA to NODE_EXTRA_CA_CERTS`;
  }
  return `cannot be reached (${message}): check the host and port in REDIS_URL and that Redis is up`;
}

/** The error's message with the URL's password removed, should a server or the client echo it. */
function scrub(error: unknown, redisUrl: string): string {
  let message = error instanceof Error ? error.message : String(error);
  try {
    const url = new URL(redisUrl);
    for (const secret of [url.password, decodeURIComponent(url.password)]) {
      if (secret.length >= 3) message = message.split(secret).join('***');
    }
  } catch {
    // Not a URL: ioredis said why, and it holds no credential we could recognise.
  }
  return message.replace(/\s+/g, ' ').trim();
}

/** `redis://host:port/db`, without credentials: the database number decides which queues a worker sees. */
function describeRedisWithDb(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    const db = url.pathname.replace(/^\/+/, '');
    return `${url.protocol}//${url.host}${db === '' ? '' : `/${db}`}`;
  } catch {
    return 'REDIS_URL';
  }
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(\\S+)`, 'm').exec(info)?.[1];
}
