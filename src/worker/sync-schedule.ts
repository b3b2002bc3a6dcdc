/** `SYNC_INTERVAL` as BullMQ repeat options: a duration (`30s`, `15m`, `1h`, `1d`) or a cron pattern. */
export type SyncSchedule = { readonly every: number } | { readonly pattern: string };

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

export function parseSyncSchedule(value: string | undefined): SyncSchedule {
  const text = (value ?? '15m').trim();
  const duration = /^(\d+)\s*(s|m|h|d)$/i.exec(text);
  if (duration) {
    const every = Number(duration[1]) * (UNITS[(duration[2] ?? '').toLowerCase()] ?? 0);
    if (every < 1_000) throw new ScheduleError(`SYNC_INTERVAL=${text} is too short: use at least 1s`);
    return { every };
  }
  // Five fields (minute…weekday) or six (with seconds); BullMQ's cron parser validates the rest.
  const fields = text.split(/\s+/);
  if (fields.length === 5 || fields.length === 6) return { pattern: text };
  throw new ScheduleError(`SYNC_INTERVAL=${text} is neither a duration (15m, 1h) nor a cron pattern (*/15 * * * *)`);
}

export function describeSchedule(schedule: SyncSchedule): string {
  return 'every' in schedule ? `every ${schedule.every / 1000} s` : `cron ${schedule.pattern}`;
}
