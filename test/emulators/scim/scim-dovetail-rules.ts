import { USER_BASE_ATTRIBUTES, USER_SCHEMA } from './scim-core-schemas.js';
import { ScimError } from './scim-error.js';
import type { ScimFilter } from './scim-filter.js';
import { isJsonObject } from './scim-json.js';
import type { JsonValue } from './scim-json.js';
import type { ScimPatchOperation } from './scim-patch-request.js';
import { scimAttribute } from './scim-resource-schema.js';
import type { ScimResourceSchema } from './scim-resource-schema.js';

// The "dovetail" dialect: Dovetail's SCIM API as its help centre documents it (seed 003). Users: `userName`,
// `active`, `displayName` (at most 100 characters), `role` (MANAGER, CONTRIBUTOR or VIEWER, in the core schema
// namespace, as Dovetail puts it) and `workspaceAdmin` in Dovetail's extension; filters on `userName` and
// `displayName` with `eq` and `and`. Groups: `displayName` and `members`, filters on `displayName` with `eq`,
// and a PATCH that only adds members by Dovetail user id. No group PUT or DELETE.
// Dovetail documents no other user attribute: `title`, `phoneNumbers`, `roles`, the enterprise extension and the
// rest are refused as unknown (400 invalidSyntax), never stored, so a client cannot believe Dovetail took them.
// The names, e-mails and externalId an IdP sends to every app are taken (Okta, Dovetail's supported IdP, sends
// them on every create).

export const DOVETAIL_USER_EXTENSION_URN = 'urn:ietf:params:scim:schemas:extension:dovetail:2.0:User';
export const DOVETAIL_ROLES = ['MANAGER', 'CONTRIBUTOR', 'VIEWER'] as const;
const DISPLAY_NAME_MAX = 100;

/** The base User attributes with Dovetail's `role` and its extension (`workspaceAdmin`), nothing else. */
export const DOVETAIL_USER_SCHEMA: ScimResourceSchema = {
  ...USER_SCHEMA,
  attributes: [
    ...USER_BASE_ATTRIBUTES,
    scimAttribute('role', 'string', { caseExact: true, canonicalValues: DOVETAIL_ROLES }),
    scimAttribute(DOVETAIL_USER_EXTENSION_URN, 'complex', {
      subAttributes: [scimAttribute('workspaceAdmin', 'boolean')],
    }),
  ],
};

/** Users: `userName`/`displayName` `eq`, joined by `and`; groups: `displayName eq` only. */
export function checkDovetailFilter(schema: ScimResourceSchema, filter: ScimFilter): void {
  const users = schema.resourceType === 'User';
  const allowed = users ? ['username', 'displayname'] : ['displayname'];
  const ok = (node: ScimFilter): boolean => {
    if (node.kind === 'and') return users && ok(node.left) && ok(node.right);
    return (
      node.kind === 'compare' &&
      node.operator === 'eq' &&
      allowed.includes(node.path.toLowerCase()) &&
      typeof node.value === 'string'
    );
  };
  if (!ok(filter)) {
    throw ScimError.badRequest(
      'invalidFilter',
      users
        ? 'Valid attributes to filter are displayName and userName using eq and and'
        : 'Valid attributes to filter are displayName using eq',
    );
  }
}

/** Group PATCH: only `add` of `members` as `[{ "value": <dovetail_user_id> }]`. User PATCH is not restricted. */
export function checkDovetailPatch(schema: ScimResourceSchema, operations: readonly ScimPatchOperation[]): void {
  if (schema.resourceType !== 'Group') return;
  for (const operation of operations) {
    if (operation.op !== 'add') {
      throw ScimError.badRequest(
        'invalidSyntax',
        `"${operation.op}" is not supported on groups: we only support adding members to a group via the Dovetail user ID`,
      );
    }
    const byId =
      operation.path?.toLowerCase() === 'members' &&
      Array.isArray(operation.value) &&
      operation.value.every(
        (member) =>
          isJsonObject(member) &&
          typeof member['value'] === 'string' &&
          Object.keys(member).every((k) => k === 'value'),
      );
    if (!byId) {
      throw ScimError.badRequest(
        'invalidPath',
        'We only support adding members to a group via the Dovetail user ID: {"op":"add","path":"members","value":[{"value":"<id>"}]}',
      );
    }
  }
}

/** What Dovetail checks beyond the schema: `displayName` at most 100 characters. */
export function checkDovetailUser(schema: ScimResourceSchema, body: JsonValue | undefined): void {
  if (schema.resourceType !== 'User' || !isJsonObject(body)) return;
  const displayName = body['displayName'];
  if (typeof displayName === 'string' && displayName.length > DISPLAY_NAME_MAX) {
    throw ScimError.badRequest('invalidValue', `"displayName" must be at most ${DISPLAY_NAME_MAX} characters`);
  }
}
