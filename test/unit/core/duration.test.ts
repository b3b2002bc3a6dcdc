import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/core/duration.js';

describe('parseDuration: the one syntax of every interval', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['1d12h', 129_600_000],
    ['500ms', 500],
    ['1H', 3_600_000],
    [' 1h 30m ', 5_400_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', 'm', '0s', '1 hour', '-5m', '1.5h', '15x', '99999999999999999999d'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats what it parses back to the same value', () => {
    for (const ms of [500, 1_000, 90_000, 900_000, 5_400_000, 129_600_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
