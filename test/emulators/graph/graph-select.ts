import type { GraphGroupRecord, GraphUserRecord } from './graph-directory-objects.js';
import { GROUP_PROPERTIES, USER_PROPERTIES } from './graph-directory-objects.js';
import type { JsonObject, JsonValue } from './graph-json.js';

/** A `$select` the emulator can't honour: Graph answers 400 naming the property. */
export class GraphSelectError extends Error {}

/** A directory extension attribute's name: `extension_<application id without dashes>_<name>`. */
const EXTENSION = /^extension_[0-9A-Za-z]+_[A-Za-z0-9_]+$/;

/**
 * Parses `$select` (comma-separated, case-insensitive names) into Graph's spelling. `id` is always returned, as on
 * the real service. `extra` lists navigation properties the resource accepts too (`members` on groups/delta).
 * Any directory extension name is accepted (the emulator keeps no extension registrations), in the spelling asked
 * for; an object without a value for it answers without it, as Graph does.
 */
export function parseSelect(
  raw: string | null,
  resource: 'user' | 'group',
  extra: readonly string[] = [],
): string[] | null {
  if (raw === null || raw.trim() === '') return null;
  const known: readonly string[] = [...(resource === 'user' ? USER_PROPERTIES : GROUP_PROPERTIES), ...extra];
  const names = new Set<string>(['id']);
  for (const part of raw.split(',')) {
    const wanted = part.trim().toLowerCase();
    if (wanted === '') continue;
    const name = EXTENSION.test(part.trim())
      ? part.trim()
      : known.find((candidate) => candidate.toLowerCase() === wanted);
    if (name === undefined) {
      throw new GraphSelectError(
        `Could not find a property named '${part.trim()}' on type 'microsoft.graph.${resource}'.`,
      );
    }
    names.add(name);
  }
  return [...names];
}

/** The selected properties of a record (or any JSON object), leaving out those it has no value for (`undefined`). */
export function projectObject(
  record: GraphUserRecord | GraphGroupRecord | JsonObject,
  select: readonly string[],
): JsonObject {
  const source = record as unknown as Readonly<Record<string, JsonValue | readonly JsonValue[]>>;
  const out: JsonObject = {};
  for (const name of select) {
    const value = Object.hasOwn(source, name) ? source[name] : undefined;
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? [...(value as readonly JsonValue[])] : (value as JsonValue);
  }
  return out;
}
