import type { UserAttributes } from './directory-user.js';

export interface DesiredUser extends UserAttributes {
  readonly externalId: string;
  readonly active: boolean;
}

export interface DesiredGroup {
  readonly externalId: string;
  readonly displayName: string;
  /** externalIds of the active in-scope users that are direct members. */
  readonly members: ReadonlySet<string>;
}

/** The app state we want, derived from the directory by scope and mapping. */
export interface DesiredState {
  /** Every directory user in scope, active or not. */
  readonly users: ReadonlyMap<string, DesiredUser>;
  readonly groups: ReadonlyMap<string, DesiredGroup>;
}
