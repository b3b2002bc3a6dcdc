/** The attributes dirsync manages on an app user. Names follow SCIM's core User schema. */
export interface UserAttributes {
  /** The login. Compared case-insensitively; created with the IdP's own spelling. */
  readonly userName: string;
  readonly email: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly displayName: string;
}

/** A person as the identity provider describes them, after mapping (see `src/core/mapping`). */
export interface DirectoryUser extends UserAttributes {
  /** The IdP's immutable id; becomes the app user's `externalId`. */
  readonly id: string;
  /** Whether the IdP considers the person active (Okta lifecycle status, Graph `accountEnabled`). */
  readonly active: boolean;
  /** The IdP's own status word, kept for `status` output and logs (e.g. `SUSPENDED`, `disabled`). */
  readonly status: string;
}

export const USER_ATTRIBUTE_NAMES = ['userName', 'email', 'givenName', 'familyName', 'displayName'] as const;
export type UserAttributeName = (typeof USER_ATTRIBUTE_NAMES)[number];
