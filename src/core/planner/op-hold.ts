/**
 * Why an op waits for a person instead of being applied (DESIGN "Semantics", Adoption): the app holds a user
 * that looks like someone else's account. Stored as JSON in `ops.hold`; `dirsync approve <op-key>` lets the
 * next run adopt it on purpose. Both identities are kept so that the summary, `status` and `why` can show them.
 */
export type OpHoldReason =
  /** The app user of that login carries another `externalId`. */
  | 'recycled-other-external-id'
  /** dirsync knows the app user under another IdP id. */
  | 'recycled-known-as-other'
  /** The app user of that login is inactive (a departed person's account). */
  | 'recycled-inactive'
  /** The login or e-mail differs from an existing app user's only by Unicode confusables or case. */
  | 'confusable';

/** One side of a hold: the person the IdP brings, or the account the app already has. */
export interface HeldIdentity {
  /** The IdP id (`externalId`), when there is one. */
  readonly externalId: string | null;
  /** The app's id, for the account already in the app. */
  readonly appId: string | null;
  readonly userName: string;
  readonly email: string;
  readonly displayName: string;
  readonly active: boolean;
}

export interface OpHold {
  readonly reason: OpHoldReason;
  /** What the operator reads: one sentence naming both identities. */
  readonly message: string;
  /** The person the op is for (from the IdP). */
  readonly incoming: HeldIdentity;
  /** The account already in the app that the op would take over or be confused with. */
  readonly existing: HeldIdentity;
}
