import { connect as connectTcp } from 'node:net';
import { hostname } from 'node:os';
import { SmtpChannel } from './smtp-channel.js';
import { SmtpClientError } from './smtp-client-error.js';
import { toSmtpData } from './smtp-data.js';
import { smtpLogin } from './smtp-login.js';
import { replyText } from './smtp-reply-reader.js';
import type { SmtpReply } from './smtp-reply-reader.js';

export interface SmtpConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (`smtps://`); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Connect, TLS handshake (implicit TLS) and greeting together. */
  readonly connectTimeoutMs: number;
  /** Each reply after the greeting, and the STARTTLS handshake. */
  readonly replyTimeoutMs: number;
  /**
   * Replaces the trusted roots (PEM): tests only, for their throwaway CA. Production trusts Node's roots and
   * `NODE_EXTRA_CA_CERTS`. Verification itself is never turned off.
   */
  readonly ca?: string;
}

export interface SmtpSendOptions {
  /**
   * The message data waits for it (the envelope does not: it delivers nothing); when it rejects, the connection
   * is dropped (a transaction past 354 cannot end without a message) and `send` rejects with its error.
   */
  readonly beforeData?: Promise<void>;
  /**
   * Called once the message data is written, when the server pipelines: the connection may then take the next
   * message's envelope while this one waits for its reply.
   */
  readonly written?: () => void;
}

const ASCII = /^[\x20-\x7e]*$/;

/** How long `close` waits for the reply to QUIT. */
const QUIT_WAIT_MS = 1_000;

/**
 * One SMTP submission connection (RFC 5321): greeting, EHLO (HELO when EHLO is refused), STARTTLS when offered on a
 * plain connection, AUTH PLAIN or LOGIN, then messages with `send`. With PIPELINING (RFC 2920) the envelope and
 * DATA go in one write and the message in a second, and the next message's `send` may start as soon as the data is
 * written (`written`): replies are matched to commands in order. Without PIPELINING, lock-step, one message at a
 * time. After a refused envelope the connection is RSET and stays usable; after a socket error, a timeout, a 421 or
 * anything out of turn it is destroyed and `usable` turns false. Nothing is ever sent twice: failures are reported,
 * not retried.
 */
export class SmtpConnection {
  readonly #options: SmtpConnectionOptions;
  readonly #channel: SmtpChannel;
  #sent = 0;
  #started = 0;
  #extensions = new Map<string, string>();

  private constructor(channel: SmtpChannel, options: SmtpConnectionOptions) {
    this.#options = options;
    this.#channel = channel;
  }

  /** Connects, reads the greeting, says EHLO, upgrades to TLS and logs in. Throws `SmtpClientError`. */
  static async open(options: SmtpConnectionOptions): Promise<SmtpConnection> {
    // SMTP is a ping-pong of small writes: with Nagle's algorithm on, each message waited ~40 ms for the server's
    // delayed ACK (47 ms per invite measured against smtp-server, 7 ms with TCP_NODELAY).
    const socket = connectTcp({ host: options.host, port: options.port, noDelay: true });
    const connection = new SmtpConnection(new SmtpChannel(socket, options.replyTimeoutMs), options);
    try {
      await connection.#start();
    } catch (error) {
      connection.destroy();
      throw error;
    }
    return connection;
  }

  /** False once the connection failed, timed out, was closed by either side, or the server said 421. */
  get usable(): boolean {
    return this.#channel.failure === undefined;
  }

  /** Messages the server accepted over this connection. */
  get sent(): number {
    return this.#sent;
  }

  /** Messages whose data was written over this connection, answered or not. */
  get started(): number {
    return this.#started;
  }

  /** Whether the server advertised PIPELINING (after TLS and login): `send` then takes two writes. */
  get pipelining(): boolean {
    return this.#extensions.has('PIPELINING');
  }

