import { ScimError } from './scim-error.js';
import { isJsonObject } from './scim-json.js';
import type { JsonObject, JsonValue } from './scim-json.js';
import { findScimAttribute } from './scim-resource-schema.js';
import type { ScimAttribute, ScimResourceSchema } from './scim-resource-schema.js';

/**
 * Checks a whole resource (a POST or PUT body, or the result of a PATCH) against its schema and returns it with
 * canonical attribute names, without the read-only ones (`id`, `meta`: the store owns them) and without
 * unassigned ones. Unknown attributes are refused rather than dropped, so a client never believes it set
 * something the app ignored. `sentBody`: the body came from a client (POST, PUT), whose `schemas` must then list
 * every extension it writes; the result of a PATCH gets its `schemas` from the attributes it holds. `heldApart`: a
 * value that stands for an attribute the caller holds apart and has checked itself (a group's members, see
 * `ScimStore`), kept as it is, where it is.
 */
export function normalizeScimResource(
  body: JsonValue,
  schema: ScimResourceSchema,
  { sentBody, heldApart }: { readonly sentBody: boolean; readonly heldApart?: JsonValue },
): JsonObject {
  if (!isJsonObject(body)) throw ScimError.badRequest('invalidSyntax', 'The body must be a JSON object');
  const schemas = body['schemas'];
  const urn = schema.schemaUrn.toLowerCase();
  // RFC 7643 §3: "schemas" is REQUIRED and lists the core schema of the resource.
  if (!Array.isArray(schemas) || !schemas.some((entry) => typeof entry === 'string' && entry.toLowerCase() === urn)) {
    throw ScimError.badRequest('invalidSyntax', `"schemas" must contain "${schema.schemaUrn}"`);
  }
  const schemaUrns: JsonValue[] = [schema.schemaUrn];
  const resource: JsonObject = { schemas: schemaUrns };
  for (const [key, value] of Object.entries(body)) {
    if (key === 'schemas') continue;
    const attribute = findScimAttribute(schema.attributes, key);
    if (attribute === undefined) {
      throw ScimError.badRequest('invalidSyntax', `Unknown attribute "${key}" on a ${schema.resourceType}`);
    }
    // RFC 7643 §2.2: readOnly values sent by a client SHALL be ignored.
    if (attribute.mutability === 'readOnly') continue;
    if (heldApart !== undefined && value === heldApart) {
      resource[attribute.name] = value;
      continue;
    }
    const coerced = coerceScimValue(attribute, value, attribute.name);
    if (coerced !== undefined) resource[attribute.name] = coerced;
  }
  // An extension's attributes sit under its schema URN (RFC 7643 §3.3), which `schemas` then lists: RFC 7643 §3
  // has `schemas` name the schemas "that define the attributes present", so a body that leaves one out is malformed.
  for (const attribute of schema.attributes) {
    if (!attribute.name.startsWith('urn:') || resource[attribute.name] === undefined) continue;
    const listed = schemas.some(
      (entry) => typeof entry === 'string' && entry.toLowerCase() === attribute.name.toLowerCase(),
    );
    if (sentBody && !listed) {
      throw ScimError.badRequest(
        'invalidSyntax',
        `"schemas" must list "${attribute.name}", whose attributes the body holds`,
      );
    }
    schemaUrns.push(attribute.name);
  }
  for (const attribute of schema.attributes) {
    if (attribute.required && resource[attribute.name] === undefined) {
      throw ScimError.badRequest('invalidValue', `"${attribute.name}" is required on a ${schema.resourceType}`);
    }
  }
  return resource;
}

/**
 * Checks one attribute's value; `undefined` means unassigned (null, an empty array or an empty complex value are
 * the same state as absent, RFC 7643 §2.5).
 */
export function coerceScimValue(attribute: ScimAttribute, value: JsonValue, where: string): JsonValue | undefined {
  if (value === null) return undefined;
  if (!attribute.multiValued) return coerceScimElement(attribute, value, where);
  if (!Array.isArray(value)) throw wrongType(where, 'an array');
  const elements = value.flatMap((element, index) => {
    const coerced = coerceScimElement(attribute, element, `${where}[${index}]`);
    return coerced === undefined ? [] : [coerced];
  });
  const primaries = elements.filter((element) => isJsonObject(element) && element['primary'] === true);
  // RFC 7643 §2.4: the primary attribute value "true" MUST appear no more than once.
  if (primaries.length > 1) throw ScimError.badRequest('invalidValue', `More than one "${where}" is primary`);
  return elements.length === 0 ? undefined : elements;
}

/** Checks one element of a (possibly multi-valued) attribute. */
export function coerceScimElement(attribute: ScimAttribute, value: JsonValue, where: string): JsonValue | undefined {
  if (value === null) return undefined;
  switch (attribute.type) {
    case 'boolean':
      // Strict: "False" (a string, as some clients send) is not a boolean.
      if (typeof value !== 'boolean') throw wrongType(where, 'true or false');
      return value;
    case 'string':
    case 'reference':
      if (typeof value !== 'string') throw wrongType(where, 'a string');
      if (attribute.required && value.trim() === '') throw wrongType(where, 'a non-empty string');
      if (attribute.canonicalValues.length > 0 && !attribute.canonicalValues.includes(value)) {
        throw wrongType(where, `one of ${attribute.canonicalValues.join(', ')}`);
      }
      return value;
    case 'dateTime':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw wrongType(where, 'an xsd:dateTime');
      return value;
    case 'complex':
      return coerceComplex(attribute, value, where);
  }
}

function coerceComplex(attribute: ScimAttribute, value: JsonValue, where: string): JsonObject | undefined {
  if (!isJsonObject(value)) throw wrongType(where, 'an object');
  const result: JsonObject = {};
  for (const [key, subValue] of Object.entries(value)) {
    const sub = findScimAttribute(attribute.subAttributes, key);
    if (sub === undefined) throw ScimError.badRequest('invalidSyntax', `Unknown sub-attribute "${where}.${key}"`);
    const coerced = coerceScimElement(sub, subValue, `${where}.${sub.name}`);
    if (coerced !== undefined) result[sub.name] = coerced;
  }
  return Object.keys(result).length === 0 ? undefined : result;
}

function wrongType(where: string, expected: string): ScimError {
  return ScimError.badRequest('invalidValue', `"${where}" must be ${expected}`);
}
