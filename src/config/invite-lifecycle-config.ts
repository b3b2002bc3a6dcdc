import { parseDuration } from '../core/duration.js';

/** The invite lifecycle's settings (DESIGN "Invites lifecycle"); they hold whether invites are on or off. */
export interface InviteLifecycleConfig {
  /** `INVITE_ON_FIRST_SYNC` (default true): false keeps a connection's first run quiet (people stay not-invited). */
  readonly onFirstSync: boolean;
  /** `INVITE_REMIND_AFTER`: a reminder when an invite is this old and the person has not joined; null: none. */
  readonly remindAfterMs: number | null;
  /** `INVITE_MAX_REMINDERS` (default 2): reminders per person at most. */
  readonly maxReminders: number;
  /** `INVITE_MAX_PER_MINUTE`: mails per connection per minute at most; null: no limit. The rest wait, never dropped. */
  readonly maxPerMinute: number | null;
  /** `INVITE_RESEND_COOLDOWN` (default 24h): at most one `invites resend` per person within it, unless forced. */
  readonly resendCooldownMs: number;
}

export const DEFAULT_INVITE_LIFECYCLE: InviteLifecycleConfig = {
  onFirstSync: true,
  remindAfterMs: null,
  maxReminders: 2,
  maxPerMinute: null,
  resendCooldownMs: 24 * 3_600_000,
};

/** The settings this part reads, by their environment names (a connections file maps its `invites.*` fields). */
export interface InviteLifecycleSettings {
  readonly INVITE_ON_FIRST_SYNC?: string | undefined;
  readonly INVITE_REMIND_AFTER?: string | undefined;
  readonly INVITE_MAX_REMINDERS?: string | undefined;
  readonly INVITE_MAX_PER_MINUTE?: string | undefined;
  readonly INVITE_RESEND_COOLDOWN?: string | undefined;
}

/** Parses the settings; each problem names the setting as the operator wrote it (`name`). */
export function parseInviteLifecycle(
  settings: InviteLifecycleSettings,
  name: (variable: string) => string,
  problems: string[],
): InviteLifecycleConfig {
  const text = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());
  const onFirstSyncText = text(settings.INVITE_ON_FIRST_SYNC)?.toLowerCase();
  let onFirstSync = DEFAULT_INVITE_LIFECYCLE.onFirstSync;
  if (onFirstSyncText !== undefined) {
    if (onFirstSyncText === 'true' || onFirstSyncText === 'false') onFirstSync = onFirstSyncText === 'true';
    else problems.push(`${name('INVITE_ON_FIRST_SYNC')} must be true or false`);
  }
  const duration = (variable: keyof InviteLifecycleSettings, fallback: number | null): number | null => {
    const value = text(settings[variable]);
    if (value === undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === undefined) problems.push(`${name(variable)} must be a duration such as 3d, 12h or 90m`);
    return ms ?? fallback;
  };
  const count = (variable: keyof InviteLifecycleSettings, fallback: number | null, least: number): number | null => {
    const value = text(settings[variable]);
    if (value === undefined) return fallback;
    if (!/^\d{1,6}$/.test(value) || Number(value) < least) {
      problems.push(`${name(variable)} must be a whole number, ${least} or more`);
      return fallback;
    }
    return Number(value);
  };
  return {
    onFirstSync,
    remindAfterMs: duration('INVITE_REMIND_AFTER', DEFAULT_INVITE_LIFECYCLE.remindAfterMs),
    maxReminders: count('INVITE_MAX_REMINDERS', DEFAULT_INVITE_LIFECYCLE.maxReminders, 0) ?? 0,
    maxPerMinute: count('INVITE_MAX_PER_MINUTE', DEFAULT_INVITE_LIFECYCLE.maxPerMinute, 1),
    resendCooldownMs:
      duration('INVITE_RESEND_COOLDOWN', DEFAULT_INVITE_LIFECYCLE.resendCooldownMs) ??
      DEFAULT_INVITE_LIFECYCLE.resendCooldownMs,
  };
}
