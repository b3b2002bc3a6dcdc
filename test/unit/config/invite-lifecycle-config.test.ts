import { describe, expect, it } from 'vitest';
import { DEFAULT_INVITE_LIFECYCLE, parseInviteLifecycle } from '../../../src/config/invite-lifecycle-config.js';

const parse = (settings: Record<string, string>) => {
  const problems: string[] = [];
  const config = parseInviteLifecycle(settings, (name) => name, problems);
  return { config, problems };
};

describe('parseInviteLifecycle', () => {
  it('defaults: invites on the first sync, no reminders, no rate limit, a day between resends', () => {
    expect(parse({})).toEqual({ config: DEFAULT_INVITE_LIFECYCLE, problems: [] });
    expect(DEFAULT_INVITE_LIFECYCLE).toMatchObject({
      onFirstSync: true,
      remindAfterMs: null,
      resendCooldownMs: 86_400_000,
    });
  });

  it('reads every setting', () => {
    expect(
      parse({
        INVITE_ON_FIRST_SYNC: 'FALSE',
        INVITE_REMIND_AFTER: '3d',
        INVITE_MAX_REMINDERS: '1',
        INVITE_MAX_PER_MINUTE: '30',
        INVITE_RESEND_COOLDOWN: '12h',
      }),
    ).toEqual({
      config: {
        onFirstSync: false,
        remindAfterMs: 3 * 86_400_000,
        maxReminders: 1,
        maxPerMinute: 30,
        resendCooldownMs: 12 * 3_600_000,
      },
      problems: [],
    });
  });

  it('names every bad setting', () => {
    expect(
      parse({
        INVITE_ON_FIRST_SYNC: 'no',
        INVITE_REMIND_AFTER: 'soon',
        INVITE_MAX_REMINDERS: '-1',
        INVITE_MAX_PER_MINUTE: '0',
        INVITE_RESEND_COOLDOWN: '0s',
      }).problems,
    ).toEqual([
      'INVITE_ON_FIRST_SYNC must be true or false',
      'INVITE_REMIND_AFTER must be a duration such as 3d, 12h or 90m',
      'INVITE_MAX_REMINDERS must be a whole number, 0 or more',
      'INVITE_MAX_PER_MINUTE must be a whole number, 1 or more',
      'INVITE_RESEND_COOLDOWN must be a duration such as 3d, 12h or 90m',
    ]);
  });
});
