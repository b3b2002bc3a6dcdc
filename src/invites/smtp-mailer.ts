import type { InviteMessage } from './invite-mail.js';
import { composeInviteMime } from './invite-mime.js';
import { parseMailAddress } from './mail-address.js';
import type { Mailer, SendOptions } from './mailer.js';
import { MailerError } from './mailer-error.js';
import { SmtpClientError } from './smtp-client-error.js';
import { SmtpConnection } from './smtp-connection.js';
import { SmtpPool } from './smtp-pool.js';
import { parseSmtpUrl } from './smtp-url.js';
import type { SmtpSettings } from './smtp-url.js';

/** The fields of a client error the mailer reads (see `SmtpClientError`). */
interface SmtpFailure {
  readonly message: string;
  readonly code: string | undefined;
  readonly responseCode: number | undefined;
}

/**
 * The most connections dirsync opens to one mail server: Exchange Online's SMTP client submission takes 3 at once
 * per mailbox, and other providers throttle clients that open more.
 */
export const SMTP_MAX_CONNECTIONS = 3;

export interface SmtpMailerOptions {
  /** Simultaneous connections of the pool (default 2, at most `SMTP_MAX_CONNECTIONS`). */
  readonly maxConnections?: number;
  /** Connect and greeting timeout (default 15 s): an unreachable server fails the run quickly. */
  readonly connectTimeoutMs?: number;
  /** How long to wait for each reply after the greeting (default 60 s); then the invite fails as unavailable. */
  readonly replyTimeoutMs?: number;
}

/**
 * Test seam, not reachable from configuration: replaces the trusted roots with a throwaway CA (PEM). Production
 * trusts Node's roots and `NODE_EXTRA_CA_CERTS`, which Node reads only at start.
 */
export interface SmtpMailerTestOptions extends SmtpMailerOptions {
  readonly testTrustedCa: string;
}

/**
 * Sends invites over SMTP from `SMTP_URL`, over a pool of up to `parallel` connections, pipelined (RFC 2920) where
 * the server offers it. TLS certificates are always verified (extra CAs come from `NODE_EXTRA_CA_CERTS`);
 * `smtp://` upgrades with STARTTLS when the server offers it, `smtps://` is TLS from the first byte.
 */
export class SmtpMailer implements Mailer {
  readonly destination: string;
  /** Connections of the pool. */
  readonly connections: number;
  /**
   * Messages in flight at once: two per connection where the server pipelines (one waits for its reply while the
   * next one's envelope follows it); where it does not, the second waits for the connection.
   */
  readonly parallel: number;
  readonly #settings: SmtpSettings;
  readonly #pool: SmtpPool;

  /** Throws `MailerError('config')` when `smtpUrl` is malformed. */
  constructor(smtpUrl: string, options: SmtpMailerOptions | SmtpMailerTestOptions = {}) {
    this.#settings = parseSmtpUrl(smtpUrl);
    this.destination = this.#settings.display;
    this.connections = Math.max(1, Math.min(options.maxConnections ?? 2, SMTP_MAX_CONNECTIONS));
    this.parallel = 2 * this.connections;
    const { host, port, secure, auth } = this.#settings;
    const connection = {
      host,
      port,
      secure,
      ...(auth === undefined ? {} : { auth: { ...auth } }),
      connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
      replyTimeoutMs: options.replyTimeoutMs ?? 60_000,
      ...('testTrustedCa' in options ? { ca: options.testTrustedCa } : {}),
    };
    this.#pool = new SmtpPool(this.connections, () => SmtpConnection.open(connection));
  }

