/** The attribute characteristics of RFC 7643 §2.2 that the emulator enforces. */
export type ScimAttributeType = 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';
export type ScimMutability = 'readOnly' | 'readWrite' | 'immutable';

export interface ScimAttribute {
  readonly name: string;
  readonly type: ScimAttributeType;
  readonly multiValued: boolean;
  readonly caseExact: boolean;
  readonly mutability: ScimMutability;
  readonly required: boolean;
  readonly subAttributes: readonly ScimAttribute[];
  /** RFC 7643 §2.2 canonicalValues; when not empty, the only values a string attribute takes. */
  readonly canonicalValues: readonly string[];
}

export interface ScimResourceSchema {
  readonly resourceType: 'User' | 'Group';
  /** The collection path under the base URL. */
  readonly endpoint: '/Users' | '/Groups';
  /** The core schema URN, which may prefix attribute names in filters and paths (RFC 7644 §3.10). */
  readonly schemaUrn: string;
  readonly attributes: readonly ScimAttribute[];
}

type AttributeOptions = Partial<Omit<ScimAttribute, 'name' | 'type'>>;

/** Defaults of RFC 7643 §2.2: not required, case-insensitive, read-write, single-valued. */
export function scimAttribute(name: string, type: ScimAttributeType, options: AttributeOptions = {}): ScimAttribute {
  return {
    name,
    type,
    multiValued: options.multiValued ?? false,
    caseExact: options.caseExact ?? false,
    mutability: options.mutability ?? 'readWrite',
    required: options.required ?? false,
    subAttributes: options.subAttributes ?? [],
    canonicalValues: options.canonicalValues ?? [],
  };
}

/** Attribute names are case-insensitive (RFC 7643 §2.1): `USERNAME` names `userName`. */
export function findScimAttribute(attributes: readonly ScimAttribute[], name: string): ScimAttribute | undefined {
  const wanted = name.toLowerCase();
  return attributes.find((attribute) => attribute.name.toLowerCase() === wanted);
}

const NAME_PATTERN = /^(?:\$ref|[A-Za-z][\w-]*)$/;

/**
 * Splits an attribute path (`name.givenName`, `urn:…:User:userName`) into the attribute and its optional
 * sub-attribute names, after removing the resource's own schema URN. An extension's attribute
 * (`urn:…:enterprise:2.0:User:department`, RFC 7644 §3.10) is the sub-attribute of the complex attribute named by
 * the extension's URN, as the extension is held. `undefined` when the path is malformed or names a schema the
 * resource does not have.
 */
export function splitScimAttributePath(
  schema: ScimResourceSchema | undefined,
  path: string,
): { readonly attribute: string; readonly subAttribute: string | undefined } | undefined {
  let rest = path;
  if (/^urn:/i.test(rest)) {
    const lower = rest.toLowerCase();
    const extension = schema?.attributes.find((attribute) => {
      const urn = attribute.name.toLowerCase();
      return urn.startsWith('urn:') && (lower === urn || lower.startsWith(`${urn}:`));
    });
    if (extension !== undefined) {
      const subAttribute = rest.slice(extension.name.length + 1);
      if (subAttribute === '') return { attribute: extension.name, subAttribute: undefined };
      return NAME_PATTERN.test(subAttribute) ? { attribute: extension.name, subAttribute } : undefined;
    }
    const prefix = `${schema?.schemaUrn ?? ''}:`.toLowerCase();
    if (schema === undefined || !lower.startsWith(prefix)) return undefined;
    rest = rest.slice(prefix.length);
  }
  const parts = rest.split('.');
  const [attribute, subAttribute, extra] = parts;
  if (attribute === undefined || !NAME_PATTERN.test(attribute) || extra !== undefined) return undefined;
  if (subAttribute !== undefined && !NAME_PATTERN.test(subAttribute)) return undefined;
  return { attribute, subAttribute };
}
