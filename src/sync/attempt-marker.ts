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
  /** The marks of ops marked ahead that have not asked for theirs yet (the statement that marks their window). */
  readonly #marks = new Map<string, Promise<void>>();
  /** Of those, the ones the database holds: what `release` takes back. */
  readonly #unsent = new Set<string>();
  /** Every op before this index was marked by a window or asked for its mark; windows start at it or later. */
  #markedUpTo = 0;

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
    const ahead = this.#marks.get(entry.id);
    if (ahead === undefined) {
      await this.#markFrom(entry);
      return;
    }
    // Asked for: from here on its mark is a send's, and the collections stay as small as the windows in flight.
    this.#marks.delete(entry.id);
    this.#unsent.delete(entry.id);
    await ahead;
  }

  /** Unmarks the ops marked ahead that were never sent. Call it once the phase is over, stopped or not. */
  async release(): Promise<void> {
    const unsent = [...this.#unsent];
    if (unsent.length === 0) return;
    this.#unsent.clear();
    for (const id of unsent) this.#marks.delete(id);
    await this.store.unmarkAttempts(unsent, this.now());
  }

  #markFrom(entry: OutboxEntry): Promise<void> {
    const ahead: string[] = [];
    const at = this.#indexOf.get(entry.id);
    if (at !== undefined) {
      // Ops after this one not marked yet: an op before `#markedUpTo` was in a window or asked for its own mark.
      let index = Math.max(at + 1, this.#markedUpTo);
      for (; index < this.#entries.length && ahead.length + 1 < this.window; index++) {
        const next = this.#entries[index];
        if (next !== undefined) ahead.push(next.id);
      }
      this.#markedUpTo = Math.max(this.#markedUpTo, index, at + 1);
    }
    const marking = this.store.markAttempts([entry.id, ...ahead], this.now()).then(() => {
      for (const id of ahead) if (this.#marks.get(id) === marking) this.#unsent.add(id);
    });
    for (const id of ahead) this.#marks.set(id, marking);
    return marking;
  }
}
