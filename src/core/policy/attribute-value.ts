import type { AttributeBag } from './attribute-rule-matches.js';
import { inGroup } from './group-reference.js';
import type { AttributeSource, GroupRef } from './policy.js';

/** A value dirsync can write to a SCIM attribute. */
export type MappedScalar = string | number | boolean;

/** A mapped attribute's value for one user; `value: undefined` leaves the attribute unset. */
export interface MappedValue {
  readonly value: MappedScalar | readonly MappedScalar[] | undefined;
  /** Set on create only: an update never writes it (the app's own value wins afterwards). */
  readonly createOnly: boolean;
}

/**
 * The value a mapping source gives one user:
 * - `attribute`: the IdP attribute of that name (exact key of the bag); strings, numbers and booleans as they
 *   are, arrays of them as arrays; missing, `null` and anything else (objects) leave the attribute unset;
 * - `constant`: the constant;
 * - `group`: `then` when the user is in the group (name, case-insensitive, or id), else `else` (unset if absent).
 */
export function attributeValue(
  source: AttributeSource,
  attributes: AttributeBag,
  groups: readonly GroupRef[],
): MappedValue {
  const createOnly = source.createOnly;
  switch (source.kind) {
    case 'attribute':
      return {
        value: writable(Object.hasOwn(attributes, source.attribute) ? attributes[source.attribute] : undefined),
        createOnly,
      };
    case 'constant':
      return { value: source.value, createOnly };
    case 'group':
      return { value: inGroup(source.group, groups) ? source.then : source.else, createOnly };
  }
}

function writable(value: unknown): MappedValue['value'] {
  if (isScalar(value)) return value;
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return items.every(isScalar) ? items : undefined;
  }
  return undefined;
}

function isScalar(value: unknown): value is MappedScalar {
  return (
    typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean'
  );
}
