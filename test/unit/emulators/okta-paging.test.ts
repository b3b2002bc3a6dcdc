import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inCursorOrder, pageByCursor, pageSortedByCursor } from '../../emulators/okta/okta-paging.js';

describe('Okta emulator paging', () => {
  it('pages a sorted collection lazily exactly as paging all its matching views', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 500 }), { maxLength: 60 }),
        fc.option(fc.integer({ min: -1, max: 501 }), { nil: undefined }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        (numbers, afterNumber, limit, modulo) => {
          const cursor = (n: number) => String(n).padStart(4, '0');
          const sorted = inCursorOrder(numbers, cursor);
          const after = afterNumber === undefined ? undefined : cursor(afterNumber);
          const view = (n: number) => ({ id: cursor(n), n });
          const matches = (v: { n: number }) => v.n % modulo === 0;
          const eager = pageByCursor(sorted.map(view).filter(matches), (v) => v.id, after, limit);
          expect(pageSortedByCursor(sorted, cursor, after, limit, view, matches)).toEqual(eager);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps values already in cursor order as they are and sorts others', () => {
    expect(inCursorOrder(['a', 'b', 'c'], (s) => s)).toEqual(['a', 'b', 'c']);
    expect(inCursorOrder(['b', 'c', 'a'], (s) => s)).toEqual(['a', 'b', 'c']);
  });
});
