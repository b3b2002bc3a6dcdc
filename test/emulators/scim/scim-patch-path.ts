import { compileScimFilter } from './compile-scim-filter.js';
import type { ScimPredicate } from './compile-scim-filter.js';
import { ScimError } from './scim-error.js';
import { parseScimFilter } from './scim-filter.js';
import { findScimAttribute, splitScimAttributePath } from './scim-resource-schema.js';
import type { ScimAttribute, ScimResourceSchema } from './scim-resource-schema.js';

/** A PATCH `path` (RFC 7644 §3.5.2, figure 7: `PATH = attrPath / valuePath [subAttr]`), resolved. */
export interface ScimPatchPath {
  readonly text: string;
  readonly attribute: ScimAttribute;
  /** The value selection filter of `emails[type eq "work"]`, compiled against the elements. */
  readonly filter: ScimPredicate | undefined;
  readonly subAttribute: ScimAttribute | undefined;
  /**
   * The string of a filter that is exactly `value eq "<string>"` (`members[value eq "2819c223"]`, how clients
   * name one member to remove), so that the store can find the value without running the filter over every one.
   */
  readonly valueEquals: string | undefined;
}

export function parseScimPatchPath(text: string, schema: ScimResourceSchema): ScimPatchPath {
  const open = text.indexOf('[');
  if (open === -1) {
    const { attribute, subAttribute } = resolveAttribute(text, text, schema);
    return { text, attribute, filter: undefined, subAttribute, valueEquals: undefined };
  }
  const close = closingBracket(text, open);
  const { attribute, subAttribute: nested } = resolveAttribute(text, text.slice(0, open), schema);
  if (nested !== undefined || attribute.type !== 'complex' || !attribute.multiValued) {
    throw invalidPath(text, 'a value filter needs a multi-valued complex attribute before "["');
  }
  const { filter, valueEquals } = compileValueFilter(text, text.slice(open + 1, close), attribute);
  const after = text.slice(close + 1);
  if (after === '') return { text, attribute, filter, subAttribute: undefined, valueEquals };
  const subAttribute = after.startsWith('.') ? findScimAttribute(attribute.subAttributes, after.slice(1)) : undefined;
  if (subAttribute === undefined) throw invalidPath(text, `"${after}" is not a sub-attribute of ${attribute.name}`);
  return { text, attribute, filter, subAttribute, valueEquals };
}

function resolveAttribute(
  text: string,
  attributePath: string,
  schema: ScimResourceSchema,
): { readonly attribute: ScimAttribute; readonly subAttribute: ScimAttribute | undefined } {
  const split = splitScimAttributePath(schema, attributePath);
  if (split === undefined) throw invalidPath(text, 'it is not an attribute path of this resource');
  const attribute = findScimAttribute(schema.attributes, split.attribute);
  if (attribute === undefined) throw invalidPath(text, `no attribute "${split.attribute}" on a ${schema.resourceType}`);
  if (split.subAttribute === undefined) return { attribute, subAttribute: undefined };
  const subAttribute = findScimAttribute(attribute.subAttributes, split.subAttribute);
  if (subAttribute === undefined) {
    throw invalidPath(text, `no sub-attribute "${split.subAttribute}" on ${attribute.name}`);
  }
  return { attribute, subAttribute };
}

function closingBracket(text: string, open: number): number {
  let inString = false;
  for (let i = open + 1; i < text.length; i++) {
    const char = text.charAt(i);
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === ']') {
      return i;
    }
  }
  throw invalidPath(text, 'the value filter has no closing "]"');
}

function compileValueFilter(
  text: string,
  filterText: string,
  attribute: ScimAttribute,
): { readonly filter: ScimPredicate; readonly valueEquals: string | undefined } {
  try {
    const parsed = parseScimFilter(filterText);
    const filter = compileScimFilter(parsed, { schema: undefined, attributes: attribute.subAttributes });
    const isValueEq = parsed.kind === 'compare' && parsed.operator === 'eq' && parsed.path.toLowerCase() === 'value';
    return { filter, valueEquals: isValueEq && typeof parsed.value === 'string' ? parsed.value : undefined };
  } catch (error) {
    // The filter is part of the path here, so a bad one is a bad path (RFC 7644 §3.12 "invalidPath").
    if (error instanceof ScimError) throw invalidPath(text, error.detail);
    throw error;
  }
}

function invalidPath(text: string, why: string): ScimError {
  return ScimError.badRequest('invalidPath', `Invalid path ${JSON.stringify(text)}: ${why}`);
}
