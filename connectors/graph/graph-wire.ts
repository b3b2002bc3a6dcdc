import { z } from 'zod';

/**
 * The Graph v1.0 fields the connector reads (https://learn.microsoft.com/graph/api/user-delta,
 * https://learn.microsoft.com/graph/api/group-delta). Objects are loose: Graph may add properties.
 */

/**
 * The user properties dirsync selects: those the mapping reads (`graphUserToDirectoryUser`), then those admins write
 * policy rules and mappings on. All are stored in Entra itself, so `users/delta` selects and tracks them (properties
 * kept elsewhere, like `skills` in SharePoint, are not: delta-query-overview, "Limitations"). Graph answers each one,
 * `null` or `[]` when unset.
 */
export const USER_SELECT = [
  'id',
  'userPrincipalName',
  'mail',
  'proxyAddresses',
  'otherMails',
  'givenName',
  'surname',
  'displayName',
  'accountEnabled',
  'userType',
  'department',
  'jobTitle',
  'companyName',
  'employeeId',
  'employeeType',
  'officeLocation',
  'city',
  'state',
  'country',
  'usageLocation',
  'preferredLanguage',
  'mobilePhone',
  'businessPhones',
  'onPremisesSamAccountName',
] as const;

/** The group properties dirsync selects (`members` is the navigation property `groups/delta` tracks members by). */
export const GROUP_SELECT = [
  'id',
  'displayName',
  'description',
  'mail',
  'mailEnabled',
  'securityEnabled',
  'groupTypes',
  'members',
] as const;

/** The group properties of `GROUP_SELECT` (all but `id` and `members`): a whole group carries every one. */
export const GROUP_PROPERTIES = GROUP_SELECT.filter(
  (name): name is Exclude<(typeof GROUP_SELECT)[number], 'id' | 'members'> => name !== 'id' && name !== 'members',
);

const removedSchema = z.looseObject({ reason: z.string().optional() });
const nullableStrings = z.array(z.string()).nullable().optional();

/** A user entry of a delta page: the whole object, a partial one (changed properties only), or a removal. */
export const graphUserEntrySchema = z.looseObject({
  id: z.string().min(1),
  '@removed': removedSchema.optional(),
  userPrincipalName: z.string().min(1).optional(),
  mail: z.string().nullable().optional(),
  proxyAddresses: nullableStrings,
  otherMails: nullableStrings,
  givenName: z.string().nullable().optional(),
  surname: z.string().nullable().optional(),
  displayName: z.string().nullable().optional(),
  accountEnabled: z.boolean().nullable().optional(),
});
export type GraphUserEntry = z.infer<typeof graphUserEntrySchema>;

/** One `members@delta` entry: a user, a nested group or another directory object; `@removed` = it left. */
export const graphMemberEntrySchema = z.looseObject({
  id: z.string().min(1),
  '@odata.type': z.string().optional(),
  '@removed': removedSchema.optional(),
});
export type GraphMemberEntry = z.infer<typeof graphMemberEntrySchema>;

/**
 * A group entry. A group with many members comes as several objects with the same id, each with a slice of
 * `members@delta`; only one of them (or none, in a later round) carries the group's properties.
 */
export const graphGroupEntrySchema = z.looseObject({
  id: z.string().min(1),
  '@removed': removedSchema.optional(),
  displayName: z.string().nullable().optional(),
  'members@delta': z.array(graphMemberEntrySchema).optional(),
});
export type GraphGroupEntry = z.infer<typeof graphGroupEntrySchema>;

/** A page of a delta round: `@odata.nextLink` on every page but the last, which carries `@odata.deltaLink`. */
export const graphDeltaPageSchema = z.looseObject({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().min(1).optional(),
  '@odata.deltaLink': z.string().min(1).optional(),
});
export type GraphDeltaPage = z.infer<typeof graphDeltaPageSchema>;

/** `GET /users/{id}?$select=…`: the complete user, when a delta entry carried only its changed properties. */
export const graphUserSchema = graphUserEntrySchema.extend({ userPrincipalName: z.string().min(1) });

/** A page of a plain list (`members`, `appRoleAssignedTo`, `users?$filter=…`): `@odata.nextLink` on all but the last. */
export const graphListPageSchema = z.looseObject({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().min(1).optional(),
});

/**
 * One `appRoleAssignment` of `GET /servicePrincipals/{id}/appRoleAssignedTo`
 * (https://learn.microsoft.com/graph/api/resources/approleassignment): who (`principalId`, of `principalType`
 * `User`, `Group` or `ServicePrincipal`) holds which app role (`appRoleId`) of the enterprise application.
 */
export const graphAppRoleAssignmentSchema = z.looseObject({
  principalId: z.string().min(1),
  principalType: z.string(),
  principalDisplayName: z.string().nullable().optional(),
  appRoleId: z.string().optional(),
});
export type GraphAppRoleAssignment = z.infer<typeof graphAppRoleAssignmentSchema>;
