/**
 * Parser for Okta's `filter` and `search` expressions (SCIM-like: `status eq "ACTIVE" and lastUpdated gt "…"`).
 * See https://developer.okta.com/docs/api/#filter and the `search` parameter of "List all users"
 * (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/listUsers).
 * Strings compare case-insensitively; two ISO-8601 timestamps compare as instants, so `"2026-01-01T00:00:00Z"`
 * matches a stored `"2026-01-01T00:00:00.000Z"`.
 */
export type OktaPredicate = (resource: unknown) => boolean;

export class OktaExpressionError extends Error {
  override readonly name = 'OktaExpressionError';
}

type Operator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sw' | 'co' | 'pr';
const operators = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'pr']);
type Literal = string | number | boolean | null;

export interface OktaExpressionOptions {
  /** Attribute paths the endpoint accepts; anything else is a 400, as Okta's `filter` is for a fixed subset. */
  readonly attributes?: readonly string[];
}

export function compileOktaExpression(text: string, options: OktaExpressionOptions = {}): OktaPredicate {
  const tokens = tokenize(text);
  let position = 0;
  const peek = (): string | undefined => tokens[position];
  const take = (): string => {
    const token = tokens[position];
    if (token === undefined) throw new OktaExpressionError(`unexpected end of expression: ${text}`);
    position += 1;
    return token;
  };
  const keyword = (word: string): boolean => peek()?.toLowerCase() === word;

  const parseOr = (): OktaPredicate => {
    let left = parseAnd();
    while (keyword('or')) {
      take();
      const l = left;
      const r = parseAnd();
      left = (resource) => l(resource) || r(resource);
    }
    return left;
  };
  const parseAnd = (): OktaPredicate => {
    let left = parseFactor();
    while (keyword('and')) {
      take();
      const l = left;
      const r = parseFactor();
      left = (resource) => l(resource) && r(resource);
    }
    return left;
  };
  const parseFactor = (): OktaPredicate => {
    if (peek() === '(') {
      take();
      const inner = parseOr();
      if (take() !== ')') throw new OktaExpressionError(`missing ")" in: ${text}`);
      return inner;
    }
    const attribute = take();
    if (!/^[A-Za-z_][\w.]*$/.test(attribute)) throw new OktaExpressionError(`bad attribute "${attribute}"`);
    if (options.attributes !== undefined && !options.attributes.includes(attribute)) {
      throw new OktaExpressionError(`attribute "${attribute}" is not supported here`);
    }
    const operator = take().toLowerCase();
    if (!operators.has(operator)) throw new OktaExpressionError(`bad operator "${operator}"`);
    if (operator === 'pr') return (resource) => readPath(resource, attribute) != null;
    const value = parseLiteral(take());
    return (resource) => compare(readPath(resource, attribute), operator as Operator, value);
  };

  const predicate = parseOr();
  if (position !== tokens.length) throw new OktaExpressionError(`unexpected "${tokens[position] ?? ''}" in: ${text}`);
  return predicate;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /\s*(?:("(?:[^"\\]|\\.)*")|([()])|([^\s()"]+))/y;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    const token = match[1] ?? match[2] ?? match[3];
    if (token === undefined) break;
    tokens.push(token);
    consumed = pattern.lastIndex;
  }
  if (text.slice(consumed).trim() !== '') throw new OktaExpressionError(`cannot parse: ${text}`);
  if (tokens.length === 0) throw new OktaExpressionError('empty expression');
  return tokens;
}

function parseLiteral(token: string): Literal {
  if (token.startsWith('"')) return String(JSON.parse(token));
  if (token === 'true') return true;
  if (token === 'false') return false;
  if (token === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  throw new OktaExpressionError(`bad value "${token}": strings must be double-quoted`);
}

function readPath(resource: unknown, path: string): unknown {
  let current = resource;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      current = current.map((item) => readPath(item, segment));
      continue;
    }
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function compare(actual: unknown, operator: Operator, expected: Literal): boolean {
  if (Array.isArray(actual)) return actual.some((item) => compare(item, operator, expected));
  if (operator === 'ne') return !compare(actual, 'eq', expected);
  if (actual === undefined || actual === null || expected === null) {
    return operator === 'eq' && (actual ?? null) === expected;
  }
  if (typeof actual === 'string' && typeof expected === 'string') {
    if (isoInstant.test(actual) && isoInstant.test(expected)) {
      return order(Date.parse(actual) - Date.parse(expected), operator);
    }
    const a = actual.toLowerCase();
    const e = expected.toLowerCase();
    if (operator === 'sw') return a.startsWith(e);
    if (operator === 'co') return a.includes(e);
    return order(a < e ? -1 : a > e ? 1 : 0, operator);
  }
  if (typeof actual === typeof expected && (typeof actual === 'number' || typeof actual === 'boolean')) {
    return order(Number(actual) - Number(expected), operator);
  }
  return false;
}

function order(difference: number, operator: Operator): boolean {
  switch (operator) {
    case 'eq':
      return difference === 0;
    case 'gt':
      return difference > 0;
    case 'ge':
      return difference >= 0;
    case 'lt':
      return difference < 0;
    case 'le':
      return difference <= 0;
    case 'ne':
    case 'sw':
    case 'co':
    case 'pr':
      return false;
  }
}
