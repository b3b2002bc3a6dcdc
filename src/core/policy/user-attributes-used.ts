import type { AttributeRule, Policy } from './policy.js';

// The model's own names, which every connector fills itself: an IdP need not be asked for them.
const MODEL_FIELDS = new Set(['userName', 'email', 'givenName', 'familyName', 'displayName', 'status']);

/**
 * The IdP user attributes a policy reads (scope rules and mapping sources), beyond the model's own fields: what a
 * connector that reads only what it asks for (Graph `$select`) must ask for. Sorted, each once.
 */
export function userAttributesUsedBy(policy: Policy): string[] {
  const names = new Set<string>();
  const add = (rule: AttributeRule) => names.add(rule.attribute);
  policy.scope.users.include.forEach(add);
  policy.scope.users.exclude.forEach(add);
  for (const mapped of policy.mapping.attributes) {
    if (mapped.source.kind === 'attribute') names.add(mapped.source.attribute);
  }
  return [...names].filter((name) => !MODEL_FIELDS.has(name)).sort();
}
