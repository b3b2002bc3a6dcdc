import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer } from '../../src/worker/health-server.js';
import type { HealthServer, HealthServerOptions } from '../../src/worker/health-server.js';
import { createMetrics } from '../../src/worker/metrics.js';
import type { SyncMetrics } from '../../src/worker/metrics.js';

const ok = (): Promise<void> => Promise.resolve();

describe('health server over real HTTP', () => {
  const servers: HealthServer[] = [];

  async function start(
    checks: HealthServerOptions['checks'],
    overrides: { metrics?: SyncMetrics; timeoutMs?: number } = {},
  ): Promise<string> {
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      checks,
      metrics: overrides.metrics ?? createMetrics(),
      ...(overrides.timeoutMs === undefined ? {} : { timeoutMs: overrides.timeoutMs }),
    });
    servers.push(server);
    return `http://127.0.0.1:${server.port}`;
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('answers 200 ok with every check named when all pass', async () => {
    const base = await start({ redis: ok, database: ok });

    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok', checks: { redis: 'ok', database: 'ok' } });
  });

  it('answers 503 naming the failed check and its message, the others still ok', async () => {
    const base = await start({
      redis: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
      database: ok,
    });

    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'unavailable',
      checks: { redis: 'error: connect ECONNREFUSED 127.0.0.1:6379', database: 'ok' },
    });
  });

  it('answers 503 within the timeout when a check never settles, running the checks concurrently', async () => {
    const base = await start(
      {
        redis: () => new Promise<void>(() => undefined),
        database: () => new Promise<void>(() => undefined),
      },
      { timeoutMs: 300 },
    );

    const started = performance.now();
    const response = await fetch(`${base}/healthz`);
    const elapsed = performance.now() - started;
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'unavailable',
      checks: { redis: 'error: no answer within 300 ms', database: 'error: no answer within 300 ms' },
    });
    // Two hanging checks in sequence would take 600 ms.
    expect(elapsed).toBeLessThan(550);
  });

  it('strips credentials from URLs in check errors', async () => {
    const base = await start({
      redis: () => Promise.reject(new Error('Connection to redis://u:secret@cache.internal:6379/0 refused')),
      database: () => {
        throw new Error('password authentication failed for postgres://dirsync:p@ss%2Fw0rd@db:5432/dirsync');
      },
    });

    const response = await fetch(`${base}/healthz`);
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(text).not.toContain('secret');
    expect(text).not.toContain('p@ss');
    expect(text).not.toContain('w0rd');
    expect(JSON.parse(text)).toEqual({
      status: 'unavailable',
      checks: {
        redis: 'error: Connection to redis://***@cache.internal:6379/0 refused',
        database: 'error: password authentication failed for postgres://***@db:5432/dirsync',
      },
    });
  });

  it('serves every metric in Prometheus text with its content type once recorded', async () => {
    const metrics = createMetrics({
      queueCounts: () => Promise.resolve({ waiting: 4, active: 1, delayed: 2, failed: 0 }),
    });
    metrics.recordRun('acme', 'succeeded', 12_000, ['user.create']);
    metrics.recordIdpRequest('acme', 'graph', true);
    metrics.recordTargetError('acme', 'not_found');
    const base = await start({ redis: ok }, { metrics });

    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
    const text = await response.text();
    for (const line of [
      'dirsync_runs_total{connection="acme",result="succeeded"} 1',
      'dirsync_run_duration_seconds_count{connection="acme"} 1',
      'dirsync_ops_applied_total{connection="acme",kind="user.create"} 1',
      'dirsync_idp_requests_total{connection="acme",idp="graph"} 1',
      'dirsync_idp_throttles_total{connection="acme",idp="graph"} 1',
      'dirsync_target_errors_total{connection="acme",kind="not_found"} 1',
      'dirsync_queue_jobs{state="waiting"} 4',
      'dirsync_queue_jobs{state="active"} 1',
      'dirsync_queue_jobs{state="delayed"} 2',
      'dirsync_queue_jobs{state="failed"} 0',
    ]) {
      expect(text).toContain(line);
    }
  });

  it('still serves /metrics when the queue callback throws', async () => {
    const metrics = createMetrics({ queueCounts: () => Promise.reject(new Error('redis://u:secret@cache down')) });
    metrics.recordRun('acme', 'partial', 1_000, []);
    const base = await start({ redis: ok }, { metrics });

    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('dirsync_runs_total{connection="acme",result="partial"} 1');
    expect(text).not.toContain('dirsync_queue_jobs{');
    expect(text).not.toContain('secret');
  });

  it('answers 404 to any other path or method', async () => {
    const base = await start({ redis: ok });

    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/health`)).status).toBe(404);
    expect((await fetch(`${base}/metrics/extra`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(404);
  });

  it('frees its port on close, so the same port can be bound again', async () => {
    const first = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      checks: { redis: ok },
      metrics: createMetrics(),
    });
    expect(first.port).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${first.port}/healthz`)).status).toBe(200);
    await first.close();
    await expect(fetch(`http://127.0.0.1:${first.port}/healthz`)).rejects.toThrow();

    const second = await startHealthServer({
      port: first.port,
      host: '127.0.0.1',
      checks: { redis: ok },
      metrics: createMetrics(),
    });
    servers.push(second);
    expect(second.port).toBe(first.port);
    expect((await fetch(`http://127.0.0.1:${second.port}/healthz`)).status).toBe(200);
  });
});
