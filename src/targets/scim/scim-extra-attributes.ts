import type { ExtraAttributeChanges, ScimAttributeValue, ScimScalar } from '../../core/model/extra-attributes.js';
import { parseScimAttributePath } from '../../core/policy/scim-attribute-path.js';
import type { ScimAttributePath } from '../../core/policy/scim-attribute-path.js';
import { TargetError } from '../target-error.js';
import type { ScimPatchOperation } from './scim-patch-operations.js';

// The policy's extra attributes (`UserWrite.extra`, `UserChanges.extra`) as SCIM writes them. Keys are canonical
// paths (`scimPathKey`); five kinds of path, each written its own way:
// - plain core attribute, `title` (and an app's own core attribute, Dovetail's `role`): `{ "title": v }`;
// - a core complex attribute's part, `name.middleName`: merged into the `name` object;
// - `roles` alone, the multi-valued role attribute: `[{ "value": v, "primary": true }]`, `[{ "value" }…]` for a list;
// - an extension attribute, `urn:…:enterprise:2.0:User:department`: under its URN object, `{ "urn:…:User":
//   { "department": v } }`, the URN listed in `schemas` (RFC 7643 §3.3);
// - one typed value of a multi-valued attribute, `phoneNumbers[type eq "work"].value`: the element
//   `{ "type": "work", "value": v }` of the list, the person's other values left alone.
// `null` (in changes) clears what dirsync set earlier: RFC 7643 §2.5, null is "unassigned".

type ExtraValue = ScimAttributeValue | null;

/** One extra attribute, its key parsed. */
interface ExtraAttribute {
  readonly path: ScimAttributePath;
  readonly value: ExtraValue;
}

/**
 * The extra attributes split in two: `whole`, written by a `replace` without a path like every other user attribute,
 * and `typed`, the typed values of multi-valued attributes (`phoneNumbers[type eq "work"].value`), written by path.
 */
export function splitExtraAttributes<T extends ExtraValue>(
  extra: Readonly<Record<string, T>> | undefined,
): { readonly whole: Record<string, T>; readonly typed: Record<string, T> } {
  const whole: Record<string, T> = {};
  const typed: Record<string, T> = {};
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (pathOf(key).valueType === undefined) whole[key] = value;
    else typed[key] = value;
  }
  return { whole, typed };
}

/** The extension schema URNs the extra attributes write to, for the `schemas` of a create (RFC 7643 §3). */
export function extensionSchemas(extra: ExtraAttributeChanges | undefined): string[] {
  const urns: string[] = [];
  for (const { path, value } of parsed(extra)) {
    if (path.schema !== undefined && value !== null && !includesFolded(urns, path.schema)) urns.push(path.schema);
  }
  return urns;
}

/**
 * The resource with the extra attributes written into it as the app is to hold them (`null` clears): the body of
 * a create over the attributes dirsync always writes, of a PUT over the user as read back (RFC 7644 §3.5.1: what a
 * PUT leaves out is cleared, so everything else is kept), or the lists of a read-merge. Attribute names are matched
 * case-insensitively (RFC 7643 §2.1) and written back under the name the resource already uses. When the resource
 * has `schemas`, an extension's URN is added to it, or taken out once nothing is left under it.
 */
export function withExtraAttributes(
  resource: Readonly<Record<string, unknown>>,
  extra: ExtraAttributeChanges | undefined,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...resource };
  const attributes = parsed(extra);
  // Whole attributes first, so that a typed value of `roles` lands in the list `roles` was set to.
  for (const attribute of attributes) if (attribute.path.valueType === undefined) writeWhole(result, attribute);
  for (const attribute of attributes) if (attribute.path.valueType !== undefined) writeTypedValue(result, attribute);
  return result;
}

/**
 * The `replace` operations without a path for the changed whole attributes, in the form every provider accepts
 * (see `scim-patch-operations.ts`): one per plain attribute, one per complex attribute (`name`) and per extension
 * URN with all their changed parts, `roles` as its whole new list. RFC 7644 §3.5.2.3 merges a complex value, so the
 * parts not named (the given name, the extension's other attributes) stay; a part or attribute set to `null` is
 * cleared (RFC 7643 §2.5), and `roles` is cleared with `[]` (an empty multi-valued attribute is unassigned, and
 * providers that check types refuse `null` for a list).
 */
