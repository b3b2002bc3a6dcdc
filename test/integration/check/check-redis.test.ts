import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRedis } from '../../../src/check/check-redis.js';

import { TEST_REDIS_URL as REDIS_URL } from '../../support/test-redis.js';

/** `redis://host:port` of the test Redis, as the check names it (no database number, no credentials). */
const ORIGIN = `redis://${new URL(REDIS_URL).host}`;
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The check uses its own database number, so that commands of other clients of this Redis can be told apart. */
const CHECK_DB = '13';

/** Every command Redis executes on `CHECK_DB` while the monitor listens (MONITOR shows all clients' commands). */
let monitor: Redis;
const commands: string[] = [];

beforeAll(async () => {
  monitor = new Redis(REDIS_URL);
  const watching = await monitor.monitor();
  watching.on('monitor', (_time: string, args: string[], _source: string, database: string) => {
    if (database === CHECK_DB) commands.push(args.join(' ').toLowerCase());
  });
  // Keep the reference: closing it ends the monitor.
  monitor = watching;
});

afterAll(() => {
  monitor.disconnect();
});

describe('checkRedis against a real Redis', () => {
  it('passes with PING answered, the version and the eviction policy, and sends only read commands', async () => {
    commands.length = 0;
    const db = `${REDIS_URL.replace(/\/\d*$/, '')}/${CHECK_DB}`;

    const result = await checkRedis(db);

    expect(result.name).toBe('redis');
    expect(result.ok).toBe(true);
    expect(result.detail).toMatch(
      new RegExp(`^${escaped(ORIGIN)}/13: PING answered PONG; Redis \\d+\\.\\d+\\.\\d+, maxmemory-policy noeviction$`),
    );
    // Let the monitor catch up with the check's last command.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const verbs = [...new Set(commands.map((command) => command.split(' ')[0]))].sort();
    expect(verbs.every((verb) => ['info', 'ping', 'select'].includes(verb ?? ''))).toBe(true);
    expect(verbs).toContain('ping');
  });

  it('fails fast on a closed port, naming REDIS_URL', async () => {
    const result = await checkRedis('redis://127.0.0.1:1');

    expect(result).toEqual({
      name: 'redis',
      ok: false,
      detail:
        'redis://127.0.0.1:1: cannot be reached (connect ECONNREFUSED 127.0.0.1:1): check the host and port in REDIS_URL and that Redis is up',
    });
  });

  it('fails on a refused login, naming the user and password in REDIS_URL without the password', async () => {
    const url = new URL(REDIS_URL);
    url.username = 'no-such-user';
    url.password = 'hunter22-secret';

    const result = await checkRedis(url.toString());

    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(
      new RegExp(
        `^${escaped(ORIGIN)}: Redis refused the login \\(WRONGPASS.*\\): check the user and password in REDIS_URL$`,
      ),
    );
    expect(result.detail).not.toContain('hunter22');
  });
});
