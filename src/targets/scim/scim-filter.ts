/** The attributes dirsync looks objects up by: only `eq`, which every SCIM provider that filters supports. */
export type ScimLookupAttribute = 'userName' | 'externalId' | 'displayName';

/**
 * `attribute eq "value"` with the value as a JSON string (RFC 7644 §3.4.2.2: compValue strings follow RFC 7159),
 * so `"` and `\` are escaped and a userName cannot break out of the filter.
 */
export function scimEqFilter(attribute: ScimLookupAttribute, value: string): string {
  return `${attribute} eq ${JSON.stringify(value)}`;
}

/** A PATCH path selecting one group member: `members[value eq "<id>"]` (RFC 7644 §3.5.2, figure 8). */
export function memberValuePath(memberId: string): string {
  return `members[value eq ${JSON.stringify(memberId)}]`;
}
