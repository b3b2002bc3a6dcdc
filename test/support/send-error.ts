import { expect } from 'vitest';
import type { InviteMessage } from '../../src/invites/invite-mail.js';
import { MailerError } from '../../src/invites/mailer-error.js';
import type { Mailer } from '../../src/invites/mailer.js';

/** The `MailerError` a send rejects with (the test fails when it resolves or rejects with anything else). */
export async function sendError(mailer: Mailer, message: InviteMessage): Promise<MailerError> {
  const error: unknown = await mailer.send(message).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MailerError);
  return error as MailerError;
}
