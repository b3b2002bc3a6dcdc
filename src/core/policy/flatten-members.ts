/** A group's direct members: user ids and nested group ids. */
export interface DirectMembers {
  readonly users: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
}

/** A nesting edge: `group` has `member` (a group) as a direct member. */
export interface NestingEdge {
  readonly group: string;
  readonly member: string;
}

export interface FlattenedMembers {
  /** Every group of the input (sorted by id) → its transitive user members (sorted). */
  readonly members: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * The nesting edges that close a cycle, found by a depth-first walk in id order (deterministic): the operator
   * should remove one edge of each cycle in the IdP. The walk never follows them twice, so it ends.
   */
  readonly cycleEdges: readonly NestingEdge[];
}

/**
 * Transitive user members of every group: its direct users and those of every group reachable through nesting
 * (Graph's `transitiveMembers`). On a cycle every group of it holds the users of all of them (each is, through the
 * others, nested in itself); the edges closing cycles are reported in `cycleEdges`. Nested ids that are not keys of
 * `direct` (unknown groups) add nothing. The result does not depend on the map's or the sets' iteration order.
 */
export function flattenMembers(direct: ReadonlyMap<string, DirectMembers>): FlattenedMembers {
  const ids = [...direct.keys()].sort(compare);
  const childrenOf = (id: string) =>
    [...(direct.get(id)?.groups ?? [])].filter((child) => direct.has(child)).sort(compare);
  const cycleEdges = findCycleEdges(ids, childrenOf);
  const members = new Map<string, ReadonlySet<string>>();
  for (const id of ids) {
    const users = new Set<string>();
    const seen = new Set<string>([id]);
    const queue = [id];
    for (let head = 0, next = queue[0]; next !== undefined; head += 1, next = queue[head]) {
      for (const user of direct.get(next)?.users ?? []) users.add(user);
      for (const child of childrenOf(next)) {
        if (seen.has(child)) continue;
        seen.add(child);
        queue.push(child);
      }
    }
    members.set(id, new Set([...users].sort(compare)));
  }
  return { members, cycleEdges };
}

/** Back edges of an iterative depth-first walk (no recursion: a deep nesting chain cannot overflow the stack). */
function findCycleEdges(ids: readonly string[], childrenOf: (id: string) => string[]): NestingEdge[] {
  const state = new Map<string, 'open' | 'done'>();
  const edges: NestingEdge[] = [];
  for (const root of ids) {
    if (state.has(root)) continue;
    state.set(root, 'open');
    const stack: { id: string; children: string[]; next: number }[] = [
      { id: root, children: childrenOf(root), next: 0 },
    ];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (frame === undefined) break;
      const child = frame.children[frame.next];
      if (child === undefined) {
        state.set(frame.id, 'done');
        stack.pop();
        continue;
      }
      frame.next += 1;
      const seen = state.get(child);
      if (seen === 'open') edges.push({ group: frame.id, member: child });
      if (seen !== undefined) continue;
      state.set(child, 'open');
      stack.push({ id: child, children: childrenOf(child), next: 0 });
    }
  }
  return edges;
}

// Code-unit order, not locale order: the same on every machine.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