  async send(message: InviteMessage, options: SendOptions = {}): Promise<void> {
    let envelopeFrom: string;
    try {
      envelopeFrom = parseMailAddress(message.from).address;
    } catch (error) {
      throw new MailerError('config', `INVITE_FROM: ${(error as Error).message}`);
    }
    // The caller's own failure (its bookkeeping before the send) is passed on as it is, not as the mail server's.
    let withdrawn: { readonly error: unknown } | undefined;
    const clearance = options.beforeData?.catch((error: unknown) => {
      withdrawn = { error };
      throw error;
    });
    // Observed here too: a send that fails before waiting for it must not leave a rejection unhandled.
    clearance?.catch(() => undefined);
    try {
      const raw = composeInviteMime(message);
      // Explicit, so that nothing but the one recipient is ever in RCPT TO.
      const send = () =>
        this.#pool.use((connection, handOver) =>
          connection.send(envelopeFrom, message.to, raw, {
            ...(clearance === undefined ? {} : { beforeData: clearance }),
            written: handOver,
          }),
        );
      try {
        await send();
      } catch (error) {
        if (!closedBeforeData(error)) throw error;
        // The server ended the session before the message (a cap on messages per session, its idle timeout racing
        // this send): nothing was delivered, so once more, on a new connection.
        await send();
      }
    } catch (error) {
      if (withdrawn !== undefined) throw withdrawn.error;
      throw this.#toMailerError(error, message.to);
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  #toMailerError(error: unknown, recipient: string): MailerError {
    const failure = this.#scrub(error);
    const where = this.destination;
    const detail = failure.message;
    const options = {
      ...(failure.responseCode === undefined ? {} : { responseCode: failure.responseCode }),
      cause: Object.assign(new Error(detail), { code: failure.code }),
    };
    const code = failure.responseCode;
    if (failure.code === 'EAUTH' || code === 535 || code === 534 || code === 530) {
      const action =
        this.#settings.auth === undefined
          ? 'add user:password to SMTP_URL'
          : 'check the user and password in SMTP_URL (percent-encode special characters)';
      return new MailerError('auth', `${where} refused the SMTP login: ${action} (${detail})`, options);
    }
    if (/certificate|self[- ]signed|CERT_|unable to verify/i.test(detail)) {
      return new MailerError(
        'config',
        `${where}: the server's TLS certificate is not trusted: add its CA to NODE_EXTRA_CA_CERTS (${detail})`,
        options,
      );
    }
    // EENVELOPE without a reply code: the client itself found the address unsendable (nothing was sent).
    const refusedLocally = code === undefined && failure.code === 'EENVELOPE';
    if ((code !== undefined && code >= 500) || refusedLocally) {
      return new MailerError('rejected', `${where} refused the invite to ${recipient} (${detail})`, options);
    }
    if (code !== undefined) {
      return new MailerError(
        'unavailable',
        `${where} asked to retry the invite to ${recipient} later (${detail})`,
        options,
      );
    }
    return new MailerError(
      'unavailable',
      `${where} is not reachable: check the host and port in SMTP_URL and that the server is up (${detail})`,
      options,
    );
  }

  // Servers may echo what they were sent; the credentials must not travel on in a message or a log line.
  #scrub(error: unknown): SmtpFailure {
    const raw = error instanceof Error ? error : new Error(String(error));
    const fields = raw as Error & { readonly code?: unknown; readonly responseCode?: unknown };
    let message = raw.message;
    const secrets = [this.#settings.auth?.pass ?? '']
      .flatMap((secret) => [secret, encodeURIComponent(secret)])
      .filter((secret) => secret.length >= 3);
    for (const secret of secrets) message = message.split(secret).join('***');
    return {
      message: message.replace(/\s+/g, ' ').trim(),
      code: typeof fields.code === 'string' ? fields.code : undefined,
      responseCode: typeof fields.responseCode === 'number' ? fields.responseCode : undefined,
    };
  }
}

/** A session closed (421, or the socket) before any byte of the message was sent. */
function closedBeforeData(error: unknown): boolean {
  return (
    error instanceof SmtpClientError && error.beforeData && (error.code === 'ECONNECTION' || error.responseCode === 421)
  );
}
