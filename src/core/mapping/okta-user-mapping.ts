import type { DirectoryUser } from '../model/directory-user.js';
import { displayNameOf } from './display-name.js';

/** Okta lifecycle statuses (https://developer.okta.com/docs/reference/api/users/#user-status). */
export const OKTA_USER_STATUSES = [
  'STAGED',
  'PROVISIONED',
  'ACTIVE',
  'RECOVERY',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'SUSPENDED',
  'DEPROVISIONED',
] as const;
export type OktaUserStatus = (typeof OKTA_USER_STATUSES)[number];

// A user who can (or is about to) sign in keeps app access: a locked-out or expired password is a
// sign-in problem, not a departure. STAGED people have not started; SUSPENDED and DEPROVISIONED have left.
const ACTIVE_STATUSES: ReadonlySet<OktaUserStatus> = new Set([
  'ACTIVE',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'RECOVERY',
  'PROVISIONED',
]);

export function isOktaStatusActive(status: OktaUserStatus): boolean {
  return ACTIVE_STATUSES.has(status);
}

/** The fields of an Okta user that dirsync reads, already validated by the connector. */
export interface OktaUserFields {
  readonly id: string;
  readonly status: OktaUserStatus;
  readonly profile: {
    readonly login: string;
    readonly email?: string | null | undefined;
    readonly firstName?: string | null | undefined;
    readonly lastName?: string | null | undefined;
    readonly displayName?: string | null | undefined;
  };
}

export function oktaUserToDirectoryUser(user: OktaUserFields): DirectoryUser {
  const givenName = user.profile.firstName ?? '';
  const familyName = user.profile.lastName ?? '';
  return {
    id: user.id,
    userName: user.profile.login,
    // Okta requires `email` on the default profile; the login is the fallback for custom profiles without it.
    email: nonEmpty(user.profile.email) ?? user.profile.login,
    givenName,
    familyName,
    displayName: displayNameOf(user.profile.displayName, givenName, familyName, user.profile.login),
    active: isOktaStatusActive(user.status),
    status: user.status,
  };
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value.trim();
}
