import { SmtpClientError } from './smtp-client-error.js';
import type { SmtpConnection } from './smtp-connection.js';

/** The slice of a connection the pool manages. */
export interface PooledConnection {
  readonly usable: boolean;
  /** Messages handed to it so far (their data written), answered or not. */
  readonly started: number;
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
 * when all are busy. A task may hand its connection on before it ends (`handOver`: its message is written and only
 * its reply is awaited), so that the next task's commands follow on the same connection. A connection that is no
 * longer `usable` (an error, a timeout, the server's 421 or idle close) is dropped when it comes back or is found
 * idle, and the next task opens a new one. Tasks are never retried.
 */
export class SmtpPool<C extends PooledConnection = SmtpConnection> {
  readonly #size: number;
  readonly #open: () => Promise<C>;
  readonly #idle: C[] = [];
  readonly #waiting: (() => void)[] = [];
  /** Connections open, being opened or in use. */
  #count = 0;
  /** Tasks running, whether they still hold their connection or handed it on and wait for their reply. */
  #busy = 0;
  #closed = false;
  #drained: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  readonly #quitting = new Set<Promise<void>>();

  constructor(size: number, open: () => Promise<C>) {
    this.#size = size;
    this.#open = open;
  }

  /**
   * Runs `task` on a connection of its own until it ends or calls `handOver`; rejects with the task's error, or the
   * connection's open error.
   */
  async use<T>(task: (connection: C, handOver: () => void) => Promise<T>): Promise<T> {
    const connection = await this.#acquire();
    let held = true;
    let retire = false;
    const handOver = () => {
      if (!held) return;
      held = false;
      // A connection due for replacement is kept until this task's reply is in, then closed (QUIT behind it).
      if (connection.usable && connection.started >= MESSAGES_PER_CONNECTION) retire = true;
      else this.#release(connection);
    };
    try {
      return await task(connection, handOver);
    } finally {
      if (held || retire) {
        held = false;
        this.#release(connection);
      }
      this.#busy -= 1;
      this.#wakeOne();
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
    if (connection.usable && connection.started >= MESSAGES_PER_CONNECTION) {
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
