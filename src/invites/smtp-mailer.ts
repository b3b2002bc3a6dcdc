import { connect, type Socket } from 'node:net';
import { createTransport } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { SendMailOptions } from 'nodemailer';
import type { InviteMessage } from './invite-mail.js';
import { parseMailAddress } from './mail-address.js';
import type { Mailer } from './mailer.js';
import { MailerError } from './mailer-error.js';
import { parseSmtpUrl } from './smtp-url.js';
import type { SmtpSettings } from './smtp-url.js';

/** The slice of a nodemailer transporter the mailer uses. */
interface SmtpTransport {
  sendMail(
    options: SendMailOptions,
  ): Promise<{ readonly accepted: readonly unknown[]; readonly rejected: readonly unknown[] }>;
  close(): void;
}

/** The fields of a nodemailer error the mailer reads (see nodemailer `SMTPError`). */
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
  /** Simultaneous connections of the pool (default 2, at most `SMTP_MAX_CONNECTIONS`): one invite on each. */
  readonly maxConnections?: number;
  /** Connect and greeting timeout (default 15 s): an unreachable server fails the run quickly. */
  readonly connectTimeoutMs?: number;
}

/**
 * Sends invites over SMTP with a nodemailer connection pool, from `SMTP_URL`. TLS certificates are always
 * verified (extra CAs come from `NODE_EXTRA_CA_CERTS`); `smtp://` upgrades with STARTTLS when the server offers it.
 */
export class SmtpMailer implements Mailer {
  readonly destination: string;
  readonly parallel: number;
  readonly #settings: SmtpSettings;
  readonly #transport: SmtpTransport;

  /** Throws `MailerError('config')` when `smtpUrl` is malformed. */
  constructor(smtpUrl: string, options: SmtpMailerOptions = {}) {
    this.#settings = parseSmtpUrl(smtpUrl);
    this.destination = this.#settings.display;
    const connectTimeout = options.connectTimeoutMs ?? 15_000;
    this.parallel = Math.max(1, Math.min(options.maxConnections ?? 2, SMTP_MAX_CONNECTIONS));
    this.#transport = createTransport({
      pool: true,
      maxConnections: this.parallel,
      host: this.#settings.host,
      port: this.#settings.port,
      secure: this.#settings.secure,
      ...(this.#settings.auth === undefined ? {} : { auth: { ...this.#settings.auth } }),
      connectionTimeout: connectTimeout,
      greetingTimeout: connectTimeout,
      socketTimeout: 60_000,
      // SMTP is a ping-pong of small writes: with Nagle's algorithm on, each message waited ~40 ms for the
      // server's delayed ACK (47 ms per invite measured against smtp-server, 7 ms with TCP_NODELAY).
      getSocket: (_options: unknown, callback: (error: Error | null, socket?: { connection: Socket }) => void) => {
        openNoDelaySocket(this.#settings.host, this.#settings.port, connectTimeout, callback);
      },
    });
  }

  async send(message: InviteMessage): Promise<void> {
    let envelopeFrom: string;
    try {
      envelopeFrom = parseMailAddress(message.from).address;
    } catch (error) {
      throw new MailerError('config', `INVITE_FROM: ${(error as Error).message}`);
    }
    let info: { readonly accepted: readonly unknown[]; readonly rejected: readonly unknown[] };
    try {
      const raw = await new MailComposer({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: message.messageId,
        headers: { ...message.headers },
      })
        .compile()
        .build();
      info = await this.#transport.sendMail({
        raw,
        // Explicit, so that nothing but the one recipient is ever in RCPT TO.
        envelope: { from: envelopeFrom, to: message.to },
      });
    } catch (error) {
      throw this.#toMailerError(error, message.to);
    }
    if (info.rejected.length > 0 || info.accepted.length === 0) {
      throw new MailerError('rejected', `${this.destination} did not accept the invite to ${message.to}`);
    }
  }

  close(): Promise<void> {
    this.#transport.close();
    return Promise.resolve();
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
    // EENVELOPE/EMESSAGE without a reply code: nodemailer itself found the address or message unsendable.
    const refusedLocally = code === undefined && (failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE');
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

/** A connected TCP socket with Nagle's algorithm off; nodemailer adds TLS on top (implicit or STARTTLS). */
function openNoDelaySocket(
  host: string,
  port: number,
  timeoutMs: number,
  callback: (error: Error | null, socket?: { connection: Socket }) => void,
): void {
  const socket = connect({ host, port, noDelay: true });
  const timer = setTimeout(() => {
    socket.destroy();
    done(Object.assign(new Error(`Connection timeout after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
  }, timeoutMs);
  let finished = false;
  function done(error: Error | null): void {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off('connect', onConnect);
    socket.off('error', done);
    if (error === null) callback(null, { connection: socket });
    else callback(error);
  }
  function onConnect(): void {
    done(null);
  }
  socket.once('connect', onConnect);
  socket.once('error', done);
}
