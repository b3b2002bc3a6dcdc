import type { SyncProgress, SyncProgressEvent } from '../sync/sync-progress.js';

/** The slice of the logger (pino's `Logger`) the reporter uses. */
export interface ProgressLog {
  info(fields: object, message: string): void;
}

const LOG_EVERY_MS = 5_000;
const REDRAW_EVERY_MS = 100;

/**
 * The rate is measured over a sliding window of the last few seconds rather than since the start: applying
 * runs through kinds of very different speed (creates, then fast member changes, then invites paced by the
 * mail server) and through rate limits, so the recent pace predicts the next seconds better than the average.
 * Five seconds smooths the jitter of single requests while following a change of pace quickly.
 */
const RATE_WINDOW_MS = 5_000;
/** No rate (nor estimate) is shown before this much time has been measured: one page or one op says little. */
const MIN_RATE_SPAN_MS = 1_000;
/** Samples kept at most this often, so the window holds about 50 of them whatever the event rate. */
const SAMPLE_EVERY_MS = 100;

/**
 * Progress of a long run: a self-rewriting line on a terminal, periodic log lines otherwise (a worker's logs
 * must show that a 20 000-user read is moving without a line per page). Both carry a rate (objects/s while
 * reading, ops/s while applying) and, while applying, an estimate of the time left:
 * `applying: 1 234/20 000 ops (user.create) · 410 ops/s · about 34 s left`; log lines have them as the
 * `rate` (per second) and `etaSeconds` fields (null until known). `now` is milliseconds (e.g. `Date.now`);
 * the read is timed from the reporter's creation, the apply from the `plan.done` event.
 */
export function createProgressReporter(stream: NodeJS.WriteStream, log: ProgressLog, now: () => number): SyncProgress {
  const speed = createSpeed(now());
  if (stream.isTTY) {
    let last = Number.NEGATIVE_INFINITY;
    return (event) => {
      const t = now();
      const pace = speed(event, t);
      const final = event.type === 'read.done' || event.type === 'plan.done' || isLastOp(event);
      if (!final && t - last < REDRAW_EVERY_MS) return;
      last = t;
      stream.write(`\r\x1b[2K${describe(event, pace)}${final ? '\n' : ''}`);
    };
  }
  let last = now();
  return (event) => {
    const t = now();
    const pace = speed(event, t);
    if (event.type === 'read.page' || event.type === 'apply.op') {
      if (t - last < LOG_EVERY_MS) return;
      last = t;
      const rate = pace.rate === null ? null : Math.round(pace.rate * 10) / 10;
      const etaSeconds = pace.etaSeconds === null ? null : Math.ceil(pace.etaSeconds);
      log.info({ progress: event, rate, etaSeconds }, describe(event, pace));
    }
  };
}

/** How fast the current phase goes: per second, and the seconds left when the total is known. */
interface Pace {
  readonly rate: number | null;
  readonly etaSeconds: number | null;
}

const UNKNOWN: Pace = { rate: null, etaSeconds: null };

/** One rate meter per phase: reading counts objects from the start, applying counts ops from `plan.done`. */
function createSpeed(start: number): (event: SyncProgressEvent, t: number) => Pace {
  let meter = createRateMeter(start, 0);
  let phase: 'read' | 'apply' = 'read';
  return (event, t) => {
    switch (event.type) {
      case 'read.page':
        return { rate: meter(t, event.objects), etaSeconds: null };
      case 'read.done':
        return UNKNOWN;
      case 'plan.done':
        meter = createRateMeter(t, 0);
        phase = 'apply';
        return UNKNOWN;
      case 'apply.op': {
        if (phase !== 'apply') {
          meter = createRateMeter(t, event.done);
          phase = 'apply';
        }
        const rate = meter(t, event.done);
        const left = event.total - event.done;
        return { rate, etaSeconds: rate === null || rate <= 0 || left <= 0 ? null : left / rate };
      }
    }
  };
}

/**
 * A counter's rate over the last `RATE_WINDOW_MS`: `observe(t, count)` takes the counter's value at time `t`
 * and returns the rate per second since the oldest sample of the window, or null while less than
 * `MIN_RATE_SPAN_MS` is measured.
 */
function createRateMeter(start: number, count: number): (t: number, count: number) => number | null {
  const samples: { t: number; count: number }[] = [{ t: start, count }];
  return (t, value) => {
    const newest = samples[samples.length - 1];
    if (newest === undefined || t - newest.t >= SAMPLE_EVERY_MS) samples.push({ t, count: value });
    // Keep one sample at or before the window's start, so the window spans the whole RATE_WINDOW_MS.
    while (samples.length > 1 && (samples[1]?.t ?? t) <= t - RATE_WINDOW_MS) samples.shift();
    const oldest = samples[0];
    if (oldest === undefined || t - oldest.t < MIN_RATE_SPAN_MS) return null;
    return ((value - oldest.count) * 1000) / (t - oldest.t);
  };
}

function isLastOp(event: SyncProgressEvent): boolean {
  return event.type === 'apply.op' && event.done === event.total;
}

function describe(event: SyncProgressEvent, pace: Pace): string {
  switch (event.type) {
    case 'read.page':
      return `reading the directory: ${formatCount(event.pages)} pages, ${formatCount(event.objects)} objects${rateText(pace, 'objects')}`;
    case 'read.done':
      return `read the directory (${event.full ? 'full' : 'changes only'}): ${formatCount(event.pages)} pages, ${formatCount(event.objects)} objects`;
    case 'plan.done':
      return `planned ${formatCount(event.ops)} ops`;
    case 'apply.op': {
      const eta = pace.etaSeconds === null ? '' : ` · about ${formatDuration(pace.etaSeconds)} left`;
      return `applying: ${formatCount(event.done)}/${formatCount(event.total)} ops (${event.kind})${rateText(pace, 'ops')}${eta}`;
    }
  }
}

function rateText(pace: Pace, unit: string): string {
  if (pace.rate === null) return '';
  const rate = pace.rate >= 10 ? formatCount(Math.round(pace.rate)) : pace.rate.toFixed(1);
  return ` · ${rate} ${unit}/s`;
}

/** `46 s`, `3 min`, `1 h 20 min`: an estimate, so no more precision than that. */
function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.ceil(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

// Digits grouped by a space (`20 000`), the same on every machine whatever its locale.
function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}
