import { z } from 'zod';

/**
 * The Graph v1.0 fields the connector reads (https://learn.microsoft.com/graph/api/user-delta,
 * https://learn.microsoft.com/graph/api/group-delta). Objects are loose: Graph may add properties.
 */

/** The properties of `users/delta` the mapping needs (`graphUserToDirectoryUser`). */
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
] as const;

export const GROUP_SELECT = ['id', 'displayName', 'members'] as const;

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
