import { z } from 'zod';

// What dirsync reads from SCIM responses, and nothing more: loose objects, so that the extra attributes every
// provider adds pass through, and `null` accepted wherever providers are known to send it for "unassigned".

// `active` as apps send it: a boolean, the strings "true"/"false" (seen in the wild), or nothing. Only an explicit
// false is inactive: RFC 7643 §4.1.1 leaves `active` optional, and an app that omits it has no inactive users.
const scimActive = z
  .unknown()
  .optional()
  .transform((value) => !(value === false || (typeof value === 'string' && value.trim().toLowerCase() === 'false')));

// Read to name an app account to the operator (a held adoption), never to decide anything: a shape dirsync does
// not expect is dropped rather than failing the lookup that found the account.
const scimEmails = z
  .array(z.looseObject({ value: z.string().nullish(), primary: z.unknown() }))
  .nullish()
  .catch(null);

export const scimUserSchema = z.looseObject({
  id: z.string().min(1),
  userName: z.string(),
  externalId: z.string().nullish(),
  active: scimActive,
  emails: scimEmails,
  displayName: z.string().nullish().catch(null),
});
export type ScimUser = z.infer<typeof scimUserSchema>;

export const scimGroupSchema = z.looseObject({
  id: z.string().min(1),
  displayName: z.string(),
  externalId: z.string().nullish(),
  members: z.array(z.looseObject({ value: z.string() })).nullish(),
});
export type ScimGroup = z.infer<typeof scimGroupSchema>;

/** RFC 7644 §3.4.2: `Resources` may be absent when there are none. */
export const scimListResponseSchema = z.looseObject({
  totalResults: z.number().int().nonnegative(),
  startIndex: z.number().int().nullish(),
  itemsPerPage: z.number().int().nullish(),
  Resources: z.array(z.unknown()).nullish(),
});

/** RFC 7644 §3.12; `status` is a string there, a number on some providers. */
export const scimErrorSchema = z.looseObject({
  detail: z.string().nullish(),
  scimType: z.string().nullish(),
  status: z.union([z.string(), z.number()]).nullish(),
});

/** RFC 7643 §5, the two features dirsync adapts to. */
export const serviceProviderConfigSchema = z.looseObject({
  patch: z.looseObject({ supported: z.boolean() }).nullish(),
  filter: z.looseObject({ supported: z.boolean(), maxResults: z.number().int().nullish() }).nullish(),
  bulk: z
    .looseObject({
      supported: z.boolean(),
      maxOperations: z.number().int().nullish(),
      maxPayloadSize: z.number().int().nullish(),
    })
    .nullish(),
});
export type ServiceProviderConfig = z.infer<typeof serviceProviderConfigSchema>;

export const SCIM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
