import { scimAttribute } from './scim-resource-schema.js';
import type { ScimAttribute, ScimResourceSchema } from './scim-resource-schema.js';

export const USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const id = scimAttribute('id', 'string', { caseExact: true, mutability: 'readOnly' });
// RFC 7643 §3.1: externalId is caseExact; the client owns it.
const externalId = scimAttribute('externalId', 'string', { caseExact: true });
const meta = scimAttribute('meta', 'complex', {
  mutability: 'readOnly',
  subAttributes: [
    scimAttribute('resourceType', 'string', { caseExact: true, mutability: 'readOnly' }),
    scimAttribute('created', 'dateTime', { mutability: 'readOnly' }),
    scimAttribute('lastModified', 'dateTime', { mutability: 'readOnly' }),
    scimAttribute('location', 'reference', { caseExact: true, mutability: 'readOnly' }),
    scimAttribute('version', 'string', { caseExact: true, mutability: 'readOnly' }),
  ],
});

const plainStrings = (...names: string[]): ScimAttribute[] => names.map((name) => scimAttribute(name, 'string'));

/**
 * A multi-valued complex attribute with the sub-attributes of RFC 7643 §2.4 (`value`, `display`, `type`,
 * `primary`); `type` takes any value (the RFC's canonical ones, "work", "home", …, are not enforced, as it allows).
 */
function multiValued(name: string, valueType: 'string' | 'reference' = 'string'): ScimAttribute {
  return scimAttribute(name, 'complex', {
    multiValued: true,
    subAttributes: [
      scimAttribute('value', valueType),
      ...plainStrings('display', 'type'),
      scimAttribute('primary', 'boolean'),
    ],
  });
}

/**
 * The User attributes every app dirsync provisions into takes, Dovetail included (they are what an IdP's SCIM
 * client sends to any app): identity, names, the work e-mail and `active`.
 */
export const USER_BASE_ATTRIBUTES: readonly ScimAttribute[] = [
  id,
  externalId,
  // RFC 7643 §4.1.1: userName is required, unique, and caseExact false.
  scimAttribute('userName', 'string', { required: true }),
  scimAttribute('name', 'complex', {
    subAttributes: plainStrings(
      'formatted',
      'familyName',
      'givenName',
      'middleName',
      'honorificPrefix',
      'honorificSuffix',
    ),
  }),
  scimAttribute('displayName', 'string'),
  scimAttribute('active', 'boolean'),
  multiValued('emails'),
  meta,
];

/**
 * RFC 7643 §4.3, the enterprise User extension, as a complex attribute named by its URN (RFC 7643 §3.3: an
 * extension's attributes sit in an object under its schema URN). `manager` is left out: it references another
 * User, which dirsync does not map.
 */
export const ENTERPRISE_USER_EXTENSION: ScimAttribute = scimAttribute(ENTERPRISE_USER_SCHEMA_URN, 'complex', {
  subAttributes: plainStrings('employeeNumber', 'costCenter', 'organization', 'division', 'department'),
});

/**
 * RFC 7643 §4.1 (the User schema) and §4.3 (the enterprise extension). Left out: `password` (write-only, which the
 * emulator does not model), `groups` (read-only, derived from the groups), `x509Certificates` (binary values).
 */
export const USER_SCHEMA: ScimResourceSchema = {
  resourceType: 'User',
  endpoint: '/Users',
  schemaUrn: USER_SCHEMA_URN,
  attributes: [
    ...USER_BASE_ATTRIBUTES,
    // §4.1.1 singular attributes.
    ...plainStrings('nickName', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone'),
    scimAttribute('profileUrl', 'reference'),
    // §4.1.2 multi-valued attributes.
    multiValued('phoneNumbers'),
    multiValued('ims'),
    multiValued('photos', 'reference'),
    scimAttribute('addresses', 'complex', {
      multiValued: true,
      subAttributes: [
        ...plainStrings('formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type'),
        scimAttribute('primary', 'boolean'),
      ],
    }),
    multiValued('entitlements'),
    multiValued('roles'),
    ENTERPRISE_USER_EXTENSION,
  ],
};

/** RFC 7643 §4.2. `displayName` is held unique here, as most apps do (the RFC itself does not require it). */
export const GROUP_SCHEMA: ScimResourceSchema = {
  resourceType: 'Group',
  endpoint: '/Groups',
  schemaUrn: GROUP_SCHEMA_URN,
  attributes: [
    id,
    externalId,
    scimAttribute('displayName', 'string', { required: true }),
    scimAttribute('members', 'complex', {
      multiValued: true,
      subAttributes: [
        scimAttribute('value', 'string', { caseExact: true, mutability: 'immutable' }),
        scimAttribute('display', 'string'),
        scimAttribute('$ref', 'reference', { caseExact: true, mutability: 'immutable' }),
        scimAttribute('type', 'string', { caseExact: true, mutability: 'immutable' }),
      ],
    }),
    meta,
  ],
};
