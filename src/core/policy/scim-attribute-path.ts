/**
 * A SCIM user attribute the policy writes (RFC 7644 §3.10 attribute paths, the subset dirsync supports):
 * - core attributes: `title`, `name.givenName`, and any other top-level name (apps such as Dovetail put their
 *   own attributes, `role`, in the core namespace); the core URN prefix may be written or left out;
 * - a multi-valued core attribute through one value selected by type: `phoneNumbers[type eq "work"].value`;
 * - the enterprise extension (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`);
 * - any app schema URN ending in `:User` (`urn:ietf:params:scim:schemas:extension:dovetail:2.0:User:workspaceAdmin`).
 */
export interface ScimAttributePath {
  /** The extension schema URN; `undefined` for the core User schema. */
  readonly schema: string | undefined;
  readonly attribute: string;
  /** The `type` a multi-valued attribute's value is selected by (`[type eq "work"]`). */
  readonly valueType: string | undefined;
  readonly subAttribute: string | undefined;
}

export type ScimAttributePathResult =
  { readonly ok: true; readonly path: ScimAttributePath } | { readonly ok: false; readonly problem: string };

export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// Written by dirsync itself (identity, state, membership) or by another policy key (`mapping.userName`).
const OWNED = new Map([
  ['username', 'is set by mapping.userName'],
  ['externalid', 'is the IdP id, set by dirsync'],
  ['active', 'follows the IdP status, set by dirsync'],
  ['id', 'is assigned by the app'],
  ['meta', 'is assigned by the app'],
  ['schemas', 'is set by dirsync'],
  ['groups', 'is read-only in SCIM: memberships are written on groups'],
  ['password', 'is never sent by dirsync'],
]);
const MULTI_VALUED = new Set([
  'emails',
  'phonenumbers',
  'ims',
  'photos',
  'addresses',
  'entitlements',
  'roles',
  'x509certificates',
]);
const NAME_PARTS = new Set([
  'formatted',
  'familyname',
  'givenname',
  'middlename',
  'honorificprefix',
  'honorificsuffix',
]);
const ENTERPRISE = new Set(['employeenumber', 'costcenter', 'organization', 'division', 'department']);

const ATTRIBUTE_NAME = '[A-Za-z][A-Za-z0-9_-]*';
const RELATIVE_PATH = new RegExp(`^(${ATTRIBUTE_NAME})(?:\\[type eq "([^"\\]]+)"\\])?(?:\\.(${ATTRIBUTE_NAME}))?$`);
const EXTENSION_PATH = /^(urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:.+:User):([^:]+)$/;

/** Parses and checks one attribute path; the problem says what to write instead. */
export function parseScimAttributePath(text: string): ScimAttributePathResult {
  const extension = EXTENSION_PATH.exec(text);
  const urn = extension?.[1];
  const rest = extension?.[2] ?? text;
  if (urn === undefined && /^urn:/i.test(text)) {
    return fail(`"${text}" must be a schema URN ending in ":User" followed by ":attribute"`);
  }
  const parts = RELATIVE_PATH.exec(rest);
  const attribute = parts?.[1];
  if (parts === null || attribute === undefined) {
    return fail(`"${rest}" is not an attribute path like title, name.givenName or phoneNumbers[type eq "work"].value`);
  }
  const valueType = parts[2];
  const subAttribute = parts[3];
  const path = { attribute, valueType, subAttribute };
  const lower = attribute.toLowerCase();
  if (urn === undefined || urn.toLowerCase() === CORE_USER_SCHEMA.toLowerCase()) {
    return core({ schema: undefined, ...path }, lower);
  }
  if (valueType !== undefined) return fail(`"${text}": [type eq "…"] is supported on core attributes only`);
  if (urn.toLowerCase() === ENTERPRISE_USER_SCHEMA.toLowerCase()) {
    if (lower === 'manager') {
      return fail(`"${text}": the manager is a reference to another app user, which dirsync does not map`);
    }
    if (!ENTERPRISE.has(lower) || subAttribute !== undefined) {
      return fail(
        `"${text}": the enterprise extension has employeeNumber, costCenter, organization, division, department`,
      );
    }
    return { ok: true, path: { schema: ENTERPRISE_USER_SCHEMA, ...path } };
  }
  return { ok: true, path: { schema: urn, ...path } };
}

function core(path: ScimAttributePath, lower: string): ScimAttributePathResult {
  const owned = OWNED.get(lower);
  if (owned !== undefined) return fail(`"${path.attribute}" ${owned}`);
  if (lower === 'name') {
    return path.subAttribute !== undefined &&
      NAME_PARTS.has(path.subAttribute.toLowerCase()) &&
      path.valueType === undefined
      ? { ok: true, path }
      : fail(`"name" needs a part: name.givenName, name.familyName, name.middleName, name.formatted, …`);
  }
  if (MULTI_VALUED.has(lower)) {
    // `roles` alone is the multi-valued role attribute the `roles:` section may write.
    if (lower === 'roles' && path.valueType === undefined && path.subAttribute === undefined) return { ok: true, path };
    if (path.valueType === undefined || path.subAttribute === undefined) {
      return fail(
        `"${path.attribute}" is multi-valued: select one value, e.g. ${path.attribute}[type eq "work"].value`,
      );
    }
    if (lower === 'emails' && path.valueType.toLowerCase() === 'work') {
      return fail(`emails[type eq "work"] is the e-mail dirsync maps itself`);
    }
    return { ok: true, path };
  }
  if (path.valueType !== undefined) return fail(`"${path.attribute}" is not multi-valued: drop the [type eq …] filter`);
  return { ok: true, path };
}

function fail(problem: string): ScimAttributePathResult {
  return { ok: false, problem };
}

/**
 * The canonical text of a path, the key of `ExtraAttributes`: the core URN left out, the extension URN and the
 * attribute as the document spells them (`title`, `name.middleName`, `phoneNumbers[type eq "work"].value`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`). `parseScimAttributePath` reads it back.
 */
export function scimPathKey(path: ScimAttributePath): string {
  const filter = path.valueType === undefined ? '' : `[type eq "${path.valueType}"]`;
  const sub = path.subAttribute === undefined ? '' : `.${path.subAttribute}`;
  const relative = `${path.attribute}${filter}${sub}`;
  return path.schema === undefined ? relative : `${path.schema}:${relative}`;
}
