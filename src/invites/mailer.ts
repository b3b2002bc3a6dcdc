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
  send(message: InviteMessage, options?: SendOptions): Promise<void>;
  /** Closes pooled connections; messages already handed to `send` are finished first. */
  close(): Promise<void>;
}

export interface SendOptions {
  /**
   * The message may be delivered once this resolves. Until then the mailer may get ready (a connection, the
   * envelope), but sends no byte of the message; if it rejects, nothing is delivered and `send` rejects with its
   * error, unchanged. Lets the caller's bookkeeping before a send (the attempt mark) overlap the mail server's
   * round trips instead of adding to them.
   */
  readonly beforeData?: Promise<void>;
}
