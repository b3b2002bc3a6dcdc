import type { GroupChanges, UserChanges, UserWrite } from '../target.js';
import { extraChangeOperations, withExtraAttributes } from './scim-extra-attributes.js';
import { memberValuePath } from './scim-filter.js';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface ScimPatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path?: string;
  readonly value?: unknown;
}

export interface ScimPatchRequest {
  readonly schemas: readonly [typeof PATCH_OP_SCHEMA];
  readonly Operations: readonly ScimPatchOperation[];
}

export function patchRequest(operations: readonly ScimPatchOperation[]): ScimPatchRequest {
  return { schemas: [PATCH_OP_SCHEMA], Operations: operations };
}

/** The work e-mail as dirsync writes it: the only one it manages. */
export function workEmails(email: string): unknown[] {
  return [{ value: email, type: 'work', primary: true }];
}

// User changes are sent as `replace` WITHOUT a path, the value an object of the attributes replaced:
//   { "op": "replace", "value": { "active": false } }
// It is the one form every provider we know accepts: Okta's own SCIM client sends it, small apps that accept
// nothing else accept it, and RFC 7644 §3.5.2.3 defines it (a complex value such as `name` is merged, its
// sub-attributes not given "are left unchanged"). Path forms (`name.givenName`, `emails[type eq "work"].value`)
// are refused by many limited providers. The cost: `emails` is replaced as a whole, which drops other e-mails
// the app may hold for the person; dirsync owns the work e-mail and writes only that one.
// The policy's extra attributes follow the same form, except a typed value of a multi-valued attribute
// (`phoneNumbers[type eq "work"].value`), which goes by path so that the person's other values stay (see
// `scim-extra-attributes.ts`; the target falls back where an app refuses that form).

/**
 * One `replace` per changed attribute (given and family name share one, as parts of `name`), then the extra
 * attributes' operations (`extraChangeOperations`).
 */
export function userChangeOperations(changes: UserChanges): ScimPatchOperation[] {
  const operations: ScimPatchOperation[] = [];
  const replace = (value: Record<string, unknown>): void => {
    operations.push({ op: 'replace', value });
  };
  if (changes.userName !== undefined) replace({ userName: changes.userName });
  if (changes.displayName !== undefined) replace({ displayName: changes.displayName });
  const name: Record<string, string> = {};
  if (changes.givenName !== undefined) name['givenName'] = changes.givenName;
  if (changes.familyName !== undefined) name['familyName'] = changes.familyName;
  if (Object.keys(name).length > 0) replace({ name });
  if (changes.email !== undefined) replace({ emails: workEmails(changes.email) });
  if (changes.active !== undefined) replace({ active: changes.active });
  operations.push(...extraChangeOperations(changes.extra));
  return operations;
}

/**
 * The attributes of a user as dirsync writes them, for create (POST) and adoption (PATCH), the policy's extra
 * attributes merged in (`withExtraAttributes`: `name.middleName` into `name`, extensions under their URN, …).
 */
export function userAttributes(user: UserWrite): Record<string, unknown> {
  const attributes = {
    userName: user.userName,
    externalId: user.externalId,
    name: { givenName: user.givenName, familyName: user.familyName },
    displayName: user.displayName,
    emails: workEmails(user.email),
    active: user.active,
  };
  return withExtraAttributes(attributes, user.extra);
}

/** One group PATCH: a rename and/or at most `maxMembersPerPatch` member changes. */
export interface GroupPatchBatch {
  readonly displayName: string | undefined;
  readonly addMemberIds: readonly string[];
  readonly removeMemberIds: readonly string[];
}

/** Splits a group change into PATCHes of at most `maxMembers` member changes; the rename rides in the first. */
export function groupPatchBatches(changes: GroupChanges, maxMembers: number): GroupPatchBatch[] {
  const memberChanges = [
    ...(changes.addMemberIds ?? []).map((id) => ({ add: true, id })),
    ...(changes.removeMemberIds ?? []).map((id) => ({ add: false, id })),
  ];
  const chunks: (typeof memberChanges)[] = [];
  for (let start = 0; start < memberChanges.length; start += maxMembers) {
    chunks.push(memberChanges.slice(start, start + maxMembers));
  }
  if (chunks.length === 0 && changes.displayName !== undefined) chunks.push([]);
  return chunks.map((chunk, index) => ({
    displayName: index === 0 ? changes.displayName : undefined,
    addMemberIds: chunk.filter((change) => change.add).map((change) => change.id),
    removeMemberIds: chunk.filter((change) => !change.add).map((change) => change.id),
  }));
}

/**
 * Member removals as one `remove` of `members` with a `value` array (RFC 7644 §3.5.2.2 leaves the form to the
 * provider): the form of apps that take no filter in a PATCH path.
 */
export function memberRemovalByValueOperations(memberIds: readonly string[]): ScimPatchOperation[] {
  return memberIds.length === 0
    ? []
    : [{ op: 'remove', path: 'members', value: memberIds.map((id) => ({ value: id })) }];
}

/**
 * A group PATCH in the forms limited providers (Okta's, Entra's, small apps') accept and RFC 7644 §3.5.2.1-3
 * defines: a rename as `replace` without a path, added members as one `add` of `members` with a `[{ value }]`
 * list, each removed member as a `remove` of `members[value eq "<id>"]`.
 */
export function groupPatchOperations(batch: GroupPatchBatch): ScimPatchOperation[] {
  const operations: ScimPatchOperation[] = [];
  if (batch.displayName !== undefined) operations.push({ op: 'replace', value: { displayName: batch.displayName } });
  if (batch.addMemberIds.length > 0) {
    operations.push({ op: 'add', path: 'members', value: batch.addMemberIds.map((id) => ({ value: id })) });
  }
  for (const id of batch.removeMemberIds) operations.push({ op: 'remove', path: memberValuePath(id) });
  return operations;
}
