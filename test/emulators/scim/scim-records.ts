import { z } from 'zod';
import type { JsonValue } from './scim-json.js';

// Typed views of what the emulator stores, for assertions in tests. Parsed, not cast: a record that does not fit
// means the emulator stored something it should have refused.

const meta = z.object({
  resourceType: z.string(),
  created: z.string(),
  lastModified: z.string(),
  location: z.string(),
  version: z.string(),
});

/** One value of a multi-valued attribute (RFC 7643 §2.4): `phoneNumbers`, `roles`. */
const typedValue = z
  .object({ value: z.string(), type: z.string(), primary: z.boolean(), display: z.string() })
  .partial();

/** A user as stored; attributes the assertions do not read (nickName, addresses, …) are not listed. */
export const scimUserRecordSchema = z.object({
  id: z.string(),
  userName: z.string(),
  externalId: z.string().optional(),
  displayName: z.string().optional(),
  name: z
    .object({ formatted: z.string(), givenName: z.string(), familyName: z.string(), middleName: z.string() })
    .partial()
    .optional(),
  emails: z
    .array(
      z.object({
        value: z.string().optional(),
        type: z.string().optional(),
        primary: z.boolean().optional(),
        display: z.string().optional(),
      }),
    )
    .optional(),
  active: z.boolean().optional(),
  title: z.string().optional(),
  phoneNumbers: z.array(typedValue).optional(),
  roles: z.array(typedValue).optional(),
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': z
    .object({
      employeeNumber: z.string(),
      costCenter: z.string(),
      organization: z.string(),
      division: z.string(),
      department: z.string(),
    })
    .partial()
    .optional(),
  // The `dovetail` dialect's role and extension.
  role: z.string().optional(),
  'urn:ietf:params:scim:schemas:extension:dovetail:2.0:User': z
    .object({ workspaceAdmin: z.boolean() })
    .partial()
    .optional(),
  meta,
});
export type ScimUserRecord = z.infer<typeof scimUserRecordSchema>;

export const scimGroupRecordSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  externalId: z.string().optional(),
  members: z
    .array(z.object({ value: z.string(), type: z.string(), $ref: z.string(), display: z.string().optional() }))
    .optional(),
  meta,
});
export type ScimGroupRecord = z.infer<typeof scimGroupRecordSchema>;

/** A user that exists in the app before dirsync runs (created by hand, or by another tool). */
export interface ScimSeedUser {
  readonly userName: string;
  readonly externalId?: string;
  readonly displayName?: string;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly email?: string;
  readonly active?: boolean;
  /** Any other attributes as the app holds them: `{ title: "CFO", phoneNumbers: [{ type: "home", value: "…" }] }`. */
  readonly attributes?: Readonly<Record<string, JsonValue>>;
}

export interface ScimSeedGroup {
  readonly displayName: string;
  readonly externalId?: string;
  /** App ids of existing users or groups. */
  readonly memberIds?: readonly string[];
}
