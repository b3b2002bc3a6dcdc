import type { InviteMessage } from './invite-mail.js';

/**
 * Sends invites. Implementations throw `MailerError` (see `mailer-error.ts`); a message that `send` resolved for
 * was accepted by the mail server for its one recipient.
 */
export interface Mailer {
  /** For logs and `status`, without secrets (e.g. `smtp://mail.example.com:587`). */
  readonly destination: string;
  /** Messages it can have in flight at once (its pool's connections); absent: one at a time. */
  readonly parallel?: number;
  send(message: InviteMessage): Promise<void>;
  /** Closes pooled connections; messages already handed to `send` are finished first. */
  close(): Promise<void>;
}
