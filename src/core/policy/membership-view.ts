import type { Directory } from '../model/directory.js';
import { flattenMembers, type DirectMembers, type NestingEdge } from './flatten-members.js';

/** A group's user members as the policy sees them: direct, or transitive through nested groups. */
export interface MembershipView {
  /** The user ids the group holds (users of the directory only; other member ids are left out). */
  usersOf(groupId: string): ReadonlySet<string>;
  /** Nesting edges that close a cycle (flattened view only), for the operator to break in the IdP. */
  readonly cycleEdges: readonly NestingEdge[];
}

const NONE: ReadonlySet<string> = new Set();

/**
 * `direct`: a group's members that are users. `flatten`: also the users of every group nested in it, at any depth
 * (`flattenMembers`), through groups whether pushed or not: a pushed group's people are its people, however the
 * IdP organises them.
 */
export function membershipView(directory: Directory, nestedGroups: 'direct' | 'flatten'): MembershipView {
  if (nestedGroups === 'direct') {
    const users = new Map<string, ReadonlySet<string>>();
    for (const [groupId, members] of directory.members) {
      const kept = [...members].filter((id) => directory.users.has(id));
      users.set(groupId, kept.length === members.size ? members : new Set(kept));
    }
    return { usersOf: (groupId) => users.get(groupId) ?? NONE, cycleEdges: [] };
  }
  const direct = new Map<string, DirectMembers>();
  for (const groupId of directory.groups.keys()) {
    const members = [...(directory.members.get(groupId) ?? [])];
    direct.set(groupId, {
      users: new Set(members.filter((id) => directory.users.has(id))),
      groups: new Set(members.filter((id) => directory.groups.has(id))),
    });
  }
  const flattened = flattenMembers(direct);
  return { usersOf: (groupId) => flattened.members.get(groupId) ?? NONE, cycleEdges: flattened.cycleEdges };
}
