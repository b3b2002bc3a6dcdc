/**
 * Unsupported ops as work for a person (DESIGN "Unsupported ops"): grouped so that a summary reads "3 member
 * removals in Sales must be made by hand", not one line per op.
 */

/** One unsupported op, as the outbox or the run knows it. */
export interface UnsupportedItem {
  readonly kind: string;
  /** The IdP id of the op's subject (a membership op's group). */
  readonly subject: string;
  /** The users a membership op adds or removes; empty for other kinds. */
  readonly members: readonly string[];
  /** Why the app cannot do it (the target's words). */
  readonly reason: string;
}

/** One line of work: the same kind of change (in the same group, for memberships), for the same reason. */
export interface ManualWork {
  readonly kind: string;
  /** The group, for membership changes; null otherwise. */
  readonly group: string | null;
  /** Members for membership changes, subjects (one op each) otherwise. */
  readonly count: number;
  /**
   * Who is concerned: the users a membership change adds or removes, or the subjects of the ops (users or
   * groups), in the order first seen, each once.
   */
  readonly subjects: readonly string[];
  readonly reason: string;
}

const MEMBERSHIP_KINDS = new Set(['members.add', 'members.remove']);

/** Groups unsupported ops by kind, group (memberships) and reason, keeping the order they were first seen. */
export function groupManualWork(items: readonly UnsupportedItem[]): ManualWork[] {
  const groups = new Map<string, { kind: string; group: string | null; reason: string; subjects: Set<string> }>();
  for (const item of items) {
    const membership = MEMBERSHIP_KINDS.has(item.kind);
    const group = membership ? item.subject : null;
    const id = JSON.stringify([item.kind, group, item.reason]);
    let work = groups.get(id);
    if (work === undefined) {
      work = { kind: item.kind, group, reason: item.reason, subjects: new Set() };
      groups.set(id, work);
    }
    if (membership) for (const member of item.members) work.subjects.add(member);
    else work.subjects.add(item.subject);
  }
  return [...groups.values()].map((work) => ({
    kind: work.kind,
    group: work.group,
    count: work.subjects.size,
    subjects: [...work.subjects],
    reason: work.reason,
  }));
}
