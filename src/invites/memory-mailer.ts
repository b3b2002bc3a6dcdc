import type { InviteMessage } from './invite-mail.js';
import type { Mailer, SendOptions } from './mailer.js';
import type { MailerError } from './mailer-error.js';

/** A `Mailer` that keeps what it is sent in memory: for tests of the apply loop and for dry runs. */
export class MemoryMailer implements Mailer {
  readonly destination = 'memory';
  readonly #sent: InviteMessage[] = [];
  readonly #failures: MailerError[] = [];
  #closed = false;

  async send(message: InviteMessage, options: SendOptions = {}): Promise<void> {
    if (this.#closed) throw new Error('MemoryMailer is closed');
    const failure = this.#failures.shift();
    if (failure !== undefined) throw failure;
    await options.beforeData;
    this.#sent.push(message);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** The messages sent so far, oldest first. */
  sent(): readonly InviteMessage[] {
    return [...this.#sent];
  }

  /** The next `send` calls throw these errors, in order, and send nothing. */
  failNext(...errors: readonly MailerError[]): void {
    this.#failures.push(...errors);
  }
}