  /**
   * Sends one message to one recipient. Resolves only on the server's 250 to the end of the data; rejects with
   * `SmtpClientError` otherwise (`EREPLY` with the reply code, `EENVELOPE` before anything was sent, `ETIMEDOUT`
   * or `ECONNECTION` when the connection broke). See `SmtpSendOptions` for `beforeData` and `written`.
   */
  async send(envelopeFrom: string, recipient: string, raw: Buffer, options: SmtpSendOptions = {}): Promise<void> {
    const { beforeData, written } = options;
    this.#channel.throwIfFailed();
    const international = !ASCII.test(envelopeFrom) || !ASCII.test(recipient);
    if (international && !this.#extensions.has('SMTPUTF8')) {
      throw new SmtpClientError(
        'EENVELOPE',
        `the server does not offer SMTPUTF8, which the non-ASCII address ${ASCII.test(recipient) ? envelopeFrom : recipient} needs`,
      );
    }
    if (/[\s<>]/.test(envelopeFrom) || /[\s<>]/.test(recipient)) {
      throw new SmtpClientError('EENVELOPE', `the address ${recipient} cannot go in an SMTP envelope`);
    }
    const data = toSmtpData(raw);
    const eightBit = data.eightBit && this.#extensions.has('8BITMIME');
    const mailFrom = `MAIL FROM:<${envelopeFrom}>${international ? ' SMTPUTF8' : ''}${eightBit ? ' BODY=8BITMIME' : ''}`;
    const rcptTo = `RCPT TO:<${recipient}>`;
    let refusal: SmtpClientError | undefined;
    try {
      refusal = this.pipelining
        ? await this.#pipelinedEnvelope(mailFrom, rcptTo)
        : await this.#lockStepEnvelope(mailFrom, rcptTo);
    } catch (error) {
      throw error instanceof SmtpClientError ? SmtpClientError.beforeData(error) : error;
    }
    if (refusal !== undefined) {
      await this.#reset();
      throw SmtpClientError.beforeData(refusal);
    }
    if (beforeData !== undefined) await this.#awaitClearance(beforeData);
    const [end] = this.#channel.write(data.bytes, 1);
    this.#started += 1;
    // RFC 2920 §3.1: message content may be the first "command" of a group, so with PIPELINING the next
    // transaction's envelope may follow the final dot before its reply, saving a round trip per message.
    if (this.pipelining) written?.();
    const reply = await end;
    // No RSET after a refused message: the final dot ends the transaction whatever the reply (RFC 5321 §4.1.1.4),
    // and the next message's envelope may already be on the wire behind it.
    if (reply?.code !== 250) throw replyError('end of data', reply);
    this.#sent += 1;
  }

