/**
 * What the SMTP client found wrong, read by `SmtpMailer` to choose a `MailerError` kind:
 * - `EAUTH`: the login failed or cannot be done (no AUTH method we speak).
 * - `EENVELOPE`: an address the server cannot take (non-ASCII without SMTPUTF8); nothing was sent.
 * - `ETIMEDOUT`: no connection, greeting or reply in time; the connection was destroyed.
 * - `ECONNECTION`: the socket failed or closed, or the connection (or pool) is closed.
 * - `EPROTOCOL`: the server answered something that is not an SMTP reply, or out of turn.
 * - `EREPLY`: an unexpected reply code (in `responseCode`).
 *
 * Messages name the command (`MAIL FROM`, `AUTH PLAIN`, …), never its arguments: an AUTH argument carries the
 * password.
 */
export type SmtpClientErrorCode = 'EAUTH' | 'EENVELOPE' | 'ETIMEDOUT' | 'ECONNECTION' | 'EPROTOCOL' | 'EREPLY';

export class SmtpClientError extends Error {
  override readonly name = 'SmtpClientError';

  constructor(
    readonly code: SmtpClientErrorCode,
    message: string,
    readonly responseCode?: number,
    /** True when the send failed before any byte of the message data was written: nothing was delivered. */
    readonly beforeData = false,
  ) {
    super(message);
  }

  /** The same failure, known to have come before the message data was written. */
  static beforeData(error: SmtpClientError): SmtpClientError {
    return new SmtpClientError(error.code, error.message, error.responseCode, true);
  }
}
