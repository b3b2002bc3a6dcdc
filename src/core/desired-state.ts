import type { DesiredExtra, DesiredGroup, DesiredState, DesiredUser } from './model/desired-state.js';
import type { Directory } from './model/directory.js';
import { userAttributesOf, type DirectoryUser, type UserAttributeName } from './model/directory-user.js';
import { appGroupNameFor } from './policy/app-group-name-for.js';
import type { AttributeBag } from './policy/attribute-rule-matches.js';
import { attributeValue, type MappedScalar, type MappedValue } from './policy/attribute-value.js';
import { groupSelected, type GroupSelection } from './policy/group-selected.js';
import { membershipView, type MembershipView } from './policy/membership-view.js';
import { DEFAULT_POLICY, type GroupRef, type Policy } from './policy/policy.js';
import { roleFor } from './policy/role-for.js';
import { scimPathKey, type ScimAttributePath } from './policy/scim-attribute-path.js';
import { userInScope, type UserScopeDecision } from './policy/user-in-scope.js';

/**
 * What the app should hold, from what the directory says, through the connection's policy (DESIGN "Policy"):
 * - groups pushed by `scope.groups` (built-in ones out unless asked), named by their link or their own name;
 * - users in scope by `scope.users` (the IdP's app assignment is the connector's part: it reads only those);
 *   a user out of scope is absent, so the planner deactivates them like a departed person, under the guards;
 * - a group's members: its direct (or, `nestedGroups: flatten`, transitive) members that are active users in scope;
 * - `userName` from the login or the e-mail, and the policy's extra attributes and role.
 * Pure: the same directory and policy give the same state.
 */
export function desiredStateOf(directory: Directory, policy: Policy = DEFAULT_POLICY): DesiredState {
  const decisions = policyDecisionsOf(directory, policy);
  const users = new Map<string, DesiredUser>();
  for (const user of directory.users.values()) {
    if (decisions.userScope(user).inScope) users.set(user.id, decisions.desiredUser(user));
  }
  const groups = new Map<string, DesiredGroup>();
  for (const group of directory.groups.values()) {
    if (!decisions.groupSelection(group.id).selected) continue;
    const members = new Set<string>();
    for (const memberId of decisions.membership.usersOf(group.id)) {
      if (users.get(memberId)?.active === true) members.add(memberId);
    }
    groups.set(group.id, {
      externalId: group.id,
      displayName: appGroupNameFor(group, policy.groups.links),
      members,
    });
  }
  const cycles = decisions.membership.cycleEdges;
  return cycles.length === 0 ? { users, groups } : { users, groups, nestingCycles: cycles };
}

/** The policy's decisions on one directory, for `desiredStateOf` and for `why` (which shows them one by one). */
export interface PolicyDecisions {
  readonly membership: MembershipView;
  groupSelection(groupId: string): GroupSelection;
  userScope(user: DirectoryUser): UserScopeDecision;
  /** The groups the policy's group rules see the user in (direct or transitive, as `nestedGroups` says). */
  groupsOf(userId: string): readonly GroupRef[];
  /** The user as the app should hold them (whether in scope or not: ask `userScope`). */
  desiredUser(user: DirectoryUser): DesiredUser;
}

