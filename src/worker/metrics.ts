import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The worker's Prometheus metrics, on a registry of their own (never prom-client's global one), so tests
 * and several instances in one process never collide.
 */
export interface SyncMetrics {
  /** Serve `await registry.metrics()` with `registry.contentType`. */
  readonly registry: Registry;
  /**
   * One finished run: counts it under `result` (`succeeded`, `partial`, `held`, `planned`, `read-failed`,
   * `stopped`, `skipped`, `error`), observes its duration, and counts one applied op per entry of
   * `appliedKinds` (`user.create`, …; repeat a kind once per op).
   */
  recordRun(connection: string, result: string, durationMs: number, appliedKinds: readonly string[]): void;
  /** One write to the app that failed, by `TargetError` kind. */
  recordTargetError(connection: string, kind: string): void;
  /** One request to the IdP; a throttled one (429) counts as a request and as a throttle. */
  recordIdpRequest(connection: string, idp: string, throttled: boolean): void;
  /** One job that ran no sync, by reason (`quarantined`, `coalesced`, `removed`). */
  recordSkip(connection: string, reason: string): void;
}

export interface CreateMetricsOptions {
  /**
   * Job counts by state (`waiting`, `active`, `delayed`, `failed`), read at each scrape for
   * `dirsync_queue_jobs`. When it fails or outlasts `queueCountsTimeoutMs`, the gauge is left empty for
   * that scrape and every other metric is still served.
   */
  readonly queueCounts?: () => Promise<Readonly<Record<string, number>>>;
  /** Default 2000. */
  readonly queueCountsTimeoutMs?: number;
  /**
   * How many connections are quarantined now, read at each scrape for `dirsync_connections_quarantined`. When it
   * fails or outlasts `queueCountsTimeoutMs` the gauge is NaN for that scrape: a gauge without labels cannot be
   * left empty, and 0 would say "none quarantined" while the database cannot tell.
   */
  readonly quarantinedConnections?: () => Promise<number>;
}

// 1 s to 1 h: a small directory's incremental run up to a full read of a large one.
const RUN_DURATION_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export function createMetrics(options: CreateMetricsOptions = {}): SyncMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'dirsync_' });

  const runs = new Counter({
    name: 'dirsync_runs_total',
    help: 'Sync runs by connection and result (succeeded, partial, held, planned, read-failed, stopped, skipped, error).',
    labelNames: ['connection', 'result'] as const,
    registers,
  });
  const runDuration = new Histogram({
    name: 'dirsync_run_duration_seconds',
    help: 'Wall-clock duration of a sync run.',
    labelNames: ['connection'] as const,
    buckets: RUN_DURATION_BUCKETS,
    registers,
  });
  const opsApplied = new Counter({
    name: 'dirsync_ops_applied_total',
    help: 'Ops applied to the app, by kind (user.create, group.update, ...).',
    labelNames: ['connection', 'kind'] as const,
    registers,
  });
  const idpRequests = new Counter({
    name: 'dirsync_idp_requests_total',
    help: 'Requests sent to the identity provider, throttled ones included.',
    labelNames: ['connection', 'idp'] as const,
    registers,
  });
  const idpThrottles = new Counter({
    name: 'dirsync_idp_throttles_total',
    help: 'Requests the identity provider throttled (429).',
    labelNames: ['connection', 'idp'] as const,
    registers,
  });
  const targetErrors = new Counter({
    name: 'dirsync_target_errors_total',
    help: 'Failed writes to the app, by TargetError kind (auth, rejected, not_found, unavailable, bad_response, config).',
    labelNames: ['connection', 'kind'] as const,
    registers,
  });

  const runsSkipped = new Counter({
    name: 'dirsync_runs_skipped_total',
    help: 'Sync jobs that ran no sync, by connection and reason (quarantined, coalesced, removed).',
    labelNames: ['connection', 'reason'] as const,
    registers,
  });

  const { queueCounts, quarantinedConnections } = options;
  const queueCountsTimeoutMs = options.queueCountsTimeoutMs ?? 2_000;
  new Gauge({
    name: 'dirsync_queue_jobs',
    help: 'Sync jobs in the queue, by state (waiting, active, delayed, failed).',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      // Reset first: a state that is gone, or a failed read, must not leave a stale figure behind.
      this.reset();
      if (queueCounts === undefined) return;
      let counts: Readonly<Record<string, number>>;
      try {
        counts = await withTimeout(queueCounts(), queueCountsTimeoutMs);
      } catch {
        // A queue that cannot be read must not take /metrics down with it; /healthz reports Redis.
        return;
      }
      for (const [state, count] of Object.entries(counts)) {
        if (Number.isFinite(count)) this.set({ state }, count);
      }
    },
  });

  new Gauge({
    name: 'dirsync_connections_quarantined',
    help: 'Connections whose runs kept failing and whose scheduled runs are skipped until their quarantine ends.',
    registers,
    async collect() {
      if (quarantinedConnections === undefined) return;
      try {
        this.set(await withTimeout(quarantinedConnections(), queueCountsTimeoutMs));
      } catch {
        // The database being down must not take /metrics down with it; /healthz reports the database.
        this.set(Number.NaN);
      }
    },
  });

  return {
    registry,
    recordRun(connection, result, durationMs, appliedKinds) {
      runs.inc({ connection, result });
      runDuration.observe({ connection }, durationMs / 1_000);
      const perKind = new Map<string, number>();
      for (const kind of appliedKinds) perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
      for (const [kind, count] of perKind) opsApplied.inc({ connection, kind }, count);
    },
    recordTargetError(connection, kind) {
      targetErrors.inc({ connection, kind });
    },
    recordIdpRequest(connection, idp, throttled) {
      idpRequests.inc({ connection, idp });
      if (throttled) idpThrottles.inc({ connection, idp });
    },
    recordSkip(connection, reason) {
      runsSkipped.inc({ connection, reason });
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
