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
  /**
   * The IdP's attributes as it names them (Okta `profile.*`, custom ones included; Graph properties and
   * `extension_*`), for the policy's rules and mappings. Absent: none beyond the fields above.
   */
  readonly attributes?: IdpAttributes;
}

/** A value an IdP attribute may hold once read: scalars and lists of them (objects are not kept). */
export type IdpAttributeValue = string | number | boolean | null | readonly (string | number | boolean)[];

/** IdP attributes by the IdP's own name. */
export type IdpAttributes = Readonly<Record<string, IdpAttributeValue>>;

export const USER_ATTRIBUTE_NAMES = ['userName', 'email', 'givenName', 'familyName', 'displayName'] as const;
export type UserAttributeName = (typeof USER_ATTRIBUTE_NAMES)[number];

/** The five attributes of anything that has them (a directory, desired or app user), and nothing else. */
export function userAttributesOf(user: UserAttributes): UserAttributes {
  return {
    userName: user.userName,
    email: user.email,
    givenName: user.givenName,
    familyName: user.familyName,
    displayName: user.displayName,
  };
}
