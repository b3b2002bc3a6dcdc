import type { OutboxEntry } from '../store/outbox-repository.js';

/** The slice of the outbox the marker writes to. */
export interface AttemptStore {
  markAttempts(ids: readonly string[], now: string): Promise<void>;
  unmarkAttempts(ids: readonly string[], now: string): Promise<void>;
}

/** Ops marked attempted in one statement: the op about to be sent and those queued after it. */
export const ATTEMPT_MARK_WINDOW = 32;

/**
 * Marks a phase's ops attempted before they are sent, a window at a time: the op about to be sent and the next
 * ones of the phase in one UPDATE, instead of one statement per op (at 100 000 users, one of the last per-op
 * statements of a sync). Exactly-once only needs the mark to be committed before the send, and an op marked
 * early is, if the run dies, merely looked up before it is created (as after a crash between mark and send).
 * `release` takes back the marks of ops that were not sent after all (the run stopped, or the op turned out
 * skipped or unsupported), so that on every path but a crash `attempts` counts the sends.
 */
export class AttemptMarker {
  readonly #entries: readonly OutboxEntry[];
  readonly #indexOf = new Map<string, number>();
  /** Each marked op's pending or done mark (the promise of the statement that marks its window). */
  readonly #marks = new Map<string, Promise<void>>();
  /** Marks the database holds. */
  readonly #committed = new Set<string>();
  /** Ops that asked for their mark, that is, were sent or are being sent. */
  readonly #sent = new Set<string>();

  constructor(
    entries: readonly OutboxEntry[],
    private readonly store: AttemptStore,
    private readonly now: () => string,
    private readonly window: number = ATTEMPT_MARK_WINDOW,
  ) {
    this.#entries = entries;
    entries.forEach((entry, index) => this.#indexOf.set(entry.id, index));
  }

  /** Resolves once `entry` is marked attempted in the database; call it right before sending the op. */
  async mark(entry: OutboxEntry): Promise<void> {
    this.#sent.add(entry.id);
    const pending = this.#marks.get(entry.id) ?? this.#markFrom(entry);
    await pending;
  }

  /** Unmarks the ops marked ahead that were never sent. Call it once the phase is over, stopped or not. */
  async release(): Promise<void> {
    const unsent = [...this.#committed].filter((id) => !this.#sent.has(id));
    if (unsent.length === 0) return;
    for (const id of unsent) this.#committed.delete(id);
    await this.store.unmarkAttempts(unsent, this.now());
  }

  #markFrom(entry: OutboxEntry): Promise<void> {
    const ids = [entry.id];
    const start = this.#indexOf.get(entry.id);
    if (start !== undefined) {
      for (let index = start + 1; index < this.#entries.length && ids.length < this.window; index++) {
        const next = this.#entries[index];
        if (next !== undefined && !this.#marks.has(next.id)) ids.push(next.id);
      }
    }
    const marking = this.store.markAttempts(ids, this.now()).then(() => {
      for (const id of ids) this.#committed.add(id);
    });
    for (const id of ids) this.#marks.set(id, marking);
    return marking;
  }
}
