import { applyScimPatchOperation, checkOperationValue, sameElement } from './apply-scim-patch.js';
import { coerceScimValue } from './normalize-scim-resource.js';
import { ScimError } from './scim-error.js';
import { deleteKey, isJsonObject } from './scim-json.js';
import type { JsonObject, JsonValue } from './scim-json.js';
import { parseScimPatchPath } from './scim-patch-path.js';
import type { ScimPatchPath } from './scim-patch-path.js';
import type { ScimPatchOperation } from './scim-patch-request.js';
import type { ScimResourceSchema } from './scim-resource-schema.js';

/**
 * Stands, in a stored group, for its members, which the store holds apart (a map by value, see `ScimStore`): the
 * key keeps its place among the attributes, as it does in an answer.
 */
export const MEMBERS_HELD_APART: JsonValue[] = [];
Object.freeze(MEMBERS_HELD_APART);

const MEMBERS = 'members';

export interface ScimMemberPatch {
  /** The group's attributes after the PATCH, `members` being `MEMBERS_HELD_APART` while there are any. */
  readonly resource: JsonObject;
  /** Values of stored members the PATCH removed. */
  readonly removed: ReadonlySet<string>;
  /** The members it added, in order, as sent (coerced): the store still checks them (they exist, their type). */
  readonly added: readonly JsonObject[];
}

type MemberOperation =
  | { readonly kind: 'add'; readonly path: ScimPatchPath }
  | { readonly kind: 'remove'; readonly path: ScimPatchPath; readonly value: string }
  | { readonly kind: 'other' };

const OTHER: MemberOperation = { kind: 'other' };

/**
 * A group PATCH whose member operations are the usual ones (an `add` of `members`, a `remove` of
 * `members[value eq "…"]`), applied as changes over the stored members rather than to a copy of them: the same
 * outcome as `applyScimPatch`, at the cost of the members named instead of the members held. The other operations
 * go through `applyScimPatch`'s own code, in order, on a copy of the top-level object, so errors come in the same
 * order with the same bodies and the stored group is untouched until the caller commits. `undefined` when an
 * operation touches members in another way (replace, a sub-attribute, another filter): the caller then takes
 * `applyScimPatch`.
 */
export function draftScimMemberPatch(
  resource: JsonObject,
  stored: ReadonlyMap<string, JsonObject>,
  operations: readonly ScimPatchOperation[],
  schema: ScimResourceSchema,
): ScimMemberPatch | undefined {
  const kinds: MemberOperation[] = [];
  for (const operation of operations) {
    const kind = classify(operation, schema);
    if (kind === undefined) return undefined;
    kinds.push(kind);
  }
  const target: JsonObject = { ...resource };
  const draft = new MemberDraft(stored);
  operations.forEach((operation, index) => {
    const kind = kinds[index] ?? OTHER;
    if (kind.kind === 'other') {
      applyScimPatchOperation(target, operation, schema);
      return;
    }
    checkOperationValue(operation);
    if (kind.kind === 'add') draft.add(kind.path, operation.value ?? null);
    else draft.remove(kind.path, kind.value);
    // As `applyScimPatch` sets the attribute: gone when empty, at the end when it comes back.
    if (draft.size === 0) deleteKey(target, MEMBERS);
    else if (target[MEMBERS] === undefined) target[MEMBERS] = MEMBERS_HELD_APART;
  });
  return { resource: target, removed: draft.removed, added: draft.added() };
}

function classify(operation: ScimPatchOperation, schema: ScimResourceSchema): MemberOperation | undefined {
  if (operation.path === undefined) {
    if (operation.op === 'remove' || !isJsonObject(operation.value)) return OTHER;
    const keys = Object.keys(operation.value).filter((key) => key.toLowerCase() !== 'schemas');
    return keys.some((key) => pathOf(key, schema)?.attribute.name === MEMBERS) ? undefined : OTHER;
  }
  const path = pathOf(operation.path, schema);
  // A path that does not parse fails in `applyScimPatchOperation`, as it would in `applyScimPatch`.
  if (path === undefined || path.attribute.name !== MEMBERS) return OTHER;
  const { attribute } = path;
  const valueIsCaseExact = attribute.subAttributes.find((sub) => sub.name === 'value')?.caseExact === true;
  const plain = attribute.mutability === 'readWrite' && attribute.multiValued && path.subAttribute === undefined;
  if (!plain || !valueIsCaseExact) return undefined;
  if (operation.op === 'add' && path.filter === undefined) return { kind: 'add', path };
  if (operation.op === 'remove' && path.valueEquals !== undefined) {
    return { kind: 'remove', path, value: path.valueEquals };
  }
  return undefined;
}

function pathOf(text: string, schema: ScimResourceSchema): ScimPatchPath | undefined {
  try {
    return parseScimPatchPath(text, schema);
  } catch {
    return undefined;
  }
}

interface AddedMember {
  readonly member: JsonObject;
  present: boolean;
}

/** The stored members (read, never written) with the adds and removes of one PATCH over them. */
class MemberDraft {
  readonly removed = new Set<string>();
  readonly #stored: ReadonlyMap<string, JsonObject>;
  readonly #added: AddedMember[] = [];
  /** By `value` (case-exact, so the same key `sameElement` compares), `undefined` for a member without one. */
  readonly #addedByValue = new Map<JsonValue | undefined, AddedMember[]>();
  #size: number;

  constructor(stored: ReadonlyMap<string, JsonObject>) {
    this.#stored = stored;
    this.#size = stored.size;
  }

  /** How many members the group holds now, duplicates included (the store drops those when it commits). */
  get size(): number {
    return this.#size;
  }

  /** RFC 7644 §3.5.2.1, as `applyScimPatch`: a value the group already holds is not added again. */
  add(path: ScimPatchPath, value: JsonValue): void {
    const coerced = coerceScimValue(path.attribute, value, path.text);
    const incoming = Array.isArray(coerced) ? coerced.filter(isJsonObject) : [];
    // Compared with the members held before this operation only, not with each other, as `applyScimPatch` does.
    const fresh = incoming.filter((candidate) => !this.#holds(path, candidate));
    for (const member of fresh) {
      const entry: AddedMember = { member, present: true };
      this.#added.push(entry);
      const same = this.#addedByValue.get(member['value']);
      if (same === undefined) this.#addedByValue.set(member['value'], [entry]);
      else same.push(entry);
      this.#size++;
    }
  }

  /** `members[value eq "<value>"]`: every member with that value; none is a `noTarget` error, as in `applyScimPatch`. */
  remove(path: ScimPatchPath, value: string): void {
    let matched = false;
    if (this.#stored.has(value) && !this.removed.has(value)) {
      this.removed.add(value);
      this.#size--;
      matched = true;
    }
    for (const entry of this.#addedByValue.get(value) ?? []) {
      if (!entry.present) continue;
      entry.present = false;
      this.#size--;
      matched = true;
    }
    if (!matched) {
      throw ScimError.badRequest('noTarget', `"${path.text}" matches no value of ${path.attribute.name}`);
    }
  }

  added(): JsonObject[] {
    return this.#added.filter((entry) => entry.present).map((entry) => entry.member);
  }

  #holds(path: ScimPatchPath, candidate: JsonObject): boolean {
    const value = candidate['value'];
    const stored = typeof value === 'string' && !this.removed.has(value) ? this.#stored.get(value) : undefined;
    if (stored !== undefined && sameElement(path.attribute, stored, candidate)) return true;
    const added = this.#addedByValue.get(value) ?? [];
    return added.some((entry) => entry.present && sameElement(path.attribute, entry.member, candidate));
  }
}
