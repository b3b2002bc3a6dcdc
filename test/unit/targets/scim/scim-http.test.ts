import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../../../src/targets/scim/scim-http.js';

describe('retryAfterMs', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');

  it('reads delta-seconds and HTTP dates (RFC 9110 §10.2.3)', () => {
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs(' 120 ', now)).toBe(120_000);
    expect(retryAfterMs('Sat, 01 Mar 2025 12:00:30 GMT', now)).toBe(30_000);
  });

  it('takes a date in the past as "now", and ignores what it cannot read', () => {
    expect(retryAfterMs('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-5', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
