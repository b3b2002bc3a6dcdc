/** A value dirsync writes to a SCIM attribute of its own choosing (the policy's mapping and role). */
export type ScimScalar = string | number | boolean;
export type ScimAttributeValue = ScimScalar | readonly ScimScalar[];

/**
 * The SCIM attributes a policy maps beyond the five every user has (`title`, `roles`, Dovetail's `role`,
 * `urn:…:enterprise:2.0:User:department`), keyed by their canonical path (`scimPathKey` in core/policy): what
 * dirsync wants or last wrote.
 */
export type ExtraAttributes = Readonly<Record<string, ScimAttributeValue>>;

/** Changes to extra attributes: a new value, or `null` to clear one dirsync set earlier. */
export type ExtraAttributeChanges = Readonly<Record<string, ScimAttributeValue | null>>;

/**
 * Whether two values are the same for the app. Strings compare exactly (a role's or a title's case is its own),
 * lists in order, and a one-element list equals its element (apps give back `roles: ["x"]` for `"x"`).
 */
export function sameScimValue(
  a: ScimAttributeValue | null | undefined,
  b: ScimAttributeValue | null | undefined,
): boolean {
  const left = listOf(a);
  const right = listOf(b);
  return left.length === right.length && left.every((value, index) => value === right[index]);
}

function listOf(value: ScimAttributeValue | null | undefined): readonly ScimScalar[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? (value as readonly ScimScalar[]) : [value as ScimScalar];
}
