import { createRequire } from 'node:module';
import type CronParser from 'cron-parser';
import { formatDuration, parseDuration } from '../core/duration.js';

/** A connection's schedule as BullMQ repeat options: a fixed interval or a cron pattern. */
export type SyncSchedule = { readonly every: number } | { readonly pattern: string };

export const DEFAULT_SYNC_INTERVAL = '15m';

export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

/**
 * Parses a schedule: a duration (`30s`, `15m`, `1h`, `1d`; see `parseDuration`) or a cron pattern of five
 * fields (minute … weekday) or six (with seconds), checked here with the cron parser BullMQ itself uses so a
 * bad pattern is refused at start with its field named, never later as a Redis error. `field` names where the
 * value came from (`SYNC_INTERVAL`, `connection acme: schedule`).
 */
export function parseSyncSchedule(value: string | undefined, field = 'SYNC_INTERVAL'): SyncSchedule {
  const text = (value ?? DEFAULT_SYNC_INTERVAL).trim();
  if (/^\d/.test(text) && !/\s/.test(text)) {
    const every = parseDuration(text);
    if (every === undefined) {
      throw new ScheduleError(`${field}=${text} is not a duration (e.g. 30s, 15m, 1h, 1d) nor a cron pattern`);
    }
    if (every < 1_000) throw new ScheduleError(`${field}=${text} is too short: use at least 1s`);
    return { every };
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new ScheduleError(
      `${field}=${text} is neither a duration (15m, 1h) nor a cron pattern of 5 or 6 fields (*/15 * * * *)`,
    );
  }
  try {
    // Loaded for a cron pattern only: a duration, the default, needs no parser.
    const cronParser = createRequire(import.meta.url)('cron-parser') as typeof CronParser;
    cronParser.parseExpression(text, { utc: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ScheduleError(`${field}=${text} is not a valid cron pattern: ${reason}`);
  }
  return { pattern: text };
}

export function describeSchedule(schedule: SyncSchedule): string {
  return 'every' in schedule ? `every ${formatDuration(schedule.every)}` : `cron ${schedule.pattern}`;
}
