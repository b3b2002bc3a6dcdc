import { describe, expect, it } from 'vitest';
import {
  observeRateWindow,
  takeRateSlot,
  UNKNOWN_LIMIT_REQUESTS,
  UNKNOWN_RATE_BUCKET,
  UNKNOWN_RESET_HOLD_MS,
  type RateBucket,
} from '../../../connectors/rate-bucket.js';

const NOW = 1_000_000;
const bucket = (remaining: number, resetAt = NOW + 30_000, window = 7): RateBucket => ({
  limit: 100,
  remaining,
  window,
  resetAt,
});

describe('takeRateSlot', () => {
  it.each([
    ['above the reserve: goes and counts the request', bucket(50), { remaining: 49, holdMs: 0 }],
    ['one above the reserve (10 of 100): goes, the last slot outside it', bucket(11), { remaining: 10, holdMs: 0 }],
    ['down to the reserve: holds until the reset, counting nothing', bucket(10), { remaining: 10, holdMs: 30_000 }],
    ['window over: starts full and goes', bucket(0, NOW - 1), { remaining: 99, holdMs: 0 }],
    ['spent and the reset unknown: holds briefly', bucket(3, 0), { remaining: 3, holdMs: UNKNOWN_RESET_HOLD_MS }],
    ['no answer yet, the first request: goes, counting it', UNKNOWN_RATE_BUCKET, { remaining: -1, holdMs: 0 }],
    [
      'no answer yet, within the first requests: goes',
      { ...UNKNOWN_RATE_BUCKET, remaining: -(UNKNOWN_LIMIT_REQUESTS - 1), resetAt: NOW + 100 },
      { remaining: -UNKNOWN_LIMIT_REQUESTS, holdMs: 0 },
    ],
    [
      'no answer yet, past the first requests: waits for the first answer until the grace ends',
      { ...UNKNOWN_RATE_BUCKET, remaining: -UNKNOWN_LIMIT_REQUESTS, resetAt: NOW + 100 },
      { remaining: -UNKNOWN_LIMIT_REQUESTS, holdMs: 100 },
    ],
    [
      'no answer yet and the grace over (answers without rate-limit headers): goes, counting it',
      { ...UNKNOWN_RATE_BUCKET, remaining: -5, resetAt: NOW - 1 },
      { remaining: -6, holdMs: 0 },
    ],
  ])('%s', (_, before, expected) => {
    const taken = takeRateSlot(before, NOW, 0.1);
    expect({ remaining: taken.bucket.remaining, holdMs: taken.holdMs }).toEqual(expected);
  });

  it('keeps one slot in reserve however small the limit', () => {
    expect(takeRateSlot({ limit: 3, remaining: 1, window: 1, resetAt: NOW + 5 }, NOW, 0.1).holdMs).toBe(5);
    expect(takeRateSlot({ limit: 3, remaining: 2, window: 1, resetAt: NOW + 5 }, NOW, 0.1).holdMs).toBe(0);
  });
});

describe('observeRateWindow', () => {
  const seen = (remaining: number, window = 7) => ({ limit: 100, remaining, window, resetInMs: 20_000 });

  it.each([
    [
      'a first answer is taken as it is',
      UNKNOWN_RATE_BUCKET,
      seen(40),
      { remaining: 40, window: 7, resetAt: NOW + 20_000 },
    ],
    [
      'a first answer takes off the requests sent before it that it did not count yet',
      { ...UNKNOWN_RATE_BUCKET, remaining: -4 },
      seen(98),
      { remaining: 96, window: 7 },
    ],
    ['same window: requests still in flight keep the lower count', bucket(30), seen(40), { remaining: 30, window: 7 }],
    ['same window: the server counted more (another client)', bucket(30), seen(20), { remaining: 20, window: 7 }],
    ['a later window replaces the spent one', bucket(0), seen(95, 8), { remaining: 95, window: 8 }],
    [
      'after a reset seen locally, slots taken since still count',
      bucket(90, 0),
      seen(97, 8),
      { remaining: 90, window: 8 },
    ],
    ['a late answer from an earlier window changes nothing', bucket(5), seen(60, 6), { remaining: 5, window: 7 }],
  ])('%s', (_, before, observed, expected) => {
    expect(observeRateWindow(before, observed, NOW)).toMatchObject(expected);
  });
});
