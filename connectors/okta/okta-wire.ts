import { z } from 'zod';
import { OKTA_USER_STATUSES } from '../../src/core/mapping/okta-user-mapping.js';

// The fields dirsync reads from the Okta management API; everything else on the wire is ignored.

const optionalText = z.string().nullish();

/** A user of the Users API (`/api/v1/users`, `/api/v1/groups/{id}/users`). */
export const oktaUserSchema = z.object({
  id: z.string().min(1),
  status: z.enum(OKTA_USER_STATUSES),
  lastUpdated: optionalText,
  // Loose: custom profile attributes (`department`, `costCenter`, an admin's own) are kept for the policy.
  profile: z.looseObject({
    login: z.string().min(1),
    email: optionalText,
    firstName: optionalText,
    lastName: optionalText,
    displayName: optionalText,
  }),
});
export type OktaUser = z.infer<typeof oktaUserSchema>;

/** A group of the Groups API; `type` is `OKTA_GROUP`, `APP_GROUP` or `BUILT_IN` (Everyone). */
export const oktaGroupSchema = z.object({
  id: z.string().min(1),
  type: z.string(),
  lastUpdated: optionalText,
  lastMembershipUpdated: optionalText,
  profile: z.looseObject({ name: z.string() }),
});
export type OktaGroup = z.infer<typeof oktaGroupSchema>;

/** An app user or app group assignment: only its id (the user's or group's) is read. */
export const oktaAssignmentSchema = z.object({ id: z.string().min(1) });

/** A System Log event. */
export const oktaLogEventSchema = z.object({
  eventType: z.string(),
  target: z
    .array(z.object({ id: z.string().min(1), type: z.string() }))
    .nullish()
    .transform((targets) => targets ?? []),
});
export type OktaLogEvent = z.infer<typeof oktaLogEventSchema>;
