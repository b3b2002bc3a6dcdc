import { ScimError } from './scim-error.js';

export type ScimCompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';
export type ScimCompareValue = string | number | boolean | null;

/**
 * A parsed filter (RFC 7644 §3.4.2.2). Attribute paths stay as written (`emails.value`, `urn:…:User:userName`):
 * `compileScimFilter` resolves them against a schema.
 */
export type ScimFilter =
  | {
      readonly kind: 'compare';
      readonly path: string;
      readonly operator: ScimCompareOperator;
      readonly value: ScimCompareValue;
    }
  | { readonly kind: 'present'; readonly path: string }
  | { readonly kind: 'and' | 'or'; readonly left: ScimFilter; readonly right: ScimFilter }
  | { readonly kind: 'not'; readonly filter: ScimFilter }
  | { readonly kind: 'valuePath'; readonly path: string; readonly filter: ScimFilter };

type Token =
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: 'string'; readonly value: string; readonly at: number }
  | { readonly kind: '(' | ')' | '[' | ']'; readonly at: number };

const COMPARE_OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']);
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Parses a `filter` query parameter; a syntax error is a 400 `invalidFilter` (RFC 7644 §3.4.2.2). */
export function parseScimFilter(text: string): ScimFilter {
  const parser = new FilterParser(text, tokenize(text));
  return parser.parseWhole();
}

function invalid(text: string, why: string): ScimError {
  return ScimError.badRequest('invalidFilter', `Invalid filter ${JSON.stringify(text)}: ${why}`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text.charAt(i);
    if (/\s/.test(char)) {
      i++;
    } else if (char === '(' || char === ')' || char === '[' || char === ']') {
      tokens.push({ kind: char, at: i });
      i++;
    } else if (char === '"') {
      const start = i;
      i++;
      while (i < text.length && text.charAt(i) !== '"') i += text.charAt(i) === '\\' ? 2 : 1;
      if (i >= text.length) throw invalid(text, `unterminated string at ${start}`);
      i++;
      // compValue strings are JSON strings (RFC 7644 §3.4.2.2 refers to RFC 7159): \" \\ \uXXXX and friends.
      const value: unknown = parseJsonString(text.slice(start, i));
      if (typeof value !== 'string') throw invalid(text, `bad escape in the string at ${start}`);
      tokens.push({ kind: 'string', value, at: start });
    } else {
      const start = i;
      while (i < text.length && !/[\s()[\]"]/.test(text.charAt(i))) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), at: start });
    }
  }
  return tokens;
}

function parseJsonString(quoted: string): unknown {
  try {
    return JSON.parse(quoted);
  } catch {
    return undefined;
  }
}

class FilterParser {
  #position = 0;

  constructor(
    readonly text: string,
    readonly tokens: readonly Token[],
  ) {}

  parseWhole(): ScimFilter {
    if (this.tokens.length === 0) throw invalid(this.text, 'it is empty');
    const filter = this.#parseOr(false);
    const extra = this.tokens[this.#position];
    if (extra !== undefined) throw invalid(this.text, `unexpected ${describe(extra)} at ${extra.at}`);
    return filter;
  }

  // Precedence (RFC 7644 §3.4.2.2): grouping, then "not", then "and", then "or".
  #parseOr(inValuePath: boolean): ScimFilter {
    let left = this.#parseAnd(inValuePath);
    while (this.#peekWord('or')) {
      this.#position++;
      left = { kind: 'or', left, right: this.#parseAnd(inValuePath) };
    }
    return left;
  }

  #parseAnd(inValuePath: boolean): ScimFilter {
    let left = this.#parseUnary(inValuePath);
    while (this.#peekWord('and')) {
      this.#position++;
      left = { kind: 'and', left, right: this.#parseUnary(inValuePath) };
    }
    return left;
  }

  #parseUnary(inValuePath: boolean): ScimFilter {
    if (this.#peekWord('not')) {
      this.#position++;
      this.#expect('(');
      const filter = this.#parseOr(inValuePath);
      this.#expect(')');
      return { kind: 'not', filter };
    }
    if (this.tokens[this.#position]?.kind === '(') {
      this.#position++;
      const filter = this.#parseOr(inValuePath);
      this.#expect(')');
      return filter;
    }
    return this.#parseAttributeExpression(inValuePath);
  }

  #parseAttributeExpression(inValuePath: boolean): ScimFilter {
    const pathToken = this.#next('an attribute name');
    if (pathToken.kind !== 'word') throw invalid(this.text, `expected an attribute name at ${pathToken.at}`);
    const path = pathToken.text;
    const following = this.tokens[this.#position];
    if (following?.kind === '[') {
      // valFilter cannot itself hold a valuePath (RFC 7644 figure 1).
      if (inValuePath) throw invalid(this.text, `nested value filter at ${following.at}`);
      this.#position++;
      const filter = this.#parseOr(true);
      this.#expect(']');
      return { kind: 'valuePath', path, filter };
    }
    const operatorToken = this.#next('an operator');
    const operator = operatorToken.kind === 'word' ? operatorToken.text.toLowerCase() : '';
    if (operator === 'pr') return { kind: 'present', path };
    if (!isCompareOperator(operator)) {
      throw invalid(this.text, `unsupported operator ${describe(operatorToken)} at ${operatorToken.at}`);
    }
    return { kind: 'compare', path, operator, value: this.#parseValue() };
  }

  #parseValue(): ScimCompareValue {
    const token = this.#next('a value');
    if (token.kind === 'string') return token.value;
    if (token.kind === 'word') {
      const lower = token.text.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      if (lower === 'null') return null;
      if (JSON_NUMBER.test(token.text)) return Number(token.text);
    }
    throw invalid(this.text, `expected a quoted string, number, true, false or null at ${token.at}`);
  }

  #peekWord(word: string): boolean {
    const token = this.tokens[this.#position];
    return token?.kind === 'word' && token.text.toLowerCase() === word;
  }

  #next(what: string): Token {
    const token = this.tokens[this.#position];
    if (token === undefined) throw invalid(this.text, `expected ${what} at the end`);
    this.#position++;
    return token;
  }

  #expect(kind: '(' | ')' | ']'): void {
    const token = this.#next(`"${kind}"`);
    if (token.kind !== kind) throw invalid(this.text, `expected "${kind}" at ${token.at}, found ${describe(token)}`);
  }
}

function isCompareOperator(text: string): text is ScimCompareOperator {
  return COMPARE_OPERATORS.has(text);
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'word':
      return `"${token.text}"`;
    case 'string':
      return 'a string';
    case '(':
    case ')':
    case '[':
    case ']':
      return `"${token.kind}"`;
  }
}
