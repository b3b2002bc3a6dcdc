import { globMatches } from './glob-pattern.js';
import type { AttributeRule } from './policy.js';

/** An IdP attribute bag (Okta `profile`, Graph properties and `extension_*`), as the mirror keeps it. */
export type AttributeBag = Readonly<Record<string, unknown>>;

/**
 * Whether an attribute bag passes one rule. Values are compared as text, case-insensitively (`equals: 5` matches
 * `"5"`, `equals: guest` matches `"Guest"`), like the IdPs' own `eq` filters. A multi-valued attribute (an array)
 * passes when any of its values does. `exists: true` passes when the attribute holds something other than
 * `null`, `""` or `[]`; `exists: false` is its negation. A missing attribute passes no other rule.
 */
export function attributeRuleMatches(rule: AttributeRule, attributes: AttributeBag): boolean {
  const raw = Object.hasOwn(attributes, rule.attribute) ? attributes[rule.attribute] : undefined;
  const values = (Array.isArray(raw) ? (raw as unknown[]) : [raw]).flatMap((value) => {
    const text = comparable(value);
    return text === undefined ? [] : [text];
  });
  switch (rule.kind) {
    case 'exists':
      return values.some((value) => value !== '') === rule.exists;
    case 'equals': {
      const expected = String(rule.value).toLowerCase();
      return values.some((value) => value === expected);
    }
    case 'in': {
      const expected = new Set(rule.values.map((value) => String(value).toLowerCase()));
      return values.some((value) => expected.has(value));
    }
    case 'matches':
      return values.some((value) => globMatches(rule.glob, value));
  }
}

function comparable(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value).toLowerCase();
  }
  return undefined;
}
