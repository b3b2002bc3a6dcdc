import type { IdpAttributes, IdpAttributeValue } from '../model/directory-user.js';

/**
 * The attributes of an IdP object that the policy may use: strings, finite numbers, booleans, `null`, and lists of
 * the first three, under their own names. Objects (Okta's `profile` holds none, Graph's `onPremisesExtensionAttributes`
 * and such) and mixed lists are left out: no rule or mapping can compare or write them. `__proto__` and friends
 * become ordinary keys, never a prototype.
 */
export function idpAttributesOf(raw: Readonly<Record<string, unknown>>): IdpAttributes {
  const attributes: Record<string, IdpAttributeValue> = Object.create(null) as Record<string, IdpAttributeValue>;
  for (const [name, value] of Object.entries(raw)) {
    const kept = keptValue(value);
    if (kept !== undefined) attributes[name] = kept;
  }
  return attributes;
}

function keptValue(value: unknown): IdpAttributeValue | undefined {
  if (value === null || isScalar(value)) return value;
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return items.every(isScalar) ? items : undefined;
  }
  return undefined;
}

function isScalar(value: unknown): value is string | number | boolean {
  return (
    typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean'
  );
}
