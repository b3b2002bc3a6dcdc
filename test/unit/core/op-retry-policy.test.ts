import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  afterFailure,
  DEFAULT_MAX_OP_ATTEMPTS,
  FIRST_BACKOFF_MS,
  MAX_BACKOFF_MS,
  retryDelayMs,
} from '../../../src/core/op-retry-policy.js';

const MINUTE = 60_000;
const NOW = Date.parse('2026-12-07T10:00:00.000Z');

describe('retryDelayMs', () => {
  it.each([
    [1, 0],
    [2, 5 * MINUTE],
    [3, 10 * MINUTE],
    [4, 20 * MINUTE],
    [5, 40 * MINUTE],
    [8, 320 * MINUTE],
    [9, 360 * MINUTE],
    [50, 360 * MINUTE],
    [5000, 360 * MINUTE],
  ])('waits %i failure(s) → %i ms', (failures, delay) => {
    expect(retryDelayMs(failures)).toBe(delay);
  });

  it('starts at 5 minutes and never waits more than 6 hours', () => {
    expect(FIRST_BACKOFF_MS).toBe(5 * MINUTE);
    expect(MAX_BACKOFF_MS).toBe(6 * 60 * MINUTE);
  });

  it('never shrinks as failures grow, and stays within [0, 6 h]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (failures) => {
        const delay = retryDelayMs(failures);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(MAX_BACKOFF_MS);
        expect(retryDelayMs(failures + 1)).toBeGreaterThanOrEqual(delay);
      }),
    );
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %s failures', (failures) => {
    expect(() => retryDelayMs(failures)).toThrow(RangeError);
  });
});

describe('afterFailure', () => {
  it('defaults to 5 attempts', () => {
    expect(DEFAULT_MAX_OP_ATTEMPTS).toBe(5);
  });

  it('retries the first failure on the next run (no wait), then waits, and parks the 5th by default', () => {
    expect(afterFailure(0, 5, NOW)).toEqual({ status: 'failed', failures: 1, nextAttemptAtMs: NOW });
    expect(afterFailure(1, 5, NOW)).toEqual({ status: 'failed', failures: 2, nextAttemptAtMs: NOW + 5 * MINUTE });
    expect(afterFailure(2, 5, NOW)).toEqual({ status: 'failed', failures: 3, nextAttemptAtMs: NOW + 10 * MINUTE });
    expect(afterFailure(3, 5, NOW)).toEqual({ status: 'failed', failures: 4, nextAttemptAtMs: NOW + 20 * MINUTE });
    expect(afterFailure(4, 5, NOW)).toEqual({ status: 'parked', failures: 5 });
  });

  it('parks at once with DIRSYNC_MAX_OP_ATTEMPTS=1, and on the second failure with 2', () => {
    expect(afterFailure(0, 1, NOW)).toEqual({ status: 'parked', failures: 1 });
    expect(afterFailure(0, 2, NOW).status).toBe('failed');
    expect(afterFailure(1, 2, NOW)).toEqual({ status: 'parked', failures: 2 });
  });

  it('counts exactly one more failure, parks exactly at the limit, and waits by the schedule otherwise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 100 }), (previous, max) => {
        const after = afterFailure(previous, max, NOW);
        expect(after.failures).toBe(previous + 1);
        if (previous + 1 >= max) expect(after.status).toBe('parked');
        else
          expect(after).toEqual({
            status: 'failed',
            failures: previous + 1,
            nextAttemptAtMs: NOW + retryDelayMs(previous + 1),
          });
      }),
    );
  });

  it.each([0, -3, 2.5])('refuses a maximum of %s attempts', (max) => {
    expect(() => afterFailure(0, max, NOW)).toThrow(RangeError);
  });
});
