import type { OutboxEntry } from '../store/outbox-repository.js';

interface Person {
  /** The person's user ops of this run not finished yet. */
  left: number;
  /** Their outbox ids. */
  readonly ops: string[];
  readonly ready: Promise<boolean>;
  readonly settle: (ready: boolean) => void;
}

/**
 * When each person's invite may go out: once every op of the run on that person's app account (create, update,
 * reactivation) has finished, whatever its outcome (a create that failed leaves no invite due, which the invite op
 * then finds). Invites no longer wait for every other op of the plan: they go out over the mail server while the
 * app's group writes go on, and a new hire's account is what the invite leads to.
 */
export class InviteReadiness {
  readonly #people = new Map<string, Person>();

  constructor(entries: readonly OutboxEntry[]) {
    for (const entry of entries) {
      const { op } = entry;
      if (!isUserOp(op.kind) || !('externalId' in op)) continue;
      let person = this.#people.get(op.externalId);
      if (person === undefined) {
        person = pending();
        this.#people.set(op.externalId, person);
      }
      person.left++;
      person.ops.push(entry.id);
    }
  }

  /** The outbox ids of the person's user ops in this run: the rows their invite needs stored first. */
  opsOf(userExternalId: string): readonly string[] {
    return this.#people.get(userExternalId)?.ops ?? [];
  }

  /** Resolves true once the person's user ops have all finished; false if some will not run in this run. */
  ready(userExternalId: string): Promise<boolean> {
    return this.#people.get(userExternalId)?.ready ?? Promise.resolve(true);
  }

  /** Call when an op finished (applied, failed, skipped, held…). */
  finished(entry: OutboxEntry): void {
    const { op } = entry;
    if (!isUserOp(op.kind) || !('externalId' in op)) return;
    const person = this.#people.get(op.externalId);
    if (person === undefined || person.left === 0) return;
    person.left--;
    if (person.left === 0) person.settle(true);
  }

  /** Call when no more user ops will start (all ran, or the run stopped): the people still waiting are not ready. */
  over(): void {
    for (const person of this.#people.values()) if (person.left > 0) person.settle(false);
  }
}

function isUserOp(kind: OutboxEntry['op']['kind']): boolean {
  return kind === 'user.create' || kind === 'user.update' || kind === 'user.reactivate';
}

function pending(): Person {
  let settle: (ready: boolean) => void = () => undefined;
  const ready = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  return { left: 0, ops: [], ready, settle };
}
