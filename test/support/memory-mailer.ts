import type { InviteMessage } from '../../src/invites/invite-mail.js';
import type { Mailer } from '../../src/invites/mailer.js';

/** A test implementation of the Mailer port that keeps what it was given. */
export class MemoryMailer implements Mailer {
  readonly destination = 'memory';
  readonly sent: InviteMessage[] = [];

  send(message: InviteMessage): Promise<void> {
    this.sent.push(message);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
