import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/worker/metrics.js';

describe('createMetrics', () => {
  it('counts a run by result, observes its duration in seconds and counts applied ops by kind', async () => {
    const metrics = createMetrics();
    metrics.recordRun('acme', 'succeeded', 90_000, ['user.create', 'user.create', 'group.update']);
    metrics.recordRun('acme', 'held', 2_500, []);

    const text = await metrics.registry.metrics();
    expect(text).toContain('dirsync_runs_total{connection="acme",result="succeeded"} 1');
    expect(text).toContain('dirsync_runs_total{connection="acme",result="held"} 1');
    expect(text).toContain('dirsync_run_duration_seconds_count{connection="acme"} 2');
    expect(text).toContain('dirsync_run_duration_seconds_sum{connection="acme"} 92.5');
    expect(text).toContain('dirsync_run_duration_seconds_bucket{le="1",connection="acme"} 0');
    expect(text).toContain('dirsync_run_duration_seconds_bucket{le="3600",connection="acme"} 2');
    expect(text).toContain('dirsync_ops_applied_total{connection="acme",kind="user.create"} 2');
    expect(text).toContain('dirsync_ops_applied_total{connection="acme",kind="group.update"} 1');
  });

  it('counts a throttled IdP request both as a request and as a throttle', async () => {
    const metrics = createMetrics();
    metrics.recordIdpRequest('acme', 'okta', false);
    metrics.recordIdpRequest('acme', 'okta', true);

    const text = await metrics.registry.metrics();
    expect(text).toContain('dirsync_idp_requests_total{connection="acme",idp="okta"} 2');
    expect(text).toContain('dirsync_idp_throttles_total{connection="acme",idp="okta"} 1');
  });

  it('counts target errors by kind', async () => {
    const metrics = createMetrics();
    metrics.recordTargetError('acme', 'rejected');
    metrics.recordTargetError('acme', 'rejected');
    metrics.recordTargetError('acme', 'unavailable');

    const text = await metrics.registry.metrics();
    expect(text).toContain('dirsync_target_errors_total{connection="acme",kind="rejected"} 2');
    expect(text).toContain('dirsync_target_errors_total{connection="acme",kind="unavailable"} 1');
  });

  it('counts jobs that ran no sync by connection and reason', async () => {
    const metrics = createMetrics();
    metrics.recordSkip('acme', 'quarantined');
    metrics.recordSkip('acme', 'quarantined');
    metrics.recordSkip('globex', 'coalesced');

    const text = await metrics.registry.metrics();
    expect(text).toContain('dirsync_runs_skipped_total{connection="acme",reason="quarantined"} 2');
    expect(text).toContain('dirsync_runs_skipped_total{connection="globex",reason="coalesced"} 1');
  });

  it('reads the quarantined connections at each scrape, and says NaN (not 0) when they cannot be read', async () => {
    let answer: () => Promise<number> = () => Promise.resolve(3);
    const metrics = createMetrics({ quarantinedConnections: () => answer(), queueCountsTimeoutMs: 50 });
    expect(await metrics.registry.metrics()).toContain('\ndirsync_connections_quarantined 3\n');

    answer = () => Promise.resolve(0);
    expect(await metrics.registry.metrics()).toContain('\ndirsync_connections_quarantined 0\n');

    answer = () => Promise.reject(new Error('the database is down'));
    const failed = await metrics.registry.metrics();
    // prom-client writes `Nan`; Prometheus parses NaN in any case.
    expect(failed).toMatch(/\ndirsync_connections_quarantined nan\n/i);
    expect(failed).toContain('# TYPE dirsync_runs_total counter');

    answer = () => new Promise(() => undefined);
    expect(await metrics.registry.metrics()).toMatch(/\ndirsync_connections_quarantined nan\n/i);
  });

  it('collects default process metrics under the dirsync_ prefix', async () => {
    const text = await createMetrics().registry.metrics();
    expect(text).toContain('dirsync_process_cpu_user_seconds_total');
    expect(text).toContain('dirsync_nodejs_heap_size_used_bytes');
  });

  it('keeps each instance on its own registry, so two never collide or share counts', async () => {
    const first = createMetrics();
    const second = createMetrics();
    first.recordTargetError('acme', 'auth');

    expect(first.registry).not.toBe(second.registry);
    expect(await first.registry.metrics()).toContain('dirsync_target_errors_total{connection="acme",kind="auth"} 1');
    expect(await second.registry.metrics()).not.toContain('kind="auth"');
  });

  it('sets the queue gauge from the callback at each scrape and forgets states it no longer reports', async () => {
    let counts: Record<string, number> = { waiting: 3, active: 1, delayed: 0, failed: 2 };
    const metrics = createMetrics({ queueCounts: () => Promise.resolve(counts) });

    const first = await metrics.registry.metrics();
    expect(first).toContain('dirsync_queue_jobs{state="waiting"} 3');
    expect(first).toContain('dirsync_queue_jobs{state="active"} 1');
    expect(first).toContain('dirsync_queue_jobs{state="delayed"} 0');
    expect(first).toContain('dirsync_queue_jobs{state="failed"} 2');

    counts = { waiting: 0 };
    const second = await metrics.registry.metrics();
    expect(second).toContain('dirsync_queue_jobs{state="waiting"} 0');
    expect(second).not.toContain('dirsync_queue_jobs{state="failed"}');
  });

  it('serves every other metric, and no stale queue figure, when the queue callback fails', async () => {
    let fail = false;
    const metrics = createMetrics({
      queueCounts: () => (fail ? Promise.reject(new Error('Redis is down')) : Promise.resolve({ waiting: 7 })),
    });
    metrics.recordRun('acme', 'error', 1_000, []);
    expect(await metrics.registry.metrics()).toContain('dirsync_queue_jobs{state="waiting"} 7');

    fail = true;
    const text = await metrics.registry.metrics();
    expect(text).toContain('dirsync_runs_total{connection="acme",result="error"} 1');
    expect(text).toContain('# TYPE dirsync_queue_jobs gauge');
    expect(text).not.toContain('dirsync_queue_jobs{');
  });

  it('serves the other metrics when the queue callback throws synchronously or never answers', async () => {
    const throwing = createMetrics({
      queueCounts: () => {
        throw new Error('not connected');
      },
    });
    expect(await throwing.registry.metrics()).toContain('# TYPE dirsync_queue_jobs gauge');

    const hanging = createMetrics({ queueCounts: () => new Promise(() => undefined), queueCountsTimeoutMs: 50 });
    const text = await hanging.registry.metrics();
    expect(text).toContain('# TYPE dirsync_runs_total counter');
    expect(text).not.toContain('dirsync_queue_jobs{');
  });
});