export function wholeAttributeOperations(extra: ExtraAttributeChanges | undefined): ScimPatchOperation[] {
  const operations: ScimPatchOperation[] = [];
  // Complex attributes and extensions, by lower-cased name: their parts go in one value.
  const objects = new Map<string, { readonly name: string; readonly value: Record<string, unknown> }>();
  const objectFor = (name: string): Record<string, unknown> => {
    const existing = objects.get(name.toLowerCase());
    if (existing !== undefined) return existing.value;
    const value: Record<string, unknown> = {};
    objects.set(name.toLowerCase(), { name, value });
    return value;
  };
  for (const { path, value } of parsed(extra)) {
    if (path.valueType !== undefined) continue;
    if (path.schema !== undefined) {
      const extension = objectFor(path.schema);
      if (path.subAttribute === undefined) extension[path.attribute] = value;
      else setPart(extension, path.attribute, path.subAttribute, value);
    } else if (isRoles(path)) {
      operations.push({ op: 'replace', value: { [path.attribute]: value === null ? [] : rolesOf(value) } });
    } else if (path.subAttribute !== undefined) {
      objectFor(path.attribute)[path.subAttribute] = value;
    } else {
      operations.push({ op: 'replace', value: { [path.attribute]: value } });
    }
  }
  for (const { name, value } of objects.values()) operations.push({ op: 'replace', value: { [name]: value } });
  return operations;
}

/** The changes to one typed value of a multi-valued attribute (`phoneNumbers[type eq "work"]`). */
export interface TypedValueChange {
  /**
   * By path: `replace` of `phoneNumbers[type eq "work"].value`, as a `replace` without a path would replace the
   * whole list and drop the person's other numbers. Clearing the `value` removes the element
   * (`phoneNumbers[type eq "work"]`: a phone number without its number is none); clearing another part (an
   * address's `locality`) removes that part alone.
   */
  readonly operations: readonly ScimPatchOperation[];
  /**
   * When the app holds no such value yet, a `replace` by path fails with `noTarget` (RFC 7644 §3.5.2.3): the
   * element to `add` to the list instead (RFC 7644 §3.5.2.1), or `undefined` when the change only clears (a value
   * already gone is what was wanted).
   */
  readonly addition: ScimPatchOperation | undefined;
}

/** The typed values changed, one change per attribute and type, their parts together. */
export function typedValueChanges(extra: ExtraAttributeChanges | undefined): TypedValueChange[] {
  const byValue = new Map<string, { filter: string; attribute: string; valueType: string; parts: ExtraAttribute[] }>();
  for (const attribute of parsed(extra)) {
    const { valueType } = attribute.path;
    if (valueType === undefined) continue;
    const filter = `${attribute.path.attribute}[type eq ${JSON.stringify(valueType)}]`;
    const id = filter.toLowerCase();
    const entry = byValue.get(id) ?? { filter, attribute: attribute.path.attribute, valueType, parts: [] };
    entry.parts.push(attribute);
    byValue.set(id, entry);
  }
  return [...byValue.values()].map(({ filter, attribute, valueType, parts }) => {
    const element: Record<string, unknown> = { type: valueType };
    const operations: ScimPatchOperation[] = [];
    for (const { path, value } of parts) {
      const sub = path.subAttribute ?? 'value';
      if (value !== null) {
        element[sub] = value;
        operations.push({ op: 'replace', path: `${filter}.${sub}`, value });
      } else {
        operations.push({ op: 'remove', path: isValue(sub) ? filter : `${filter}.${sub}` });
      }
    }
    const adds = Object.keys(element).length > 1;
    return { operations, addition: adds ? { op: 'add', path: attribute, value: [element] } : undefined };
  });
}

/** Every operation for changed extra attributes: the whole attributes, then the typed values by path. */
export function extraChangeOperations(extra: ExtraAttributeChanges | undefined): ScimPatchOperation[] {
  return [...wholeAttributeOperations(extra), ...typedValueChanges(extra).flatMap((change) => change.operations)];
}

/**
 * For an app that takes no PATCH path (it answered `invalidPath`): one `replace` without a path of each changed
 * multi-valued attribute as a whole, its list as read back (`current`) with the typed values written in, so the
 * person's other values are kept. `[]` for a list left empty.
 */
export function typedValueListsReplace(
  current: Readonly<Record<string, unknown>>,
  typed: ExtraAttributeChanges,
): ScimPatchOperation {
  const merged = withExtraAttributes(current, typed);
  const value: Record<string, unknown> = {};
  for (const { path } of parsed(typed)) {
    const key = keyIn(merged, path.attribute);
    value[key] = merged[key] ?? [];
  }
  return { op: 'replace', value };
}

function writeWhole(resource: Record<string, unknown>, { path, value }: ExtraAttribute): void {
  if (path.schema !== undefined) {
    const key = keyIn(resource, path.schema);
    const extension = objectAt(resource, key);
    if (path.subAttribute === undefined) setOrDelete(extension, keyIn(extension, path.attribute), value);
    else setPartOrDelete(extension, path.attribute, path.subAttribute, value);
    setOrDelete(resource, key, Object.keys(extension).length === 0 ? null : extension);
    listSchema(resource, path.schema, resource[key] !== undefined);
  } else if (isRoles(path)) {
    setOrDelete(resource, keyIn(resource, path.attribute), value === null ? null : rolesOf(value));
  } else if (path.subAttribute !== undefined) {
    setPartOrDelete(resource, path.attribute, path.subAttribute, value);
  } else {
    setOrDelete(resource, keyIn(resource, path.attribute), value);
  }
}

