import { describe, expect, it } from 'vitest';
import { describeSchedule, parseSyncSchedule, ScheduleError } from '../../../src/config/sync-schedule.js';

describe('a schedule (SYNC_INTERVAL or a connection’s `schedule`)', () => {
  it.each([
    [undefined, { every: 900_000 }],
    ['15m', { every: 900_000 }],
    ['1h', { every: 3_600_000 }],
    ['30s', { every: 30_000 }],
    ['1d', { every: 86_400_000 }],
    ['1h30m', { every: 5_400_000 }],
    ['*/15 * * * *', { pattern: '*/15 * * * *' }],
    ['0 0 * * * *', { pattern: '0 0 * * * *' }],
    ['0 9 * * MON-FRI', { pattern: '0 9 * * MON-FRI' }],
  ])('reads %s', (value, schedule) => {
    expect(parseSyncSchedule(value)).toEqual(schedule);
  });

  it.each(['0s', '500ms', 'often', '15 minutes', '* * *', '61 * * * *', '* * 32 * *', '*/15 * * * * * *'])(
    'rejects %s at start with a message naming the variable',
    (value) => {
      expect(() => parseSyncSchedule(value)).toThrow(ScheduleError);
      expect(() => parseSyncSchedule(value)).toThrow(/SYNC_INTERVAL/);
    },
  );

  it('names the connection field it was given', () => {
    expect(() => parseSyncSchedule('61 * * * *', 'connection acme: schedule')).toThrow(
      /connection acme: schedule=61 \* \* \* \* is not a valid cron pattern: .*0-59/,
    );
  });

  it('describes what it parsed', () => {
    expect(describeSchedule({ every: 900_000 })).toBe('every 15m');
    expect(describeSchedule({ pattern: '*/5 * * * *' })).toBe('cron */5 * * * *');
  });
});
