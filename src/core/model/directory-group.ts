import type { IdpAttributes } from './directory-user.js';

/** A group as the identity provider describes it. */
export interface DirectoryGroup {
  /** The IdP's immutable id; becomes the app group's `externalId`. */
  readonly id: string;
  readonly displayName: string;
  /** True for IdP-managed groups such as Okta's `Everyone` (`type: BUILT_IN`), out of scope by default. */
  readonly builtIn: boolean;
  /** The IdP's attributes of the group (Okta `profile.*`, Graph properties), for the policy's group rules. */
  readonly attributes?: IdpAttributes;
}
