import { ScimError } from './scim-error.js';
import type { ScimCompareOperator, ScimCompareValue, ScimFilter } from './scim-filter.js';
import { isJsonObject } from './scim-json.js';
import type { JsonObject, JsonValue } from './scim-json.js';
import { findScimAttribute, splitScimAttributePath } from './scim-resource-schema.js';
import type { ScimAttribute, ScimResourceSchema } from './scim-resource-schema.js';

export type ScimPredicate = (resource: JsonObject) => boolean;

/** Where a filter's attribute names are looked up: a resource schema, or a multi-valued attribute's elements. */
export interface ScimFilterScope {
  readonly schema: ScimResourceSchema | undefined;
  readonly attributes: readonly ScimAttribute[];
}

interface ResolvedPath {
  readonly attribute: ScimAttribute;
  /** The attribute compared: the sub-attribute when named, the implied `value` of a multi-valued complex one. */
  readonly leaf: ScimAttribute;
  readonly subName: string | undefined;
}

/**
 * Turns a parsed filter into a predicate, checking every attribute and operator against the schema once: an
 * unknown attribute, or an operator the attribute's type does not allow, is a 400 `invalidFilter`
 * (RFC 7644 §3.4.2.2: "the specified attribute and filter comparison combination is not supported").
 */
export function compileScimFilter(filter: ScimFilter, scope: ScimFilterScope): ScimPredicate {
  switch (filter.kind) {
    case 'and': {
      const left = compileScimFilter(filter.left, scope);
      const right = compileScimFilter(filter.right, scope);
      return (resource) => left(resource) && right(resource);
    }
    case 'or': {
      const left = compileScimFilter(filter.left, scope);
      const right = compileScimFilter(filter.right, scope);
      return (resource) => left(resource) || right(resource);
    }
    case 'not': {
      const inner = compileScimFilter(filter.filter, scope);
      return (resource) => !inner(resource);
    }
    case 'present': {
      // RFC 7644 §3.4.2.2 "pr": a non-empty value, or a non-empty node for a complex attribute (`name pr`).
      const split = splitScimAttributePath(scope.schema, filter.path);
      const attribute = split === undefined ? undefined : findScimAttribute(scope.attributes, split.attribute);
      if (attribute?.type === 'complex' && split?.subAttribute === undefined) {
        return (resource) => resource[attribute.name] !== undefined;
      }
      const path = resolve(filter.path, scope);
      return (resource) => valuesAt(resource, path).some((value) => value !== '');
    }
    case 'valuePath': {
      const split = splitScimAttributePath(scope.schema, filter.path);
      const attribute = split === undefined ? undefined : findScimAttribute(scope.attributes, split.attribute);
      if (attribute?.type !== 'complex' || split?.subAttribute !== undefined) {
        throw invalid(`"${filter.path}[…]" needs a complex attribute`);
      }
      const inner = compileScimFilter(filter.filter, { schema: undefined, attributes: attribute.subAttributes });
      return (resource) => elementsOf(resource[attribute.name]).some(inner);
    }
    case 'compare':
      return compileComparison(resolve(filter.path, scope), filter.operator, filter.value, filter.path);
  }
}

function compileComparison(
  path: ResolvedPath,
  operator: ScimCompareOperator,
  expected: ScimCompareValue,
  written: string,
): ScimPredicate {
  if (expected === null) {
    // Unassigned and null are the same state (RFC 7643 §2.5), so `eq null` asks "absent?".
    if (operator === 'eq') return (resource) => valuesAt(resource, path).length === 0;
    if (operator === 'ne') return (resource) => valuesAt(resource, path).length > 0;
    throw invalid(`"${written} ${operator} null" compares null with an ordering operator`);
  }
  const test = valueTest(path.leaf, operator, expected, written);
  if (operator === 'ne') return (resource) => !valuesAt(resource, path).some(test.eq);
  // A multi-valued attribute matches when any of its values does (RFC 7644 §3.4.2.2).
  return (resource) => valuesAt(resource, path).some(test.matches);
}

