import { describe, expect, it } from 'vitest';
import { createProgressReporter, type ProgressLog } from '../../../src/cli/progress-reporter.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, write: (chunk: string) => writes.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

function fakeLog() {
  const lines: string[] = [];
  const fields: Record<string, unknown>[] = [];
  const log: ProgressLog = {
    info: (obj: object, msg: string) => {
      fields.push(obj as Record<string, unknown>);
      lines.push(msg);
    },
  };
  return { log, lines, fields };
}

/** A terminal and a clock the test moves. */
function onTerminal() {
  const { stream, writes } = fakeStream(true);
  const clock = { now: 0 };
  const progress = createProgressReporter(stream, fakeLog().log, () => clock.now);
  const lastLine = () => (writes.at(-1) ?? '').replace('\r\x1b[2K', '');
  return { progress, clock, writes, lastLine };
}

describe('progress of a long run', () => {
  it('rewrites one line on a terminal and ends each phase with a newline', () => {
    const { stream, writes } = fakeStream(true);
    let now = 0;
    const progress = createProgressReporter(stream, fakeLog().log, () => now);
    progress({ type: 'read.page', pages: 1, objects: 200 });
    now += 10;
    progress({ type: 'read.page', pages: 2, objects: 400 }); // within 100 ms: skipped
    now += 200;
    progress({ type: 'read.page', pages: 3, objects: 600 });
    progress({ type: 'read.done', pages: 3, objects: 650, full: true });
    progress({ type: 'apply.op', done: 5, total: 5, kind: 'user.create' });
    expect(writes).toHaveLength(4);
    // Under a second measured: no rate yet.
    expect(writes[0]).toBe('\r\u001b[2Kreading the directory: 1 pages, 200 objects');
    expect(writes[2]).toMatch(/read the directory \(full\): 3 pages, 650 objects\n$/);
    expect(writes[3]).toMatch(/applying: 5\/5 ops \(user\.create\)\n$/);
  });

  it('shows the apply rate and an estimate of the time left on a terminal', () => {
    const { progress, clock, lastLine } = onTerminal();
    progress({ type: 'plan.done', ops: 20_000 });
    clock.now = 3_010;
    progress({ type: 'apply.op', done: 1_234, total: 20_000, kind: 'user.create' });
    expect(lastLine()).toBe('applying: 1 234/20 000 ops (user.create) · 410 ops/s · about 46 s left');
  });

  it('times the apply from the plan, not from the start of the run', () => {
    const { progress, clock, lastLine } = onTerminal();
    clock.now = 60_000; // a minute of reading and planning
    progress({ type: 'plan.done', ops: 1_000 });
    clock.now = 62_000;
    progress({ type: 'apply.op', done: 200, total: 1_000, kind: 'members.add' });
    expect(lastLine()).toBe('applying: 200/1 000 ops (members.add) · 100 ops/s · about 8 s left');
  });

  it('follows the recent pace (last 5 s), not the average since the start', () => {
    const { progress, clock, lastLine } = onTerminal();
    progress({ type: 'plan.done', ops: 10_000 });
    let done = 0;
    for (let step = 0; step < 100; step++) {
      clock.now += 100; // 10 s at 100 ops/s
      done += 10;
      progress({ type: 'apply.op', done, total: 10_000, kind: 'user.create' });
    }
    for (let step = 0; step < 60; step++) {
      clock.now += 100; // then 6 s at 10 ops/s (the app started throttling)
      done += 1;
      progress({ type: 'apply.op', done, total: 10_000, kind: 'user.create' });
    }
    // 8 940 left at 10 ops/s: about 15 min (the average since the start, 69 ops/s, would say 2 min).
    expect(lastLine()).toBe('applying: 1 060/10 000 ops (user.create) · 10 ops/s · about 15 min left');
  });

  it('shows the objects read per second while reading', () => {
    const { progress, clock, lastLine } = onTerminal();
    for (let page = 1; page <= 8; page++) {
      clock.now = page * 250;
      progress({ type: 'read.page', pages: page, objects: page * 200 });
    }
    expect(lastLine()).toBe('reading the directory: 8 pages, 1 600 objects · 800 objects/s');
  });

  it.each([
    [100, 1_000_000, 'about 2 h 47 min left'],
    [100, 7_200 * 100 + 1_000, 'about 2 h left'],
    [100, 300 * 100 + 1_000, 'about 5 min left'],
    [2, 26, 'about 3 s left'],
  ])('writes an estimate of %d ops/s with %d ops in all as "%s"', (rate, total, text) => {
    const { progress, clock, lastLine } = onTerminal();
    progress({ type: 'plan.done', ops: total });
    clock.now = 10_000;
    progress({ type: 'apply.op', done: rate * 10, total, kind: 'invite.send' });
    expect(lastLine()).toMatch(new RegExp(`· ${text}$`));
  });

  it('shows a slow rate with one decimal and no estimate on the last op', () => {
    const { progress, clock, writes, lastLine } = onTerminal();
    progress({ type: 'plan.done', ops: 5 });
    clock.now = 2_000;
    progress({ type: 'apply.op', done: 5, total: 5, kind: 'invite.send' });
    expect(lastLine()).toBe('applying: 5/5 ops (invite.send) · 2.5 ops/s\n');
    expect(writes.at(-1)?.endsWith('\n')).toBe(true);
  });

  it('logs a progress line every few seconds when not on a terminal, and writes nothing to the stream', () => {
    const { stream, writes } = fakeStream(false);
    const { log, lines } = fakeLog();
    let now = 0;
    const progress = createProgressReporter(stream, log, () => now);
    for (let op = 1; op <= 100; op++) {
      now += 200; // 20 s in all
      progress({ type: 'apply.op', done: op, total: 100, kind: 'members.add' });
    }
    expect(writes).toEqual([]);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(lines[0]).toMatch(/^applying: \d+\/100 ops/);
  });

  it('gives log lines the rate and the seconds left as fields', () => {
    const { stream } = fakeStream(false);
    const { log, lines, fields } = fakeLog();
    let now = 0;
    const progress = createProgressReporter(stream, log, () => now);
    progress({ type: 'plan.done', ops: 1_000 });
    for (let op = 1; op <= 600; op++) {
      now += 10; // 100 ops/s
      progress({ type: 'apply.op', done: op, total: 1_000, kind: 'user.create' });
    }
    expect(lines).toEqual(['applying: 500/1 000 ops (user.create) · 100 ops/s · about 5 s left']);
    expect(fields[0]).toEqual({
      progress: { type: 'apply.op', done: 500, total: 1_000, kind: 'user.create' },
      rate: 100,
      etaSeconds: 5,
    });
  });

  it('logs reading progress with a rate and no estimate (the total is unknown)', () => {
    const { stream } = fakeStream(false);
    const { log, fields } = fakeLog();
    let now = 0;
    const progress = createProgressReporter(stream, log, () => now);
    for (let page = 1; page <= 30; page++) {
      now += 200;
      progress({ type: 'read.page', pages: page, objects: page * 200 });
    }
    expect(fields[0]).toMatchObject({ rate: 1_000, etaSeconds: null });
  });
});
