import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startCli, type CliResult } from '../../test/support/cli-process.js';
import { childUsage, type ChildUsage } from './child-usage.js';

/** A counter the bench watches while the child runs (IdP requests answered, SCIM writes, mails received). */
export type Probe = () => number;

/** When a watched counter first moved and last moved, in ms from the child's spawn. */
export interface CounterSpan {
  readonly first: number | undefined;
  readonly last: number | undefined;
  readonly final: number;
}

/** One log line of the child, with when the bench received it (ms from spawn). */
export interface TimedLine {
  readonly atMs: number;
  readonly msg: string;
}

export interface TimedCliRun {
  readonly ms: number;
  readonly result: CliResult;
  /** Whether the bench stopped the child at its time limit. */
  readonly timedOut: boolean;
  /** From the child's exit hook; else the last VmHWM polled from /proc (may miss the final moments). */
  readonly peakRssMb: number | undefined;
  readonly usage: ChildUsage | undefined;
  readonly spans: Readonly<Record<string, CounterSpan>>;
  /** The child's JSON log lines that carry a message (pino), e.g. the progress lines. */
  readonly lines: readonly TimedLine[];
}

const POLL_MS = 250;
/** After SIGTERM the CLI aborts its run and records it; past this it is killed. */
const GRACE_MS = 30_000;

/**
 * Runs the built CLI and watches it: wall time, peak RSS (the exit hook, else /proc VmHWM), when each probe's
 * counter first and last moved, and every log line with its arrival time. Past `timeoutMs` the child gets SIGTERM
 * (the CLI stops its run cleanly) and, `GRACE_MS` later, SIGKILL.
 */
export async function timedCliRun(
  args: readonly string[],
  env: Record<string, string>,
  options: { readonly timeoutMs: number; readonly probes?: Readonly<Record<string, Probe>> },
): Promise<TimedCliRun> {
  const probes = Object.entries(options.probes ?? {});
  const spans = new Map(
    probes.map(([name, probe]) => [
      name,
      { first: undefined as number | undefined, last: undefined as number | undefined, value: probe() },
    ]),
  );
  const showTimeline = process.env['BENCH_TIMELINE'] !== undefined;
  const timelineMs = Math.max(
    50,
    Number(process.env['BENCH_TIMELINE']) > 1 ? Number(process.env['BENCH_TIMELINE']) : 1000,
  );
  const start = performance.now();
  const since = () => performance.now() - start;
  const { child, done } = startCli(args, env);
  const lines: TimedLine[] = [];
  let pending = '';
  const onData = (chunk: string) => {
    const atMs = since();
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.startsWith('{')) continue;
      try {
        const { msg } = JSON.parse(part) as { msg?: unknown };
        if (typeof msg === 'string') lines.push({ atMs, msg });
        // With the timeline: the log's milestones (read, planned, …) between its lines; not the progress lines.
        if (showTimeline && typeof msg === 'string' && !msg.startsWith('applying:')) {
          process.stderr.write(`  t=${(atMs / 1000).toFixed(2)}s log: ${msg}\n`);
        }
      } catch {
        // Not a log line: the report or the usage mark.
      }
    }
  };
  child.stderr?.on('data', onData);
  child.stdout?.on('data', onData);

  let hwmKb: number | undefined;
  const poll = () => {
    const t = since();
    for (const [name, probe] of probes) {
      const span = spans.get(name);
      const value = probe();
      if (span === undefined || value === span.value) continue;
      span.first ??= t;
      span.last = t;
      span.value = value;
    }
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(child.pid)}/status`, 'utf8'));
      if (match !== null) hwmKb = Number(match[1]);
    } catch {
      // The child has exited between two polls.
    }
  };
  const poller = setInterval(poll, POLL_MS);
  // BENCH_TIMELINE=1: each watched counter once a second, to see where a phase's throughput drops (a number > 1:
  // that many ms instead of 1 000).
  const timeline = !showTimeline
    ? undefined
    : setInterval(() => {
        const counts = probes.map(([name, probe]) => `${name} ${String(probe())}`).join(', ');
        let rss = '';
        try {
          const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(child.pid)}/status`, 'utf8'));
          if (match !== null) rss = `, RSS ${(Number(match[1]) / 1024).toFixed(0)} MB`;
        } catch {
          // Exited meanwhile.
        }
        process.stderr.write(`  t=${(since() / 1000).toFixed(timelineMs < 1000 ? 1 : 0)}s ${counts}${rss}\n`);
      }, timelineMs);
  let timedOut = false;
  let killer: NodeJS.Timeout | undefined;
  const stopper = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    killer = setTimeout(() => child.kill('SIGKILL'), GRACE_MS);
  }, options.timeoutMs);
  try {
    const result = await done;
    const ms = since();
    poll();
    const usage = childUsage(result.stderr);
    const peakKb = usage?.maxRssKb ?? hwmKb;
    return {
      ms,
      result,
      timedOut,
      peakRssMb: peakKb === undefined ? undefined : peakKb / 1024,
      usage,
      spans: Object.fromEntries(
        [...spans].map(([name, s]) => [name, { first: s.first, last: s.last, final: s.value }]),
      ),
      lines,
    };
  } finally {
    clearInterval(poller);
    clearInterval(timeline);
    clearTimeout(stopper);
    if (killer !== undefined) clearTimeout(killer);
  }
}
