import { SmtpClientError } from './smtp-client-error.js';
import type { SmtpConnection } from './smtp-connection.js';

/** The slice of a connection the pool manages. */
export interface PooledConnection {
  readonly usable: boolean;
  /** Messages accepted over it so far. */
  readonly sent: number;
  close(): Promise<void>;
  destroy(): void;
}

/**
 * Messages over one connection before it is closed and replaced, as a courtesy (Exim's default cap per session is
 * 1 000). A server that caps lower answers 421 at MAIL FROM, and `SmtpMailer` sends that message again on a new
 * connection (nothing of it was delivered). Not nodemailer's 100: a handshake (TLS, AUTH) per hundred messages cost
 * ~1 ms per invite against the SMTP test server, more over a real network.
 */
export const MESSAGES_PER_CONNECTION = 1000;

/**
 * Up to `size` connections, opened lazily by `open`: `use` runs one task on a free connection, waiting for one
 * when all are busy. A connection that is no longer `usable` (an error, a timeout, the server's 421 or idle close)
 * is dropped when it comes back or is found idle, and the next task opens a new one. Tasks are never retried.
 */
export class SmtpPool<C extends PooledConnection = SmtpConnection> {
  readonly #size: number;
  readonly #open: () => Promise<C>;
  readonly #idle: C[] = [];
  readonly #waiting: (() => void)[] = [];
  /** Connections open, being opened or in use. */
  #count = 0;
  #busy = 0;
  #closed = false;
  #drained: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  readonly #quitting = new Set<Promise<void>>();

  constructor(size: number, open: () => Promise<C>) {
    this.#size = size;
    this.#open = open;
  }

  /** Runs `task` on a connection of its own; rejects with the task's error, or the connection's open error. */
  async use<T>(task: (connection: C) => Promise<T>): Promise<T> {
    const connection = await this.#acquire();
    try {
      return await task(connection);
    } finally {
      this.#release(connection);
    }
  }

  /** Finishes the tasks already handed to `use` (and those waiting), then says QUIT on every connection. */
  close(): Promise<void> {
    this.#closing ??= this.#drainAndQuit();
    return this.#closing;
  }

  async #drainAndQuit(): Promise<void> {
    this.#closed = true;
    if (this.#busy > 0 || this.#waiting.length > 0) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    const idle = this.#idle.splice(0);
    this.#count -= idle.length;
    await Promise.all([...idle.map((connection) => connection.close()), ...this.#quitting]);
  }

  async #acquire(): Promise<C> {
    for (;;) {
      if (this.#closed && this.#drained === undefined) {
        throw new SmtpClientError('ECONNECTION', 'the mailer is closed');
      }
      const idle = this.#takeIdle();
      if (idle !== undefined) {
        this.#busy += 1;
        return idle;
      }
      if (this.#count < this.#size) {
        this.#count += 1;
        this.#busy += 1;
        try {
          return await this.#open();
        } catch (error) {
          this.#count -= 1;
          this.#busy -= 1;
          this.#wakeOne();
          throw error;
        }
      }
      await new Promise<void>((resolve) => {
        this.#waiting.push(resolve);
      });
    }
  }

  #takeIdle(): C | undefined {
    for (let connection = this.#idle.pop(); connection !== undefined; connection = this.#idle.pop()) {
      if (connection.usable) return connection;
      this.#count -= 1;
      connection.destroy();
    }
    return undefined;
  }

  #release(connection: C): void {
    this.#busy -= 1;
    if (connection.usable && connection.sent >= MESSAGES_PER_CONNECTION) {
      // Its slot stays taken until QUIT is done: the server must never see more than `size` connections.
      const quitting = connection.close().finally(() => {
        this.#quitting.delete(quitting);
        this.#count -= 1;
        this.#wakeOne();
      });
      this.#quitting.add(quitting);
    } else if (connection.usable) {
      this.#idle.push(connection);
    } else {
      this.#count -= 1;
      connection.destroy();
    }
    this.#wakeOne();
  }

  #wakeOne(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) {
      next();
      return;
    }
    if (this.#busy === 0 && this.#drained !== undefined) {
      const drained = this.#drained;
      this.#drained = undefined;
      drained();
    }
  }
}
