import { OP_PHASES, opSubject, type PlannedOp } from './op.js';

/** Deterministic order: by phase (DESIGN "Ordering inside a plan"), then subject, then kind. */
export function orderOps<T extends PlannedOp>(ops: readonly T[]): T[] {
  return [...ops].sort(
    (a, b) => OP_PHASES[a.kind] - OP_PHASES[b.kind] || compare(opSubject(a), opSubject(b)) || compare(a.kind, b.kind),
  );
}

// Code-unit order, not locale order: the same on every machine.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
