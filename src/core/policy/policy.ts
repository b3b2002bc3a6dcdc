import type { ScimAttributePath } from './scim-attribute-path.js';

/**
 * A validated policy (DESIGN "Policy"): which users and groups of the IdP are in scope, how they map onto the
 * app's SCIM attributes, roles and group names. Built by `parsePolicyDocument` (src/config) from the YAML/JSON
 * document, or `DEFAULT_POLICY`. Plain data, normalised: every rule carries a `kind`, so the pure functions of
 * this folder switch exhaustively instead of probing keys.
 */
export interface Policy {
  readonly scope: {
    readonly users: UserScope;
    readonly groups: GroupScope;
  };
  /** `direct` (default): an app group holds the IdP group's direct members; `flatten`: its transitive members. */
  readonly nestedGroups: 'direct' | 'flatten';
  readonly mapping: Mapping;
  /** Absent: dirsync sets no role (the app's default applies). */
  readonly roles: RolePolicy | undefined;
  readonly groups: {
    /** IdP group (id or name) → existing app group of another name (Okta's "Link Group"). */
    readonly links: readonly GroupLink[];
  };
}

/** A scalar as written in the document: compared as text, case-insensitively (see `attributeRuleMatches`). */
export type PolicyScalar = string | number | boolean;

/** A test on one attribute of a user or group's attribute bag. */
export type AttributeRule =
  | { readonly kind: 'equals'; readonly attribute: string; readonly value: PolicyScalar }
  | { readonly kind: 'in'; readonly attribute: string; readonly values: readonly PolicyScalar[] }
  | { readonly kind: 'matches'; readonly attribute: string; readonly glob: string }
  | { readonly kind: 'exists'; readonly attribute: string; readonly exists: boolean };

export interface UserScope {
  /** Empty: every user is included (then `exclude` applies). Otherwise a user must match at least one. */
  readonly include: readonly AttributeRule[];
  /** A user matching any of these is out of scope, whatever `include` says. */
  readonly exclude: readonly AttributeRule[];
  /** Only users who are members of at least one pushed (selected) group are in scope. */
  readonly membersOfPushedGroupsOnly: boolean;
}

/** How a group is picked: its display name against a glob, its IdP id, or a rule on its attributes. */
export type GroupSelector =
  | { readonly kind: 'name'; readonly glob: string }
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'rule'; readonly rule: AttributeRule };

export interface GroupScope {
  /** Empty: every group is pushed (then `exclude` applies). */
  readonly include: readonly GroupSelector[];
  readonly exclude: readonly GroupSelector[];
  /** Okta's `Everyone` and other IdP-managed groups; out by default, even when `include` names them. */
  readonly includeBuiltInGroups: boolean;
}

export interface Mapping {
  /** `login` (default): Okta `profile.login`, Graph `userPrincipalName`; `email`: the user's e-mail. */
  readonly userName: 'login' | 'email';
  /** Extra SCIM attributes, in document order; each path appears once. */
  readonly attributes: readonly MappedAttribute[];
}

/** One SCIM attribute the policy sets, and where its value comes from. */
export interface MappedAttribute {
  /** The SCIM path as written in the document (`title`, `urn:…:User:workspaceAdmin`). */
  readonly path: string;
  readonly target: ScimAttributePath;
  readonly source: AttributeSource;
}

/** Where a mapped value comes from; `createOnly`: set on create, never updated afterwards. */
export type AttributeSource =
  | { readonly kind: 'attribute'; readonly attribute: string; readonly createOnly: boolean }
  | { readonly kind: 'constant'; readonly value: PolicyScalar; readonly createOnly: boolean }
  | {
      readonly kind: 'group';
      /** A group name (case-insensitive) or IdP id the user is a direct member of. */
      readonly group: string;
      readonly then: PolicyScalar;
      /** Absent: the attribute is not set for non-members. */
      readonly else: PolicyScalar | undefined;
      readonly createOnly: boolean;
    };

export interface RolePolicy {
  /** The SCIM path the role is written to (`roles`, or an app attribute such as Dovetail's `role`). */
  readonly path: string;
  readonly target: ScimAttributePath;
  /** Ordered: the first rule whose group the user is in gives the role. */
  readonly rules: readonly RoleRule[];
  /** The role of a user no rule matches; absent: no role is set. */
  readonly default: PolicyScalar | undefined;
}

export interface RoleRule {
  /** A group name (case-insensitive) or IdP id. */
  readonly group: string;
  readonly value: PolicyScalar;
}

export interface GroupLink {
  /** The IdP group's id (exact) or display name (case-insensitive). */
  readonly from: string;
  /** The existing app group's name. */
  readonly to: string;
}

/** A group as the policy's group rules see it: a user's groups are given as these. */
export interface GroupRef {
  readonly id: string;
  readonly displayName: string;
}

/**
 * Today's behaviour: every user in scope, every group pushed except built-in ones, direct members, userName from
 * the login, no extra attributes, no roles, no links.
 */
export const DEFAULT_POLICY: Policy = Object.freeze({
  scope: Object.freeze({
    users: Object.freeze({ include: [], exclude: [], membersOfPushedGroupsOnly: false }),
    groups: Object.freeze({ include: [], exclude: [], includeBuiltInGroups: false }),
  }),
  nestedGroups: 'direct',
  mapping: Object.freeze({ userName: 'login', attributes: [] }),
  roles: undefined,
  groups: Object.freeze({ links: [] }),
});