function writeTypedValue(resource: Record<string, unknown>, { path, value }: ExtraAttribute): void {
  const valueType = (path.valueType ?? '').toLowerCase();
  const sub = path.subAttribute ?? 'value';
  const key = keyIn(resource, path.attribute);
  const current = resource[key];
  const list: unknown[] = Array.isArray(current) ? [...(current as unknown[])] : [];
  const index = list.findIndex((element) => isRecord(element) && typeOf(element) === valueType);
  const found = list[index];
  if (value === null) {
    if (!isRecord(found)) return;
    if (isValue(sub)) list.splice(index, 1);
    else list[index] = without(found, keyIn(found, sub));
  } else {
    const element: Record<string, unknown> = isRecord(found) ? { ...found } : { type: path.valueType };
    element[keyIn(element, sub)] = value;
    if (index === -1) list.push(element);
    else list[index] = element;
  }
  setOrDelete(resource, key, list.length === 0 ? null : list);
}

/** `roles` as RFC 7643 §4.1.2 holds it: a list of `{ value }`, a single role marked primary. */
function rolesOf(value: ScimAttributeValue): Record<string, unknown>[] {
  return Array.isArray(value)
    ? (value as readonly ScimScalar[]).map((role) => ({ value: role }))
    : [{ value, primary: true }];
}

function isRoles(path: ScimAttributePath): boolean {
  return path.schema === undefined && path.attribute.toLowerCase() === 'roles' && path.subAttribute === undefined;
}

function isValue(subAttribute: string): boolean {
  return subAttribute.toLowerCase() === 'value';
}

function parsed(extra: ExtraAttributeChanges | undefined): ExtraAttribute[] {
  return Object.entries(extra ?? {}).map(([key, value]) => ({ path: pathOf(key), value }));
}

function pathOf(key: string): ScimAttributePath {
  const result = parseScimAttributePath(key);
  // The policy is checked when it is loaded: only an op stored under an older, looser dirsync gets here.
  if (!result.ok) {
    throw new TargetError(
      'config',
      `cannot write the SCIM attribute ${JSON.stringify(key)}: ${result.problem}; fix it in the connection's policy ` +
        '(mapping.attributes or roles.attribute) and run the sync again',
    );
  }
  return result.path;
}

/** `{ attribute: { part: value } }` in a PATCH value, parts of one attribute together. */
function setPart(holder: Record<string, unknown>, attribute: string, part: string, value: ExtraValue): void {
  const existing = holder[attribute];
  holder[attribute] = { ...(isRecord(existing) ? existing : {}), [part]: value };
}

/** Writes or clears one part of a complex attribute of a resource, dropping the attribute once it is empty. */
function setPartOrDelete(resource: Record<string, unknown>, attribute: string, part: string, value: ExtraValue): void {
  const key = keyIn(resource, attribute);
  const holder = objectAt(resource, key);
  setOrDelete(holder, keyIn(holder, part), value);
  setOrDelete(resource, key, Object.keys(holder).length === 0 ? null : holder);
}

/** Adds the URN to `schemas` (or takes it out), when the resource has `schemas`. */
function listSchema(resource: Record<string, unknown>, urn: string, present: boolean): void {
  const schemas = resource['schemas'];
  if (!Array.isArray(schemas)) return;
  const others = (schemas as unknown[]).filter((entry) => typeof entry !== 'string' || !sameName(entry, urn));
  resource['schemas'] = present ? [...others, urn] : others;
}

/** The key the object already holds for this attribute name (RFC 7643 §2.1: case-insensitive), else the name. */
function keyIn(object: Readonly<Record<string, unknown>>, name: string): string {
  return Object.keys(object).find((key) => sameName(key, name)) ?? name;
}

function objectAt(resource: Readonly<Record<string, unknown>>, key: string): Record<string, unknown> {
  const value = resource[key];
  return isRecord(value) ? { ...value } : {};
}

function setOrDelete(object: Record<string, unknown>, key: string, value: unknown): void {
  if (value === null || value === undefined) Reflect.deleteProperty(object, key);
  else object[key] = value;
}

function without(object: Readonly<Record<string, unknown>>, key: string): Record<string, unknown> {
  const copy = { ...object };
  Reflect.deleteProperty(copy, key);
  return copy;
}

function typeOf(element: Readonly<Record<string, unknown>>): string | undefined {
  const type = element[keyIn(element, 'type')];
  return typeof type === 'string' ? type.toLowerCase() : undefined;
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function includesFolded(names: readonly string[], name: string): boolean {
  return names.some((entry) => sameName(entry, name));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
