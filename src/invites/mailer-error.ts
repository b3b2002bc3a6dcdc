/**
 * Why an invite was not sent; the kind carries the decision the apply loop takes:
 * - `auth`: the SMTP server refused the credentials in `SMTP_URL`. No invite will go out: stop sending.
 * - `config`: `SMTP_URL` or the sender is malformed, or the server's TLS certificate is not trusted.
 * - `unavailable`: the server is unreachable, timed out or answered a temporary (4xx) error. Retry later;
 *   the invite stays due.
 * - `rejected`: the server permanently refused this message or recipient (5xx). Fail this invite, go on.
 *
 * Messages name the server as `host:port` only, never the URL with its credentials.
 */
export type MailerErrorKind = 'auth' | 'config' | 'unavailable' | 'rejected';

export interface MailerErrorOptions {
  /** The SMTP reply code, when the server answered one. */
  readonly responseCode?: number;
  readonly cause?: unknown;
}

export class MailerError extends Error {
  override readonly name = 'MailerError';
  readonly responseCode: number | undefined;

  constructor(
    readonly kind: MailerErrorKind,
    message: string,
    options: MailerErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.responseCode = options.responseCode;
  }

  /** Whether no further invite can succeed in this run. */
  get stopsSending(): boolean {
    return this.kind !== 'rejected';
  }
}
