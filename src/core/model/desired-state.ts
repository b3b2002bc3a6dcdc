import type { UserAttributeName, UserAttributes } from './directory-user.js';
import type { ScimAttributeValue } from './extra-attributes.js';

export interface DesiredUser extends UserAttributes {
  readonly externalId: string;
  readonly active: boolean;
  /**
   * The policy's extra attributes (mapping and role) by canonical path; `value: null` where the policy maps the
   * attribute but gives this user no value (cleared if dirsync set it). Absent: the policy maps none.
   */
  readonly extra?: Readonly<Record<string, DesiredExtra>>;
  /** Attributes of the five that the policy maps with `createOnly`: written on create, never updated. */
  readonly createOnly?: readonly UserAttributeName[];
}

export interface DesiredExtra {
  readonly value: ScimAttributeValue | null;
  /** Written on create only; afterwards the app's value stands. */
  readonly createOnly: boolean;
}

export interface DesiredGroup {
  readonly externalId: string;
  readonly displayName: string;
  /** externalIds of the active in-scope users that are members (direct, or transitive with `nestedGroups: flatten`). */
  readonly members: ReadonlySet<string>;
}

/** The app state we want, derived from the directory by scope and mapping. */
export interface DesiredState {
  /** Every directory user in scope, active or not. */
  readonly users: ReadonlyMap<string, DesiredUser>;
  readonly groups: ReadonlyMap<string, DesiredGroup>;
  /** With `nestedGroups: flatten`: the nesting edges that close a cycle (`group` has `member` as a member). */
  readonly nestingCycles?: readonly { readonly group: string; readonly member: string }[];
}
