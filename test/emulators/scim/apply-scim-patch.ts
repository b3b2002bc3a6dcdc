import { coerceScimElement, coerceScimValue } from './normalize-scim-resource.js';
import { ScimError } from './scim-error.js';
import { deleteKey, isJsonObject, jsonEquals } from './scim-json.js';
import type { JsonObject, JsonValue } from './scim-json.js';
import { parseScimPatchPath } from './scim-patch-path.js';
import type { ScimPatchPath } from './scim-patch-path.js';
import type { ScimPatchOperation, ScimPatchOperationName } from './scim-patch-request.js';
import { findScimAttribute } from './scim-resource-schema.js';
import type { ScimAttribute, ScimResourceSchema } from './scim-resource-schema.js';

/**
 * Applies PATCH operations in order to a copy of the resource and returns the copy: "A PATCH request, regardless
 * of the number of operations, SHALL be treated as atomic" (RFC 7644 §3.5.2), so the caller keeps the original
 * when this throws. The result still has to pass `normalizeScimResource` (required attributes and the like).
 *
 * Copy on write: only the top-level object is copied up front; an operation replaces the attribute values it
 * changes with new ones and never writes into the resource's own values (the store hands them out frozen), so a
 * PATCH costs what it touches, not the size of the resource.
 */
export function applyScimPatch(
  resource: JsonObject,
  operations: readonly ScimPatchOperation[],
  schema: ScimResourceSchema,
): JsonObject {
  const target = { ...resource };
  for (const operation of operations) applyScimPatchOperation(target, operation, schema);
  return target;
}

/** One operation of `applyScimPatch`, applied to `target` (a copy the caller owns) in the same copy-on-write way. */
export function applyScimPatchOperation(
  target: JsonObject,
  operation: ScimPatchOperation,
  schema: ScimResourceSchema,
): void {
  if (operation.path === undefined) {
    // RFC 7644 §3.5.2.2: "If 'path' is unspecified, the operation fails with ... 'noTarget'".
    if (operation.op === 'remove') throw ScimError.badRequest('noTarget', '"remove" needs a "path"');
    // RFC 7644 §3.5.2.1/§3.5.2.3: without a path the target is the resource and "value" holds the attributes.
    if (!isJsonObject(operation.value)) {
      throw ScimError.badRequest('invalidValue', `"${operation.op}" without a "path" needs an object "value"`);
    }
    for (const [key, value] of Object.entries(operation.value)) {
      if (key.toLowerCase() === 'schemas') continue;
      const path = parseScimPatchPath(key, schema);
      if (path.filter !== undefined) {
        throw ScimError.badRequest('invalidPath', `"${key}" in a "value" must be an attribute name, not a filter`);
      }
      applyAt(target, operation.op, path, value);
    }
    return;
  }
  const path = parseScimPatchPath(operation.path, schema);
  checkOperationValue(operation);
  applyAt(target, operation.op, path, operation.value ?? null);
}

/** An operation with a `path`: `remove` takes no `value`, `add` and `replace` need one. */
export function checkOperationValue(operation: ScimPatchOperation): void {
  if (operation.op === 'remove') {
    // Refused rather than ignored: a client sending members to remove under path "members" (a known
    // non-standard habit) would otherwise, read literally, empty the whole group.
    if (operation.value !== undefined) {
      throw ScimError.badRequest('invalidSyntax', '"remove" takes no "value": select values with a path filter');
    }
  } else if (operation.value === undefined) {
    throw ScimError.badRequest('invalidValue', `"${operation.op}" needs a "value"`);
  }
}

function applyAt(target: JsonObject, op: ScimPatchOperationName, path: ScimPatchPath, value: JsonValue): void {
  const attribute = path.attribute;
  const sub = path.subAttribute;
  if (attribute.mutability !== 'readWrite' || (sub !== undefined && sub.mutability !== 'readWrite')) {
    // Writing the value an attribute already has changes nothing (Okta sends the group's own "id" on a rename).
    const unchanged = op === 'replace' && path.filter === undefined && jsonEquals(valueAt(target, path), value);
    if (unchanged) return;
    throw ScimError.badRequest('mutability', `"${path.text}" is ${sub?.mutability ?? attribute.mutability}`);
  }
  if (path.filter !== undefined) {
    applyFiltered(target, op, path, path.filter, value);
  } else if (sub !== undefined) {
    if (attribute.multiValued) {
      throw ScimError.badRequest('invalidPath', `"${path.text}" is ambiguous: select ${attribute.name} with a filter`);
    }
    const existing = target[attribute.name];
    const holder: JsonObject = isJsonObject(existing) ? { ...existing } : {};
    setOrDelete(holder, sub.name, op === 'remove' ? undefined : coerceScimElement(sub, value, path.text));
    setOrDelete(target, attribute.name, Object.keys(holder).length === 0 ? undefined : holder);
  } else if (op === 'remove') {
    // RFC 7644 §3.5.2.2: removing a required attribute is a "mutability" error.
    if (attribute.required) throw ScimError.badRequest('mutability', `"${attribute.name}" is required`);
    deleteKey(target, attribute.name);
  } else if (attribute.multiValued) {
    applyMultiValued(target, op, attribute, value, path.text);
  } else if (attribute.type === 'complex') {
    applyComplex(target, op, attribute, value, path.text);
  } else {
    const coerced = coerceScimElement(attribute, value, path.text);
    if (coerced === undefined && attribute.required) {
      throw ScimError.badRequest('mutability', `"${attribute.name}" is required`);
    }
    setOrDelete(target, attribute.name, coerced);
  }
}

