import { describe, expect, it } from 'vitest';
import { parseSyncSchedule, ScheduleError } from '../../../src/worker/sync-schedule.js';

describe('SYNC_INTERVAL', () => {
  it.each([
    [undefined, { every: 900_000 }],
    ['15m', { every: 900_000 }],
    ['1h', { every: 3_600_000 }],
    ['30s', { every: 30_000 }],
    ['1d', { every: 86_400_000 }],
    ['*/15 * * * *', { pattern: '*/15 * * * *' }],
    ['0 0 * * * *', { pattern: '0 0 * * * *' }],
  ])('reads %s', (value, schedule) => {
    expect(parseSyncSchedule(value)).toEqual(schedule);
  });

  it.each(['0s', 'often', '15 minutes', '* * *'])('rejects %s with a message naming SYNC_INTERVAL', (value) => {
    expect(() => parseSyncSchedule(value)).toThrow(ScheduleError);
    expect(() => parseSyncSchedule(value)).toThrow(/SYNC_INTERVAL/);
  });
});