  /** Waits, after the server's 354, until the message may go; the connection is dropped if it may not. */
  async #awaitClearance(beforeData: Promise<void>): Promise<void> {
    try {
      await beforeData;
    } catch (error) {
      // After 354 the server takes everything up to the final dot as the message: the transaction cannot be
      // ended without one, so the connection goes, and nothing is delivered.
      this.#channel.fail(new SmtpClientError('ECONNECTION', 'the message was withdrawn after DATA'));
      throw error;
    }
    // The session may have ended while the message waited (an idle close, a 421): none of it was written.
    const failure = this.#channel.failure;
    if (failure !== undefined) throw SmtpClientError.beforeData(failure);
  }

  /** Says QUIT, waits a moment for the server's 221, and closes; never throws. */
  async close(): Promise<void> {
    if (this.usable) {
      let timer: NodeJS.Timeout | undefined;
      // A server slow to answer QUIT must not hold up the end of a run for the whole reply timeout.
      const patience = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.min(QUIT_WAIT_MS, this.#options.replyTimeoutMs));
      });
      await Promise.race([this.#channel.command('QUIT').catch(() => undefined), patience]);
      clearTimeout(timer);
    }
    this.destroy();
  }

  /** Closes the socket now, without QUIT. */
  destroy(): void {
    this.#channel.fail(new SmtpClientError('ECONNECTION', 'the connection is closed'));
  }

  async #start(): Promise<void> {
    const { connectTimeoutMs, replyTimeoutMs, host, ca } = this.#options;
    const channel = this.#channel;
    const timer = setTimeout(() => {
      channel.fail(new SmtpClientError('ETIMEDOUT', `no connection and greeting within ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    try {
      await channel.connected();
      if (this.#options.secure) await channel.upgrade(host, ca);
      else channel.listen();
      const greeting = await channel.read();
      if (greeting.code !== 220) throw replyError('the greeting', greeting);
    } finally {
      clearTimeout(timer);
      channel.timeReplies();
    }
    await this.#hello();
    if (!this.#options.secure && this.#extensions.has('STARTTLS')) {
      const reply = await channel.command('STARTTLS');
      if (reply.code !== 220) throw replyError('STARTTLS', reply);
      const timer = setTimeout(() => {
        channel.fail(new SmtpClientError('ETIMEDOUT', `no TLS handshake within ${replyTimeoutMs} ms`));
      }, replyTimeoutMs);
      try {
        await channel.upgrade(host, ca);
      } finally {
        clearTimeout(timer);
      }
      // RFC 3207 §4.2: forget what the server said before TLS and ask again.
      await this.#hello();
    }
    if (this.#options.auth !== undefined) {
      await smtpLogin(this.#options.auth, this.#extensions.get('AUTH'), (line) => channel.command(line));
    }
  }

  async #hello(): Promise<void> {
    const name = clientName();
    const reply = await this.#channel.command(`EHLO ${name}`);
    this.#extensions = new Map();
    if (reply.code === 250) {
      for (const line of reply.lines.slice(1)) {
        const [keyword = '', ...params] = line.trim().split(/\s+/);
        this.#extensions.set(keyword.toUpperCase(), params.join(' '));
      }
      return;
    }
    // Only a server that does not know EHLO (5xx) gets HELO; a temporary refusal is reported as such.
    if (reply.code < 500) throw replyError('EHLO', reply);
    const helo = await this.#channel.command(`HELO ${name}`);
    if (helo.code !== 250) throw replyError('HELO', helo);
  }

  /** RFC 2920: MAIL, RCPT and DATA in one write; the message only after DATA's 354. */
  async #pipelinedEnvelope(mailFrom: string, rcptTo: string): Promise<SmtpClientError | undefined> {
    const [mail, rcpt, data] = await Promise.all(this.#channel.write(`${mailFrom}\r\n${rcptTo}\r\nDATA\r\n`, 3));
    const refusal = envelopeRefusal(mail, rcpt) ?? (data?.code === 354 ? undefined : replyError('DATA', data));
    if (refusal !== undefined && data?.code === 354) {
      // DATA accepted after a refused MAIL or RCPT: a broken server. The transaction cannot be ended without
      // sending a message, so the connection goes instead.
      this.#channel.fail(new SmtpClientError('EPROTOCOL', `the server accepted DATA after refusing the envelope`));
      throw refusal;
    }
    return refusal;
  }

  async #lockStepEnvelope(mailFrom: string, rcptTo: string): Promise<SmtpClientError | undefined> {
    const mail = await this.#channel.command(mailFrom);
    if (mail.code !== 250) return replyError('MAIL FROM', mail);
    const rcpt = await this.#channel.command(rcptTo);
    if (rcpt.code !== 250 && rcpt.code !== 251) return replyError('RCPT TO', rcpt);
    const data = await this.#channel.command('DATA');
    return data.code === 354 ? undefined : replyError('DATA', data);
  }

  /** Ends a refused transaction so that the next message starts clean; a connection that cannot is dropped. */
  async #reset(): Promise<void> {
    if (!this.usable) return;
    try {
      const reply = await this.#channel.command('RSET');
      if (reply.code !== 250) this.#channel.fail(replyError('RSET', reply));
    } catch {
      // The channel failed the connection already.
    }
  }
}

function envelopeRefusal(mail: SmtpReply | undefined, rcpt: SmtpReply | undefined): SmtpClientError | undefined {
  if (mail?.code !== 250) return replyError('MAIL FROM', mail);
  if (rcpt?.code !== 250 && rcpt?.code !== 251) return replyError('RCPT TO', rcpt);
  return undefined;
}

function replyError(step: string, reply: SmtpReply | undefined): SmtpClientError {
  if (reply === undefined) return new SmtpClientError('EPROTOCOL', `${step}: no reply`);
  return new SmtpClientError('EREPLY', `${step}: ${replyText(reply)}`, reply.code);
}

/** The EHLO argument (RFC 5321 §4.1.4): this host's name when it is fully qualified, else an address literal. */
function clientName(): string {
  const name = hostname();
  return name.includes('.') && /^[a-z0-9.-]+$/i.test(name) ? name : '[127.0.0.1]';
}
