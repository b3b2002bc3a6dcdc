import { describe, expect, it } from 'vitest';
import { createProgressReporter } from '../../../src/cli/progress-reporter.js';
import type { Log } from '../../../src/logger.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, write: (chunk: string) => writes.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

function fakeLog() {
  const lines: string[] = [];
  const log = { info: (_obj: unknown, msg: string) => lines.push(msg) } as unknown as Log;
  return { log, lines };
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
    expect(writes[0]).toBe('\r\u001b[2Kreading the directory: 1 pages, 200 objects');
    expect(writes[2]).toMatch(/read the directory \(full\): 3 pages, 650 objects\n$/);
    expect(writes[3]).toMatch(/applying: 5\/5 ops \(user\.create\)\n$/);
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
});
