/** Redis for tests: `TEST_REDIS_URL` (default the local server), its database number honoured everywhere. */
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** ioredis options for a Redis URL, keeping its database number (`redis://host:6379/3` → db 3). */
export function redisOptions(url: string = TEST_REDIS_URL): { host: string; port: number; db: number } {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '');
  return { host: parsed.hostname, port: Number(parsed.port || 6379), db: db === '' ? 0 : Number(db) };
}
