import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { SmtpClientError } from './smtp-client-error.js';
import { replyText, SmtpReplyReader } from './smtp-reply-reader.js';
import type { SmtpReply } from './smtp-reply-reader.js';

interface Waiter {
  readonly resolve: (reply: SmtpReply) => void;
  readonly reject: (error: SmtpClientError) => void;
}

/**
 * The command and reply plumbing of one SMTP connection: writes, each reply matched to the command that asked for
 * it in order (pipelined commands included), a timeout on each awaited reply, and the TLS upgrade. The first
 * failure (a socket error or close, a timeout, a 421, a reply out of turn or not SMTP) is kept: it destroys the
 * socket, rejects every reply awaited and every later write. What to say is `SmtpConnection`'s business.
 */
export class SmtpChannel {
  readonly #replyTimeoutMs: number;
  readonly #reader = new SmtpReplyReader();
  readonly #waiters: Waiter[] = [];
  readonly #failed: Promise<never>;
  #rejectFailed: (error: SmtpClientError) => void = () => undefined;
  #socket: Socket;
  #failure: SmtpClientError | undefined;
  #replyTimer: NodeJS.Timeout | undefined;
  #timed = false;

  constructor(socket: Socket, replyTimeoutMs: number) {
    this.#socket = socket;
    this.#replyTimeoutMs = replyTimeoutMs;
    this.#failed = new Promise<never>((_resolve, reject) => {
      this.#rejectFailed = reject;
    });
    // Observed here so that a failure nobody is waiting for is not an unhandled rejection.
    this.#failed.catch(() => undefined);
    this.#watch(socket);
  }

  /** The failure that ended the channel, if it has ended. */
  get failure(): SmtpClientError | undefined {
    return this.#failure;
  }

  /**
   * Starts timing each awaited reply (`replyTimeoutMs`). Off until then: while a connection opens, one timer covers
   * the connect, the TLS handshake and the greeting.
   */
  timeReplies(): void {
    this.#timed = true;
    this.#armReplyTimer();
  }

  /** Resolves once the TCP connection is up; rejects with the channel's failure. */
  connected(): Promise<void> {
    return this.#guard(
      new Promise<void>((resolve) => {
        this.#socket.once('connect', resolve);
      }),
    );
  }

  /** Reads replies from the plain socket (no TLS). */
  listen(): void {
    this.#socket.on('data', this.#onData);
  }

  /** TLS over the current socket, certificate and host name verified; SNI unless the host is an IP address. */
  async upgrade(host: string, ca: string | undefined): Promise<void> {
    this.#socket.off('data', this.#onData);
    const secure = connectTls({
      socket: this.#socket,
      host,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(ca === undefined ? {} : { ca }),
    });
    this.#socket = secure;
    this.#watch(secure);
    await this.#guard(
      new Promise<void>((resolve) => {
        secure.once('secureConnect', resolve);
      }),
    );
    secure.on('data', this.#onData);
  }

  /** The next reply, not asked for by a write (the greeting). */
  read(): Promise<SmtpReply> {
    this.throwIfFailed();
    return this.#expect();
  }

  async command(line: string): Promise<SmtpReply> {
    const [reply] = this.write(`${line}\r\n`, 1);
    if (reply === undefined) throw new SmtpClientError('EPROTOCOL', 'no reply expected');
    return reply;
  }

  /** Writes `bytes` and returns a promise for each of the next `replies` replies. */
  write(bytes: string | Buffer, replies: number): Promise<SmtpReply>[] {
    this.throwIfFailed();
    const expected = Array.from({ length: replies }, () => this.#expect());
    this.#socket.write(bytes);
    return expected;
  }

  /** Ends the channel with `error` (the first failure is kept): the socket is destroyed, every waiter rejected. */
  fail(error: SmtpClientError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    clearTimeout(this.#replyTimer);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    this.#rejectFailed(error);
    this.#socket.destroy();
  }

  throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  #expect(): Promise<SmtpReply> {
    const reply = new Promise<SmtpReply>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
    if (this.#waiters.length === 1) this.#armReplyTimer();
    return reply;
  }

  readonly #onData = (chunk: Buffer): void => {
    let replies: SmtpReply[];
    try {
      replies = this.#reader.push(chunk);
    } catch (error) {
      this.fail(error as SmtpClientError);
      return;
    }
    for (const reply of replies) {
      const waiter = this.#waiters.shift();
      if (waiter === undefined) {
        // Typically a 421 on an idle connection (the server's idle timeout or shutdown) before it closes.
        this.fail(new SmtpClientError('ECONNECTION', `the server closed the connection: ${replyText(reply)}`));
        return;
      }
      waiter.resolve(reply);
      if (reply.code === 421) {
        // RFC 5321 §3.8: the server is closing the channel; pipelined commands after this one get no reply.
        this.fail(new SmtpClientError('ECONNECTION', `the server closed the connection: ${replyText(reply)}`, 421));
        return;
      }
    }
    this.#armReplyTimer();
  };

  #armReplyTimer(): void {
    clearTimeout(this.#replyTimer);
    this.#replyTimer = undefined;
    if (!this.#timed || this.#waiters.length === 0 || this.#failure !== undefined) return;
    const ms = this.#replyTimeoutMs;
    this.#replyTimer = setTimeout(() => {
      this.fail(new SmtpClientError('ETIMEDOUT', `no reply from the server within ${ms} ms`));
    }, ms);
  }

  #watch(socket: Socket): void {
    socket.on('error', (error: Error & { code?: unknown }) => {
      this.fail(new SmtpClientError('ECONNECTION', error.message));
    });
    socket.on('close', () => {
      this.fail(new SmtpClientError('ECONNECTION', 'the server closed the connection'));
    });
  }

  /** `promise`, or the channel's failure if that comes first. */
  #guard<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.#failed]);
  }
}
