import type { Kysely } from 'kysely';
import type { StateEffect } from '../core/planner/apply-op.js';
import type { Clock } from '../clock.js';
import { AppStateRepository } from '../store/app-state-repository.js';
import type { Database } from '../store/database.js';
import { OutboxRepository } from '../store/outbox-repository.js';

interface Attempt {
  readonly entryId: string;
  readonly userExternalId: string;
  readonly messageId: string;
  readonly committed: () => void;
  readonly failed: (error: Error) => void;
}

interface Sent {
  readonly entryId: string;
  readonly effects: readonly StateEffect[];
}

/**
 * The bookkeeping of the invites a run sends. Each invite is marked attempted, with the Message-ID a resend after a
 * crash carries, in a commit before it leaves (`attempt`), and recorded sent (its invite row and its outbox entry)
 * in a commit after the mail server's 250 (`sent`).
 *
 * A commit starts on the next turn of the event loop and takes everything asked for until then: the sent record of
 * an invite and the attempt of the next one its mail connection composes right after (same turn, no I/O between)
 * share a commit, so an invite costs one commit instead of two (at 100 000 invites the commits were a quarter of
 * the CLI's time in the mail phase). Nothing waits longer for it: a sent record is committed in the same turn's
 * commit, so a process killed after the 250 resends at most the invites whose 250 came in the turn it died in: up
 * to two per mail connection, which has two messages in flight (DESIGN "Invites": at least once; the window is
 * the commit after `250`).
 *
 * A commit that fails is kept: waiting attempts are rejected with it, the next `attempt` or `sent` throws it and
 * `flush` returns it, and the run stops.
 */
export class InviteLedger {
  readonly #db: Kysely<Database>;
  readonly #connectionId: string;
  readonly #clock: Clock;
  #attempts: Attempt[] = [];
  #sent: Sent[] = [];
  #scheduled = false;
  #committing: Promise<void> = Promise.resolve();
  #failure: Error | null = null;

  constructor(db: Kysely<Database>, connectionId: string, clock: Clock) {
    this.#db = db;
    this.#connectionId = connectionId;
    this.#clock = clock;
  }

  /** Resolves once the invite's outbox entry and invite row say it is being sent; call it right before sending. */
  attempt(entryId: string, userExternalId: string, messageId: string): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return new Promise((committed, failed) => {
      this.#attempts.push({ entryId, userExternalId, messageId, committed, failed });
      this.#schedule();
    });
  }

  /** Queues the record of an invite the mail server accepted; throws when an earlier commit failed. */
  sent(entryId: string, effects: readonly StateEffect[]): void {
    if (this.#failure !== null) throw this.#failure;
    this.#sent.push({ entryId, effects });
    this.#schedule();
  }

  /** Commits what is queued; the failure of any commit so far, or null when everything asked for is stored. */
  async flush(): Promise<Error | null> {
    this.#committing = this.#committing.then(() => this.#commit());
    await this.#committing;
    return this.#failure;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#committing = this.#committing.then(() => this.#commit());
    });
  }

  /** Commits run one after the other; each takes what was queued when it starts. */
  async #commit(): Promise<void> {
    this.#scheduled = false;
    const attempts = this.#attempts;
    const sent = this.#sent;
    this.#attempts = [];
    this.#sent = [];
    if (attempts.length === 0 && sent.length === 0) return;
    if (this.#failure === null) {
      try {
        const now = this.#clock.now().toISOString();
        await this.#db.transaction().execute(async (trx) => {
          const outbox = new OutboxRepository(trx);
          const invites = new AppStateRepository(trx);
          if (sent.length > 0) {
            await invites.persistMany(
              this.#connectionId,
              sent.flatMap((invite) => invite.effects),
              now,
            );
            await outbox.finishApplied(
              sent.map((invite) => invite.entryId),
              now,
            );
          }
          if (attempts.length > 0) {
            await outbox.markAttempts(
              attempts.map((attempt) => attempt.entryId),
              now,
            );
            for (const attempt of attempts) {
              await invites.markInviteAttempt(this.#connectionId, attempt.userExternalId, attempt.messageId);
            }
          }
        });
      } catch (error) {
        this.#failure = error instanceof Error ? error : new Error(String(error));
      }
    }
    const failure = this.#failure;
    for (const attempt of attempts) {
      if (failure === null) attempt.committed();
      else attempt.failed(failure);
    }
  }
}
