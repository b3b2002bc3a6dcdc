import { describe, expect, it } from 'vitest';
import { buildInviteMessage } from '../../../src/invites/invite-mail.js';
import { MailerError } from '../../../src/invites/mailer-error.js';
import { MemoryMailer } from '../../../src/invites/memory-mailer.js';

const message = buildInviteMessage({
  connectionId: 'c1',
  userExternalId: 'u1',
  email: 'zoe@acme.example',
  displayName: 'Zoë',
  from: 'it@acme.example',
});

describe('MemoryMailer', () => {
  it('records what it sends, and sends nothing for a failure it was told to inject', async () => {
    const mailer = new MemoryMailer();
    mailer.failNext(new MailerError('unavailable', 'down'));
    await expect(mailer.send(message)).rejects.toMatchObject({ kind: 'unavailable' });
    await mailer.send(message);
    expect(mailer.sent()).toEqual([message]);
  });

  it('refuses to send once closed, like a real transport', async () => {
    const mailer = new MemoryMailer();
    await mailer.close();
    await expect(mailer.send(message)).rejects.toThrow(/closed/);
    expect(mailer.sent()).toHaveLength(0);
  });
});
