import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readAheadInOrder, type PagedSource } from '../../../connectors/read-ahead.js';

/** A scripted source: its pages after the given delays, with a record of what it did. */
interface Probe {
  started: number;
  running: number;
  maxRunning: number;
  closed: string[];
  aborted: string[];
}

const probe = (): Probe => ({ started: 0, running: 0, maxRunning: 0, closed: [], aborted: [] });

function source(
  p: Probe,
  name: string,
  delaysMs: readonly number[],
  options: { failAfter?: number; produced?: (name: string) => void } = {},
): PagedSource<string> {
  return async function* pages(signal) {
    p.started++;
    p.running++;
    p.maxRunning = Math.max(p.maxRunning, p.running);
    signal.addEventListener('abort', () => p.aborted.push(name), { once: true });
    try {
      for (const [index, delay] of delaysMs.entries()) {
        await sleep(delay);
        if (options.failAfter === index) throw new Error(`${name} failed`);
        options.produced?.(name);
        yield `${name}.${index}`;
      }
    } finally {
      p.running--;
      p.closed.push(name);
    }
  };
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const page of pages) seen.push(page);
  return seen;
}

const sequential = (sources: readonly (readonly [string, readonly number[]])[]): string[] =>
  sources.flatMap(([name, delays]) => delays.map((_, index) => `${name}.${index}`));

describe('readAheadInOrder', () => {
  it('yields every page in the order a sequential read would, whatever the timing (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        async (delays, concurrency, ahead) => {
          const p = probe();
          const named = delays.map((d, i) => [`s${i}`, d] as const);
          const read = readAheadInOrder(
            named.map(([name, d]) => source(p, name, d)),
            { concurrency, ahead },
          );
          expect(await collect(read)).toEqual(sequential(named));
          expect(p.maxRunning).toBeLessThanOrEqual(concurrency);
          expect(p.running).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads up to `concurrency` sources at once while the consumer is still on the first', async () => {
    const p = probe();
    const sources = ['a', 'b', 'c', 'd', 'e'].map((name) => source(p, name, [20, 20]));
    expect(await collect(readAheadInOrder(sources, { concurrency: 3, ahead: 1 }))).toEqual(
      sequential(['a', 'b', 'c', 'd', 'e'].map((name) => [name, [20, 20]] as const)),
    );
    expect(p.maxRunning).toBe(3);
    expect(p.started).toBe(5);
  });

  it('lets a source run no more than `ahead` pages ahead of a slow consumer', async () => {
    const p = probe();
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    const read = readAheadInOrder([source(p, 'a', [0, 0, 0, 0, 0, 0], { produced: () => (produced += 1) })], {
      concurrency: 1,
      ahead: 2,
    });
    for await (const _page of read) {
      consumed++;
      await sleep(5);
      maxAhead = Math.max(maxAhead, produced - consumed);
    }
    expect(consumed).toBe(6);
    // The pages waiting, plus the one the pump holds while it waits for room.
    expect(maxAhead).toBeLessThanOrEqual(2);
    expect(maxAhead).toBeGreaterThan(0);
  });

  it('delivers the pages before a failed source, then its error, and starts nothing after it', async () => {
    const p = probe();
    const sources = [
      source(p, 'a', [10, 10]),
      source(p, 'b', [0, 0], { failAfter: 1 }),
      source(p, 'c', [0]),
      source(p, 'd', [0]),
    ];
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const page of readAheadInOrder(sources, { concurrency: 2, ahead: 1 })) seen.push(page);
      })(),
    ).rejects.toThrow('b failed');
    expect(seen).toEqual(['a.0', 'a.1', 'b.0']);
    // c may have started in a's slot before b failed; d never does.
    expect(p.started).toBeLessThanOrEqual(3);
    expect(p.running).toBe(0);
  });

  it('aborts the running sources when the consumer stops early, and ends only once they have closed', async () => {
    const p = probe();
    const sources = ['a', 'b', 'c'].map((name) => source(p, name, [5, 5, 5]));
    for await (const page of readAheadInOrder(sources, { concurrency: 3, ahead: 1 })) {
      expect(page).toBe('a.0');
      break;
    }
    expect(p.running).toBe(0);
    expect(p.closed.sort()).toEqual(['a', 'b', 'c']);
    expect(p.aborted.sort()).toEqual(['a', 'b', 'c']);
  });

  it('fails with the reason of an aborted signal and leaves nothing running', async () => {
    const p = probe();
    const abortingSource: PagedSource<string> = async function* pages(signal) {
      p.running++;
      try {
        yield 'x.0';
        await sleep(1_000, undefined, { signal });
        yield 'x.1';
      } finally {
        p.running--;
      }
    };
    const controller = new AbortController();
    const read = readAheadInOrder([abortingSource, source(p, 'y', [0])], {
      concurrency: 2,
      ahead: 1,
      signal: controller.signal,
    });
    const seen: string[] = [];
    const done = (async () => {
      for await (const page of read) {
        seen.push(page);
        controller.abort(new Error('run cancelled'));
      }
    })();
    await expect(done).rejects.toThrow();
    expect(seen).toEqual(['x.0']);
    expect(p.running).toBe(0);
  });

  it.each([
    ['concurrency', { concurrency: 0, ahead: 1 }],
    ['ahead', { concurrency: 1, ahead: 1.5 }],
  ])('refuses a %s that is not a whole number ≥ 1', async (name, options) => {
    await expect(collect(readAheadInOrder([], options))).rejects.toThrow(name);
  });
});
