import { OP_PHASES, opSubject, type Op } from './op.js';

/** Deterministic order: by phase (DESIGN "Ordering inside a plan"), then subject, then key. */
export function orderOps(ops: readonly Op[]): Op[] {
  return [...ops].sort(
    (a, b) => OP_PHASES[a.kind] - OP_PHASES[b.kind] || compare(opSubject(a), opSubject(b)) || compare(a.key, b.key),
  );
}

// Code-unit order, not locale order: the same on every machine.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