export function policyDecisionsOf(directory: Directory, policy: Policy): PolicyDecisions {
  const membership = membershipView(directory, policy.nestedGroups);
  const selections = new Map<string, GroupSelection>();
  for (const group of directory.groups.values()) {
    selections.set(group.id, groupSelected(group, policy.scope.groups));
  }
  const notAGroup: GroupSelection = { selected: false, reason: 'not-included' };
  const groupSelection = (groupId: string) => selections.get(groupId) ?? notAGroup;
  const inPushedGroup = lazy(() => {
    const members = new Set<string>();
    for (const [groupId, selection] of selections) {
      if (selection.selected) for (const id of membership.usersOf(groupId)) members.add(id);
    }
    return members;
  });
  const groupsByUser = lazy(() => {
    const byUser = new Map<string, GroupRef[]>();
    for (const group of directory.groups.values()) {
      const ref = { id: group.id, displayName: group.displayName };
      for (const id of membership.usersOf(group.id)) {
        const refs = byUser.get(id);
        if (refs === undefined) byUser.set(id, [ref]);
        else refs.push(ref);
      }
    }
    return byUser;
  });
  const groupsOf = (userId: string): readonly GroupRef[] => groupsByUser().get(userId) ?? [];
  const users = policy.scope.users;
  const rulesOnUsers = users.include.length > 0 || users.exclude.length > 0;
  const mapsExtra = policy.mapping.attributes.length > 0 || policy.roles !== undefined;
  return {
    membership,
    groupSelection,
    groupsOf,
    userScope: (user) =>
      userInScope(
        rulesOnUsers ? attributeBagOf(user) : {},
        users,
        users.membersOfPushedGroupsOnly && inPushedGroup().has(user.id),
      ),
    desiredUser: (user) => {
      const desired: DesiredUser = {
        externalId: user.id,
        userName: policy.mapping.userName === 'email' ? user.email : user.userName,
        email: user.email,
        givenName: user.givenName,
        familyName: user.familyName,
        displayName: user.displayName,
        active: user.active,
      };
      return mapsExtra ? withMapping(desired, user, groupsOf(user.id), policy) : desired;
    },
  };
}

/**
 * The attributes rules and mappings see: the IdP's own (Okta `profile.*`, Graph properties and `extension_*`),
 * over the model's fields (`userName`, `email`, `givenName`, `familyName`, `displayName`, `status`) for IdPs whose
 * names differ (Graph has no `email` property; it is `mail` or a proxy address).
 */
export function attributeBagOf(user: DirectoryUser): AttributeBag {
  return { ...userAttributesOf(user), status: user.status, ...user.attributes };
}

// SCIM paths of the attributes every user has (`UserAttributes`): a policy mapping one of them replaces the IdP's
// value (the backup app's "names set on create only") instead of adding an attribute.
const CORE_FIELDS: ReadonlyMap<string, 'givenName' | 'familyName' | 'displayName'> = new Map([
  ['name.givenname', 'givenName'],
  ['name.familyname', 'familyName'],
  ['displayname', 'displayName'],
]);

/** The field of the five a mapped SCIM path stands for (`name.givenName` → `givenName`), if any. */
export function coreFieldOf(path: ScimAttributePath): 'givenName' | 'familyName' | 'displayName' | undefined {
  return CORE_FIELDS.get(scimPathKey(path).toLowerCase());
}

/** The user with the policy's mapping and role applied. */
function withMapping(
  desired: DesiredUser,
  user: DirectoryUser,
  groups: readonly GroupRef[],
  policy: Policy,
): DesiredUser {
  const bag = attributeBagOf(user);
  const extra: Record<string, DesiredExtra> = {};
  const core: Partial<Record<'givenName' | 'familyName' | 'displayName', string>> = {};
  const createOnly: UserAttributeName[] = [];
  for (const mapped of policy.mapping.attributes) {
    const { value, createOnly: once } = attributeValue(mapped.source, bag, groups);
    const key = scimPathKey(mapped.target);
    const field = coreFieldOf(mapped.target);
    if (field === undefined) {
      extra[key] = { value: value ?? null, createOnly: once };
      continue;
    }
    // No value: the IdP's own (a name is never cleared); a list: its first entry.
    const scalar: MappedScalar | undefined = isScalarList(value) ? value[0] : value;
    if (scalar !== undefined) core[field] = String(scalar);
    if (once) createOnly.push(field);
  }
  if (policy.roles !== undefined) {
    extra[scimPathKey(policy.roles.target)] = { value: roleFor(groups, policy.roles).value ?? null, createOnly: false };
  }
  return {
    ...desired,
    ...core,
    ...(Object.keys(extra).length === 0 ? {} : { extra }),
    ...(createOnly.length === 0 ? {} : { createOnly }),
  };
}

function lazy<T>(compute: () => T): () => T {
  let value: { readonly is: T } | undefined;
  return () => (value ??= { is: compute() }).is;
}

function isScalarList(value: MappedValue['value']): value is readonly MappedScalar[] {
  return Array.isArray(value);
}
