import type { z } from 'zod';
import type { DirectoryChange } from '../../src/core/model/directory-change.js';
import { graphUserToDirectoryUser } from '../../src/core/mapping/graph-user-mapping.js';
import { USER_SELECT } from './graph-wire.js';
import type { GraphGroupEntry, GraphMemberEntry, GraphUserEntry } from './graph-wire.js';

const USER_TYPE = '#microsoft.graph.user';

/** A user entry that carries every property the mapping reads (present, possibly null). */
export type CompleteGraphUser = GraphUserEntry & { readonly userPrincipalName: string };

/**
 * True when the entry holds the whole user. In a later delta round Graph may send only the properties that changed
 * ("at least the properties that have been updated", https://learn.microsoft.com/graph/delta-query-overview): an
 * absent property is unknown, not null, so such a user must be fetched before it is mapped.
 */
export function isCompleteGraphUser(entry: GraphUserEntry): entry is CompleteGraphUser {
  return USER_SELECT.every((name) => Object.hasOwn(entry, name)) && entry.userPrincipalName !== undefined;
}

/** `user` for a complete user, `user.deleted` for an `@removed` entry (soft- or hard-deleted: not active either way). */
export function graphUserChange(entry: CompleteGraphUser | (GraphUserEntry & { '@removed': object })): DirectoryChange {
  if (entry['@removed'] !== undefined || entry.userPrincipalName === undefined) {
    return { type: 'user.deleted', id: entry.id };
  }
  return {
    type: 'user',
    user: graphUserToDirectoryUser({
      id: entry.id,
      userPrincipalName: entry.userPrincipalName,
      accountEnabled: entry.accountEnabled,
      mail: entry.mail,
      proxyAddresses: entry.proxyAddresses,
      otherMails: entry.otherMails,
      givenName: entry.givenName,
      surname: entry.surname,
      displayName: entry.displayName,
    }),
  };
}

/**
 * The changes one group object of a delta page stands for. `full`: a full round, where `members@delta` lists the
 * members (split over several objects for a big group: one `members.replace` each, which the consumer concatenates).
 * `delta`: a later round, where `members@delta` lists the members added and (`@removed`) removed. Only direct user
 * members count; nested groups and other directory objects are ignored.
 */
export function graphGroupChanges(entry: GraphGroupEntry, round: 'full' | 'delta'): DirectoryChange[] {
  if (entry['@removed'] !== undefined) return [{ type: 'group.deleted', id: entry.id }];
  const changes: DirectoryChange[] = [];
  // Continuation objects of a big group (and member-only changes) carry no properties, only `members@delta`.
  if (typeof entry.displayName === 'string') {
    changes.push({ type: 'group', group: { id: entry.id, displayName: entry.displayName, builtIn: false } });
  }
  const members = entry['members@delta'] ?? [];
  if (round === 'full') {
    const memberIds = members.filter((member) => isUser(member) && member['@removed'] === undefined);
    changes.push({ type: 'members.replace', groupId: entry.id, memberIds: memberIds.map((member) => member.id) });
    return changes;
  }
  const added = members.filter((member) => isUser(member) && member['@removed'] === undefined);
  // A removal may come without its type; removing a non-member (or a nested group's id) changes nothing downstream.
  const removed = members.filter((member) => member['@removed'] !== undefined && !isNonUser(member));
  if (added.length > 0 || removed.length > 0) {
    changes.push({
      type: 'members.delta',
      groupId: entry.id,
      added: added.map((member) => member.id),
      removed: removed.map((member) => member.id),
    });
  }
  return changes;
}

function isUser(member: GraphMemberEntry): boolean {
  return member['@odata.type']?.toLowerCase() === USER_TYPE;
}

function isNonUser(member: GraphMemberEntry): boolean {
  return member['@odata.type'] !== undefined && !isUser(member);
}

/**
 * A user or group entry its schema refused (no `userPrincipalName`, a mistyped `accountEnabled`, a malformed
 * `members@delta`…): isolated under its id when it has one that is a non-empty string, else counted as unidentified.
 * A malformed removal is isolated too: nothing is deleted on the word of a record dirsync cannot read. The reason
 * names the field, never the value (it may be hostile).
 */
export function graphInvalidEntryChange(kind: 'user' | 'group', raw: unknown, error: z.ZodError): DirectoryChange {
  const issue = error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? 'record' : issue.path.map(String).join('.');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  const isolation = { field, reason: `${field}: ${issue?.message ?? 'invalid'}${more}` };
  const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string' ? raw.id : '';
  if (id === '') return { type: 'unidentified', kind, ...isolation };
  return kind === 'user' ? { type: 'user.isolated', id, ...isolation } : { type: 'group.isolated', id, ...isolation };
}
