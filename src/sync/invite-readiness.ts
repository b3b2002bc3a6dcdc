import type { OutboxEntry } from '../store/outbox-repository.js';

/**
 * When each person's invite may go out: once every op of the run on that person's app account (create, update,
 * reactivation) has finished, whatever its outcome (a create that failed leaves no invite due, which the invite op
 * then finds). Invites no longer wait for every other op of the plan: they go out over the mail server while the
 * app's group writes go on, and a new hire's account is what the invite leads to.
 *
 * Kept lean, as it lives through the whole apply: counts and ids by person, and a promise only for the few invites
 * waiting at a time (at 100 000 people a promise and a record each were some 20 MB).
 */
export class InviteReadiness {
  /** Each person's user ops of this run not finished yet; absent once all have (or when there were none). */
  readonly #left = new Map<string, number>();
  /** Each person's user ops by outbox id: one id, or the list when there are several (a create and an update). */
  readonly #ops = new Map<string, string | string[]>();
  /** The invites waiting for their person, resolved when the person's last op finishes or the run ends. */
  readonly #waiting = new Map<string, ((ready: boolean) => void)[]>();
  #over = false;

  constructor(entries: readonly OutboxEntry[]) {
    for (const entry of entries) {
      const person = personOf(entry);
      if (person === undefined) continue;
      this.#left.set(person, (this.#left.get(person) ?? 0) + 1);
      const ops = this.#ops.get(person);
      if (ops === undefined) this.#ops.set(person, entry.id);
      else if (typeof ops === 'string') this.#ops.set(person, [ops, entry.id]);
      else ops.push(entry.id);
    }
  }

  /** The outbox ids of the person's user ops in this run: the rows their invite needs stored first. */
  opsOf(userExternalId: string): readonly string[] {
    const ops = this.#ops.get(userExternalId);
    return ops === undefined ? [] : typeof ops === 'string' ? [ops] : ops;
  }

  /** Resolves true once the person's user ops have all finished; false if some will not run in this run. */
  ready(userExternalId: string): Promise<boolean> {
    if (!this.#left.has(userExternalId)) return Promise.resolve(true);
    if (this.#over) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiting = this.#waiting.get(userExternalId);
      if (waiting === undefined) this.#waiting.set(userExternalId, [resolve]);
      else waiting.push(resolve);
    });
  }

  /** Call when an op finished (applied, failed, skipped, held…). */
  finished(entry: OutboxEntry): void {
    const person = personOf(entry);
    if (person === undefined || this.#over) return;
    const left = this.#left.get(person);
    if (left === undefined) return;
    if (left > 1) {
      this.#left.set(person, left - 1);
      return;
    }
    this.#left.delete(person);
    this.#settle(person, true);
  }

  /** Call when no more user ops will start (all ran, or the run stopped): the people still waiting are not ready. */
  over(): void {
    this.#over = true;
    for (const person of [...this.#waiting.keys()]) this.#settle(person, false);
  }

  #settle(person: string, ready: boolean): void {
    const waiting = this.#waiting.get(person);
    if (waiting === undefined) return;
    this.#waiting.delete(person);
    for (const resolve of waiting) resolve(ready);
  }
}

/** The person a user op is about; undefined for other ops. */
function personOf(entry: OutboxEntry): string | undefined {
  const { op } = entry;
  return op.kind === 'user.create' || op.kind === 'user.update' || op.kind === 'user.reactivate'
    ? op.externalId
    : undefined;
}
