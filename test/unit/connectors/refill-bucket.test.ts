import { describe, expect, it } from 'vitest';
import {
  holdRefillBucket,
  observeRefillRemaining,
  takeRefillUnits,
  type RefillBucket,
} from '../../../connectors/refill-bucket.js';

const NOW = 1_000_000;
/** 100 units per 10 s: one unit every 100 ms; the reserve (10 %) is 10 units. */
const RATE = { capacity: 100, periodMs: 10_000 };
const bucket = (tokens: number, at = NOW, holdUntil = 0): RefillBucket => ({ tokens, at, holdUntil });

describe('takeRefillUnits', () => {
  it.each([
    ['a key never seen starts full', undefined, 3, { tokens: 97, holdMs: 0 }],
    ['above the reserve after the cost: goes, counting the cost', bucket(50), 3, { tokens: 47, holdMs: 0 }],
    ['exactly the reserve left after it: goes', bucket(13), 3, { tokens: 10, holdMs: 0 }],
    ['into the reserve: holds until the missing units are refilled', bucket(12), 3, { tokens: 12, holdMs: 100 }],
    ['what was refilled since counts', bucket(5, NOW - 1_000), 3, { tokens: 12, holdMs: 0 }],
    ['refills no further than the capacity', bucket(90, NOW - 60_000), 1, { tokens: 99, holdMs: 0 }],
    [
      'overdrawn (the server said so): holds until back above the reserve',
      bucket(-20),
      1,
      { tokens: -20, holdMs: 3_100 },
    ],
    [
      'a cost above the capacity outside the reserve goes when that much is there',
      bucket(100),
      95,
      { tokens: 5, holdMs: 0 },
    ],
  ])('%s', (_, before, cost, expected) => {
    const taken = takeRefillUnits(before, cost, RATE, NOW, 0.1);
    expect({ tokens: taken.bucket.tokens, holdMs: taken.holdMs }).toEqual(expected);
  });

  it('holds every request until a hold ends, whatever is left, then goes on from what it counted', () => {
    const held = bucket(80, NOW, NOW + 2_000);
    expect(takeRefillUnits(held, 1, RATE, NOW, 0.1).holdMs).toBe(2_000);
    const after = takeRefillUnits(held, 1, RATE, NOW + 2_000, 0.1);
    expect(after).toEqual({ bucket: { tokens: 99, at: NOW + 2_000, holdUntil: 0 }, holdMs: 0 });
  });
});

describe('observeRefillRemaining', () => {
  it.each([
    ['the server counted more (another client of the app): its count wins', bucket(60), 20, 20],
    ['requests still in flight keep the lower count', bucket(15), 20, 15],
    ['past the budget: below zero', bucket(60), -30, -30],
  ])('%s', (_, before, remaining, tokens) => {
    expect(observeRefillRemaining(before, remaining, RATE, NOW)).toEqual({ tokens, at: NOW, holdUntil: 0 });
  });
});

describe('holdRefillBucket', () => {
  it('holds from now, never shortening a longer hold', () => {
    expect(holdRefillBucket(bucket(40), 1_500, RATE, NOW).holdUntil).toBe(NOW + 1_500);
    expect(holdRefillBucket(bucket(40, NOW, NOW + 5_000), 1_500, RATE, NOW).holdUntil).toBe(NOW + 5_000);
  });
});