function valueTest(
  leaf: ScimAttribute,
  operator: ScimCompareOperator,
  expected: Exclude<ScimCompareValue, null>,
  written: string,
): { readonly matches: (value: JsonValue) => boolean; readonly eq: (value: JsonValue) => boolean } {
  if (leaf.type === 'boolean') {
    // RFC 7644 §3.4.2.2: booleans allow only equality; ordering or substring on them is invalidFilter.
    if (typeof expected !== 'boolean' || (operator !== 'eq' && operator !== 'ne')) {
      throw invalid(`"${written}" is boolean: only eq/ne with true or false`);
    }
    const eq = (value: JsonValue): boolean => value === expected;
    return { matches: eq, eq };
  }
  if (typeof expected !== 'string') throw invalid(`"${written}" is a ${leaf.type}: compare it with a quoted string`);
  if (leaf.type === 'dateTime') {
    const wanted = Date.parse(expected);
    if (Number.isNaN(wanted) || ['co', 'sw', 'ew'].includes(operator)) {
      throw invalid(`"${written}" is a dateTime: compare it with eq, ne, gt, ge, lt or le and an xsd:dateTime`);
    }
    const order = (value: JsonValue): number => (typeof value === 'string' ? Date.parse(value) - wanted : Number.NaN);
    return { matches: (value) => ordered(operator, order(value)), eq: (value) => order(value) === 0 };
  }
  // caseExact false (userName, displayName, emails.value) compares case-insensitively (RFC 7643 §2.2).
  const fold = (text: string): string => (leaf.caseExact ? text : text.toLowerCase());
  const wanted = fold(expected);
  const eq = (value: JsonValue): boolean => typeof value === 'string' && fold(value) === wanted;
  const matches = (value: JsonValue): boolean => {
    if (typeof value !== 'string') return false;
    const actual = fold(value);
    switch (operator) {
      case 'eq':
      case 'ne':
        return actual === wanted;
      case 'co':
        return actual.includes(wanted);
      case 'sw':
        return actual.startsWith(wanted);
      case 'ew':
        return actual.endsWith(wanted);
      case 'gt':
      case 'ge':
      case 'lt':
      case 'le':
        return ordered(operator, actual < wanted ? -1 : actual > wanted ? 1 : 0);
    }
  };
  return { matches, eq };
}

function ordered(operator: ScimCompareOperator, difference: number): boolean {
  if (Number.isNaN(difference)) return false;
  switch (operator) {
    case 'gt':
      return difference > 0;
    case 'ge':
      return difference >= 0;
    case 'lt':
      return difference < 0;
    case 'le':
      return difference <= 0;
    case 'eq':
      return difference === 0;
    case 'ne':
      return difference !== 0;
    case 'co':
    case 'sw':
    case 'ew':
      return false;
  }
}

function resolve(written: string, scope: ScimFilterScope): ResolvedPath {
  const split = splitScimAttributePath(scope.schema, written);
  const attribute = split === undefined ? undefined : findScimAttribute(scope.attributes, split.attribute);
  if (split === undefined || attribute === undefined) throw invalid(`unknown attribute "${written}"`);
  if (split.subAttribute === undefined) {
    if (attribute.type !== 'complex') return { attribute, leaf: attribute, subName: undefined };
    // RFC 7644 §3.4.2.2: a complex multi-valued attribute without a sub-attribute means its "value".
    const implied = attribute.multiValued ? findScimAttribute(attribute.subAttributes, 'value') : undefined;
    if (implied === undefined) throw invalid(`"${written}" is complex: name one of its sub-attributes`);
    return { attribute, leaf: implied, subName: implied.name };
  }
  const sub = findScimAttribute(attribute.subAttributes, split.subAttribute);
  if (sub === undefined) throw invalid(`unknown attribute "${written}"`);
  return { attribute, leaf: sub, subName: sub.name };
}

function valuesAt(resource: JsonObject, path: ResolvedPath): JsonValue[] {
  const raw = resource[path.attribute.name];
  const holders = path.attribute.multiValued ? elementsOf(raw) : raw === undefined ? [] : [raw];
  const values = path.subName === undefined ? holders : holders.map((holder) => subValue(holder, path.subName));
  return values.filter((value): value is JsonValue => value !== undefined && value !== null);
}

function subValue(holder: JsonValue, name: string | undefined): JsonValue | undefined {
  return isJsonObject(holder) && name !== undefined ? holder[name] : undefined;
}

function elementsOf(value: JsonValue | undefined): JsonObject[] {
  if (Array.isArray(value)) return value.filter(isJsonObject);
  return isJsonObject(value) ? [value] : [];
}

function invalid(why: string): ScimError {
  return ScimError.badRequest('invalidFilter', `Unsupported filter: ${why}`);
}
