import { ScimError } from './scim-error.js';
import { isJsonObject } from './scim-json.js';
import type { JsonObject, JsonValue } from './scim-json.js';
import { splitScimAttributePath } from './scim-resource-schema.js';
import type { ScimResourceSchema } from './scim-resource-schema.js';

interface ProjectedPath {
  /** Lower-cased, as attribute names are case-insensitive (RFC 7643 §2.1). */
  readonly attribute: string;
  readonly subAttribute: string | undefined;
}

// RFC 7643 §2.2 `returned: always` (`id`), and `schemas`, which says how to read the rest: neither parameter
// removes them (RFC 7644 §3.9: excludedAttributes "SHALL have no effect" on them; attributes keeps the minimum set).
const ALWAYS_RETURNED: ReadonlySet<string> = new Set(['id', 'schemas']);

/**
 * The `attributes` or `excludedAttributes` query parameter of a request (RFC 7644 §3.9), applied to every resource
 * the answer holds: a POST, PUT or PATCH answer, a GET of one resource, each resource of a list. Names are in the
 * attribute notation of §3.10 (`members`, `name.givenName`, `urn:…:enterprise:2.0:User:department`); a name the
 * resource does not have selects nothing.
 */
export class ScimProjection {
  readonly #mode: 'attributes' | 'excludedAttributes';
  readonly #paths: readonly ProjectedPath[];

  private constructor(mode: 'attributes' | 'excludedAttributes', paths: readonly ProjectedPath[]) {
    this.#mode = mode;
    this.#paths = paths;
  }

  /** The request's projection, `undefined` when it asks for none; 400 `invalidValue` for both or a malformed name. */
  static of(query: URLSearchParams, schema: ScimResourceSchema): ScimProjection | undefined {
    const attributes = query.get('attributes');
    const excluded = query.get('excludedAttributes');
    if (attributes !== null && excluded !== null) {
      throw ScimError.badRequest('invalidValue', '"attributes" and "excludedAttributes" are mutually exclusive');
    }
    const mode = attributes === null ? 'excludedAttributes' : 'attributes';
    const text = attributes ?? excluded;
    if (text === null) return undefined;
    const paths = text
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '')
      .map((name) => {
        const path = splitScimAttributePath(schema, name);
        if (path === undefined) {
          throw ScimError.badRequest('invalidValue', `"${mode}" names ${JSON.stringify(name)}, not an attribute`);
        }
        return { attribute: path.attribute.toLowerCase(), subAttribute: path.subAttribute?.toLowerCase() };
      });
    return new ScimProjection(mode, paths);
  }

  /** Whether any of this attribute can be in a resource it shapes (false: the resource may be read without it). */
  selects(attributeName: string): boolean {
    const lower = attributeName.toLowerCase();
    if (ALWAYS_RETURNED.has(lower)) return true;
    const paths = this.#paths.filter((path) => path.attribute === lower);
    return this.#mode === 'attributes' ? paths.length > 0 : !paths.some((path) => path.subAttribute === undefined);
  }

  apply(resource: JsonObject): JsonObject {
    return this.#mode === 'attributes' ? this.#keep(resource) : this.#remove(resource);
  }

  #remove(resource: JsonObject): JsonObject {
    const result: JsonObject = {};
    for (const [key, value] of Object.entries(resource)) {
      const lower = key.toLowerCase();
      if (ALWAYS_RETURNED.has(lower)) {
        result[key] = value;
        continue;
      }
      const paths = this.#paths.filter((path) => path.attribute === lower);
      if (paths.some((path) => path.subAttribute === undefined)) continue;
      const removed = new Set(paths.flatMap((path) => (path.subAttribute === undefined ? [] : [path.subAttribute])));
      result[key] = removed.size === 0 ? value : mapComplex(value, (sub) => !removed.has(sub));
    }
    return result;
  }

  #keep(resource: JsonObject): JsonObject {
    const result: JsonObject = {};
    for (const [key, value] of Object.entries(resource)) {
      const lower = key.toLowerCase();
      const paths = this.#paths.filter((path) => path.attribute === lower);
      if (ALWAYS_RETURNED.has(lower) || paths.some((path) => path.subAttribute === undefined)) {
        result[key] = value;
        continue;
      }
      if (paths.length === 0) continue;
      const kept = new Set(paths.flatMap((path) => (path.subAttribute === undefined ? [] : [path.subAttribute])));
      result[key] = mapComplex(value, (sub) => kept.has(sub));
    }
    return result;
  }
}

/** A complex value (or each of a multi-valued one) with only the sub-attributes `keep` accepts. */
function mapComplex(value: JsonValue, keep: (lowerName: string) => boolean): JsonValue {
  const pick = (object: JsonObject): JsonObject =>
    Object.fromEntries(Object.entries(object).filter(([key]) => keep(key.toLowerCase())));
  if (Array.isArray(value)) return value.map((item) => (isJsonObject(item) ? pick(item) : item));
  return isJsonObject(value) ? pick(value) : value;
}
