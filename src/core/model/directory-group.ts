/** A group as the identity provider describes it. */
export interface DirectoryGroup {
  /** The IdP's immutable id; becomes the app group's `externalId`. */
  readonly id: string;
  readonly displayName: string;
  /** True for IdP-managed groups such as Okta's `Everyone` (`type: BUILT_IN`), out of scope by default. */
  readonly builtIn: boolean;
}
