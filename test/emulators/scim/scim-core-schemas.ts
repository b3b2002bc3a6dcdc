import { scimAttribute } from './scim-resource-schema.js';
import type { ScimAttribute, ScimResourceSchema } from './scim-resource-schema.js';

export const USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';

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

/** The subset of the RFC 7643 §4.1 User schema a directory sync touches, plus a few neighbours. */
export const USER_SCHEMA: ScimResourceSchema = {
  resourceType: 'User',
  endpoint: '/Users',
  schemaUrn: USER_SCHEMA_URN,
  attributes: [
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
    ...plainStrings('displayName', 'nickName', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone'),
    scimAttribute('active', 'boolean'),
    scimAttribute('emails', 'complex', {
      multiValued: true,
      subAttributes: [...plainStrings('value', 'display', 'type'), scimAttribute('primary', 'boolean')],
    }),
    meta,
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