/**
 * RFC 7644 §3.5.2.3: "Sub-attributes that are not specified in the 'value' parameter are left unchanged." A
 * sub-attribute given as `null` becomes unassigned (RFC 7643 §2.5), so `{ "name": { "middleName": null } }` clears
 * the middle name alone; a `null` value replaces the whole attribute with nothing.
 */
function applyComplex(
  target: JsonObject,
  op: ScimPatchOperationName,
  attribute: ScimAttribute,
  value: JsonValue,
  where: string,
): void {
  if (value === null) {
    if (op === 'replace') deleteKey(target, attribute.name);
    return;
  }
  const incoming = coerceScimElement(attribute, value, where);
  const existing = target[attribute.name];
  const merged: JsonObject = {
    ...(isJsonObject(existing) ? existing : {}),
    ...(isJsonObject(incoming) ? incoming : {}),
  };
  if (isJsonObject(value)) {
    for (const [key, subValue] of Object.entries(value)) {
      const sub = findScimAttribute(attribute.subAttributes, key);
      if (subValue === null && sub !== undefined) deleteKey(merged, sub.name);
    }
  }
  setOrDelete(target, attribute.name, Object.keys(merged).length === 0 ? undefined : merged);
}

function applyMultiValued(
  target: JsonObject,
  op: ScimPatchOperationName,
  attribute: ScimAttribute,
  value: JsonValue,
  where: string,
): void {
  const incoming = elementsOf(coerceScimValue(attribute, value, where));
  if (op === 'replace') {
    setOrDelete(target, attribute.name, incoming.length === 0 ? undefined : incoming);
    return;
  }
  // RFC 7644 §3.5.2.1: a value already there is not added again ("no changes SHOULD be made").
  const elements = elementsOf(target[attribute.name]);
  const added = incoming.filter((candidate) => !elements.some((element) => sameElement(attribute, element, candidate)));
  const result = [...elements, ...added];
  demoteOtherPrimaries(result, added);
  setOrDelete(target, attribute.name, result.length === 0 ? undefined : result);
}

function applyFiltered(
  target: JsonObject,
  op: ScimPatchOperationName,
  path: ScimPatchPath,
  filter: (element: JsonObject) => boolean,
  value: JsonValue,
): void {
  const attribute = path.attribute;
  const elements = elementsOf(target[attribute.name]);
  const matched = new Set(elements.filter(filter));
  // RFC 7644 §3.5.2.3 (replace) and the "noTarget" definition of §3.12: a filter matching nothing is an error.
  // For remove the RFC is silent; the emulator takes the strict reading so that clients prove they cope with it.
  if (matched.size === 0) {
    throw ScimError.badRequest('noTarget', `"${path.text}" matches no value of ${attribute.name}`);
  }
  const sub = path.subAttribute;
  let result: JsonObject[];
  if (op === 'remove') {
    result =
      sub === undefined
        ? elements.filter((element) => !matched.has(element))
        : elements.map((element) => (matched.has(element) ? without(element, sub.name) : element));
  } else if (sub === undefined) {
    const incoming = coerceScimElement(attribute, value, path.text);
    if (!isJsonObject(incoming)) throw ScimError.badRequest('invalidValue', `"${path.text}" needs an object value`);
    // add merges into each matched record; replace swaps each matched record (RFC 7644 §3.5.2.3).
    result = elements.map((element) =>
      matched.has(element) ? (op === 'add' ? { ...element, ...incoming } : { ...incoming }) : element,
    );
  } else {
    const coerced = coerceScimElement(sub, value, path.text);
    result = elements.map((element) => {
      if (!matched.has(element)) return element;
      return coerced === undefined ? without(element, sub.name) : { ...element, [sub.name]: coerced };
    });
  }
  if (op !== 'remove')
    demoteOtherPrimaries(
      result,
      result.filter((_, index) => matched.has(elements[index] ?? {})),
    );
  const kept = result.filter((element) => Object.keys(element).length > 0);
  setOrDelete(target, attribute.name, kept.length === 0 ? undefined : kept);
}

/**
 * RFC 7644 §3.5.2: setting a value's "primary" to true "SHALL cause the server to automatically set 'primary' to
 * 'false' for any other values in the array". The demoted values are replaced by copies in `elements` (a new array
 * the caller owns), never written into: they may be the stored resource's own.
 */
function demoteOtherPrimaries(elements: JsonObject[], changed: readonly JsonObject[]): void {
  if (!changed.some((element) => element['primary'] === true)) return;
  elements.forEach((element, index) => {
    if (!changed.includes(element) && element['primary'] === true) elements[index] = { ...element, primary: false };
  });
}

/** Two values are the same when their `value` (and `type`, when either has one) match. */
export function sameElement(attribute: ScimAttribute, a: JsonObject, b: JsonObject): boolean {
  const caseExact = attribute.subAttributes.find((sub) => sub.name === 'value')?.caseExact ?? true;
  const fold = (value: JsonValue | undefined): JsonValue | undefined =>
    typeof value === 'string' && !caseExact ? value.toLowerCase() : value;
  const typesAgree = a['type'] === undefined || b['type'] === undefined || a['type'] === b['type'];
  return fold(a['value']) === fold(b['value']) && typesAgree;
}

function valueAt(target: JsonObject, path: ScimPatchPath): JsonValue | undefined {
  const value = target[path.attribute.name];
  if (path.subAttribute === undefined) return value;
  return isJsonObject(value) ? value[path.subAttribute.name] : undefined;
}

function elementsOf(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

function without(element: JsonObject, key: string): JsonObject {
  const copy = { ...element };
  deleteKey(copy, key);
  return copy;
}

function setOrDelete(target: JsonObject, key: string, value: JsonValue | undefined): void {
  if (value === undefined) deleteKey(target, key);
  else target[key] = value;
}
