import { ScimError } from './scim-error.js';
import type { ScimFilter } from './scim-filter.js';
import { isJsonObject } from './scim-json.js';
import type { ScimPatchOperation } from './scim-patch-request.js';
import type { ScimResourceSchema } from './scim-resource-schema.js';

// The "limited" provider mode: the SCIM surface of a small SaaS app, the lowest common denominator a client
// must cope with. It answers with the same RFC errors as the strict mode; it just accepts far less.

/** Filters: `userName eq "…"` on /Users, nothing else. */
export function checkLimitedFilter(schema: ScimResourceSchema, filter: ScimFilter): void {
  const supported =
    schema.resourceType === 'User' &&
    filter.kind === 'compare' &&
    filter.operator === 'eq' &&
    filter.path.toLowerCase() === 'username' &&
    typeof filter.value === 'string';
  if (!supported) {
    throw ScimError.badRequest('invalidFilter', 'This provider supports only the filter userName eq "…" on /Users');
  }
}

const MEMBER_REMOVE_PATH = /^members\[value eq "(?:[^"\\]|\\.)*"\]$/i;

/**
 * PATCH: a `replace` without a path (an object of attributes) on users and groups; on groups also `add` of
 * `members` as a list of `{ value }`, and `remove` of one member by `members[value eq "…"]`.
 */
export function checkLimitedPatch(schema: ScimResourceSchema, operations: readonly ScimPatchOperation[]): void {
  for (const operation of operations) {
    if (operation.op === 'replace' && operation.path === undefined) continue;
    if (schema.resourceType === 'Group' && isMemberAdd(operation)) continue;
    if (schema.resourceType === 'Group' && operation.op === 'remove' && MEMBER_REMOVE_PATH.test(operation.path ?? '')) {
      continue;
    }
    throw ScimError.badRequest(
      'invalidPath',
      `This provider does not support "${operation.op}" with path ${JSON.stringify(operation.path ?? null)} on ` +
        `${schema.endpoint}: use "replace" without a path` +
        (schema.resourceType === 'Group' ? ', "add" to "members", or "remove" of members[value eq "…"]' : ''),
    );
  }
}

function isMemberAdd(operation: ScimPatchOperation): boolean {
  if (operation.op !== 'add' || operation.path?.toLowerCase() !== 'members' || !Array.isArray(operation.value)) {
    return false;
  }
  return operation.value.every(
    (member) =>
      isJsonObject(member) &&
      typeof member['value'] === 'string' &&
      Object.keys(member).every((key) => key === 'value' || key === 'display'),
  );
}
