import type { Kysely } from 'kysely';
import type { StateEffect } from '../core/planner/apply-op.js';
import type { Clock } from '../clock.js';
import { AppStateRepository } from '../store/app-state-repository.js';
import type { Database } from '../store/database.js';
import { OutboxRepository } from '../store/outbox-repository.js';

/**
 * Ops per commit at most by default: the statements of a commit are spread over this many ops, and a database
 * fault is noticed within this many ops, plus those of an attempt-mark window already marked and sent while the
 * failing commit ran (all of them are resumed by the next run).
 */
export const JOURNAL_MAX_OPS = 100;

export interface AppliedJournalOptions {
  /** Ops per commit at most (default `JOURNAL_MAX_OPS`). */
  readonly maxOps?: number;
  /** The longest an applied op waits for its commit when fewer come (default 100 ms). */
  readonly maxDelayMs?: number;
}

/**
 * Records applied ops in group commits: each op's effect on the known app state and its `applied` mark go into
 * the database with those of the ops applied around it, in one transaction of a few multi-row statements, instead
 * of a transaction of its own (at 20 000 users the bookkeeping cost more than the app's writes).
 *
 * Exactly-once does not depend on it: every op was marked attempted before it was sent. A process that dies with
 * ops applied but not yet committed leaves them attempted and pending, as a crash between the app's answer and a
 * single-op commit does: the next run looks up the creates and adopts them, and sends the idempotent writes again.
 * Invites are not recorded here: a mail sent twice is seen by a person, so each is committed on its own.
 *
 * A commit that fails is kept: the next `record` throws it and `flush` returns it, and the run stops.
 */
export class AppliedJournal {
  readonly #db: Kysely<Database>;
  readonly #connectionId: string;
  readonly #clock: Clock;
  readonly #maxOps: number;
  readonly #maxDelayMs: number;
  #pending: { readonly id: string; readonly effects: readonly StateEffect[] }[] = [];
  #committing: Promise<void> = Promise.resolve();
  #failure: Error | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #soon = false;
  /** Settles when the ops pending now are committed (or their commit failed). */
  #pendingStored = deferred();
  /** Each recorded op not committed yet, with what settles when its commit is over (see `durableFor`). */
  readonly #uncommitted = new Map<string, Promise<void>>();

  constructor(db: Kysely<Database>, connectionId: string, clock: Clock, options: AppliedJournalOptions = {}) {
    this.#db = db;
    this.#connectionId = connectionId;
    this.#clock = clock;
    this.#maxOps = options.maxOps ?? JOURNAL_MAX_OPS;
    this.#maxDelayMs = options.maxDelayMs ?? 100;
  }

  /** Queues an applied op and its effects; throws when an earlier commit failed (nothing more is recorded). */
  record(id: string, effects: readonly StateEffect[]): void {
    if (this.#failure !== null) throw this.#failure;
    this.#pending.push({ id, effects });
    this.#uncommitted.set(id, this.#pendingStored.promise);
    if (this.#pending.length >= this.#maxOps) void this.#commit();
    else this.#timer ??= setTimeout(() => void this.#commit(), this.#maxDelayMs);
  }

  /** Commits what is queued; the failure of any commit so far, or null when everything recorded is stored. */
  async flush(): Promise<Error | null> {
    await this.#commit();
    return this.#failure;
  }

  /**
   * Resolves once the given ops, if recorded, are committed: the failure of a commit so far, or null. An invite
   * waits so for its person's rows, and only for them. Asking brings the commit forward to the next turn of the
   * event loop (with whatever else was recorded by then): left to size or time, each invite waited up to 100 ms,
   * and with a few mails in flight the mails went at a few hundred a second while the creates trickled in.
   */
  async durableFor(ids: Iterable<string>): Promise<Error | null> {
    for (const id of ids) {
      const stored = this.#uncommitted.get(id);
      if (stored === undefined) continue;
      if (stored === this.#pendingStored.promise) this.#commitSoon();
      await stored;
    }
    return this.#failure;
  }

  /** A commit of what is pending, on the next turn of the event loop (one, however many ask). */
  #commitSoon(): void {
    if (this.#soon) return;
    this.#soon = true;
    setImmediate(() => {
      this.#soon = false;
      void this.#commit();
    });
  }

  /** Commits run one after the other, in the order the ops were recorded. */
  #commit(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    const stored = this.#pendingStored;
    this.#pending = [];
    this.#pendingStored = deferred();
    this.#committing = this.#committing.then(async () => {
      try {
        if (batch.length === 0 || this.#failure !== null) return;
        const now = this.#clock.now().toISOString();
        await this.#db.transaction().execute(async (trx) => {
          await new AppStateRepository(trx).persistMany(
            this.#connectionId,
            batch.flatMap((op) => op.effects),
            now,
          );
          await new OutboxRepository(trx).finishApplied(
            batch.map((op) => op.id),
            now,
          );
        });
      } catch (error) {
        this.#failure = error instanceof Error ? error : new Error(String(error));
      } finally {
        for (const op of batch) this.#uncommitted.delete(op.id);
        stored.resolve();
      }
    });
    return this.#committing;
  }
}

function deferred(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}
