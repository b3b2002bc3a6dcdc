import { GraphError } from './graph-error.js';

/** Graph's default limit of expressions in an `in` clause (filter-query-parameter, "Operators"). */
export const MAX_IN_EXPRESSIONS = 15;

const IN = /^\s*id\s+in\s*\(\s*(.*?)\s*\)\s*$/i;
const EQ = /^\s*id\s+eq\s+('(?:[^']|'')*')\s*$/i;
const LITERAL = /^'((?:[^']|'')*)'$/;

/**
 * The ids a list's `$filter` selects: `id in ('a','b')` (at most 15) or `id eq 'a'`; null without `$filter`. Any
 * other filter is answered as Graph answers a query it does not support on the resource.
 */
export function idsOfFilter(filter: string | null): string[] | null {
  if (filter === null) return null;
  const eq = EQ.exec(filter);
  if (eq !== null) return [literal(eq[1] ?? '')];
  const inClause = IN.exec(filter);
  if (inClause === null) {
    throw new GraphError(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified.`);
  }
  const ids = splitLiterals(inClause[1] ?? '').map(literal);
  if (ids.length > MAX_IN_EXPRESSIONS) {
    throw new GraphError(
      400,
      'Request_UnsupportedQuery',
      `Too many child clauses specified in search filter expression containing 'OR' operators: ${ids.length}. ` +
        `Max allowed: ${MAX_IN_EXPRESSIONS}.`,
    );
  }
  return ids;
}

function splitLiterals(list: string): string[] {
  const out: string[] = [];
  const pattern = /\s*('(?:[^']|'')*')\s*(?:,|$)/gy;
  let consumed = 0;
  for (let match = pattern.exec(list); match !== null && match[0] !== ''; match = pattern.exec(list)) {
    out.push(match[1] ?? '');
    consumed = pattern.lastIndex;
  }
  if (consumed !== list.length) {
    throw new GraphError(400, 'BadRequest', `Invalid filter clause: the values of 'in' must be string literals.`);
  }
  return out;
}

function literal(text: string): string {
  const match = LITERAL.exec(text);
  if (match === null) throw new GraphError(400, 'BadRequest', 'Invalid filter clause: a string literal was expected.');
  return (match[1] ?? '').replaceAll("''", "'");
}
