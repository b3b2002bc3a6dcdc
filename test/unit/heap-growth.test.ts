import { describe, expect, it } from 'vitest';
import { limitHeapGrowth } from '../../src/heap-growth.js';

describe('limitHeapGrowth', () => {
  it('sets the growing factor when node was started without one', () => {
    expect(limitHeapGrowth([])).toBe(true);
    expect(limitHeapGrowth(['--enable-source-maps', '--max-old-space-size=512'])).toBe(true);
  });

  it.each([['--heap-growing-percent=50'], ['--heap_growing_percent=50'], ['--heap-growing-percent']])(
    'leaves an explicit %s alone',
    (flag) => {
      expect(limitHeapGrowth(['--enable-source-maps', flag])).toBe(false);
    },
  );
});
