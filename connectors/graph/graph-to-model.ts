import type { z } from 'zod';
import { idpAttributesOf } from '../../src/core/mapping/idp-attributes.js';
import type { DirectoryChange } from '../../src/core/model/directory-change.js';
import type { DirectoryGroup } from '../../src/core/model/directory-group.js';
import type { IdpAttributes } from '../../src/core/model/directory-user.js';
import { graphUserToDirectoryUser } from '../../src/core/mapping/graph-user-mapping.js';
import { isDirectoryExtension } from './graph-selection.js';
import { GROUP_PROPERTIES, USER_SELECT } from './graph-wire.js';
import type { GraphGroupEntry, GraphMemberEntry, GraphUserEntry } from './graph-wire.js';

const USER_TYPE = '#microsoft.graph.user';
const GROUP_TYPE = '#microsoft.graph.group';

/** A user entry that carries every property the mapping reads (present, possibly null). */
export type CompleteGraphUser = GraphUserEntry & { readonly userPrincipalName: string };

/** A group entry that carries its name (and, when complete, every property of `GROUP_PROPERTIES`). */
export type NamedGraphGroup = GraphGroupEntry & { readonly displayName: string };

/**
 * True when the entry holds the whole user as selected by `select` (default: `USER_SELECT`). In a later delta round
 * Graph may send only the properties that changed ("at least the properties that have been updated",
 * https://learn.microsoft.com/graph/delta-query-overview): an absent property is unknown, not null, so such a user
 * must be fetched before it is mapped.
 *
 * Directory extension attributes are the exception: Graph leaves out one the user has no value for. In a full round
 * (whole objects) an absent extension is therefore unset and does not make the entry incomplete; in a later round it
 * might be an unchanged value left out, so there it does, and the user is fetched (`GET /users/{id}` answers whole
 * users, where an absent extension is unset).
 */
export function isCompleteGraphUser(
  entry: GraphUserEntry,
  select: readonly string[] = USER_SELECT,
  round: 'full' | 'delta' = 'full',
): entry is CompleteGraphUser {
  const required = round === 'full' ? select.filter((name) => !isDirectoryExtension(name)) : select;
  return required.every((name) => Object.hasOwn(entry, name)) && entry.userPrincipalName !== undefined;
}

/**
 * `user` for a complete user, with the selected properties (all but `id`) as its attributes for the policy, under
 * their Graph names; `user.deleted` for an `@removed` entry (soft- or hard-deleted: not active either way).
 */
export function graphUserChange(
  entry: CompleteGraphUser | (GraphUserEntry & { '@removed': object }),
  select: readonly string[] = USER_SELECT,
): DirectoryChange {
  if (entry['@removed'] !== undefined || entry.userPrincipalName === undefined) {
    return { type: 'user.deleted', id: entry.id };
  }
  const user = graphUserToDirectoryUser({
    id: entry.id,
    userPrincipalName: entry.userPrincipalName,
    accountEnabled: entry.accountEnabled,
    mail: entry.mail,
    proxyAddresses: entry.proxyAddresses,
    otherMails: entry.otherMails,
    givenName: entry.givenName,
    surname: entry.surname,
    displayName: entry.displayName,
  });
  // Not a leading spread: it would give each user a hidden class of its own (see `oktaUserToModel`).
  return { type: 'user', user: Object.assign(user, { attributes: selectedAttributes(entry, select) }) };
}

/** True when the entry carries any property of the group itself (not only `id` and `members@delta`). */
export function carriesGroupProperties(entry: GraphGroupEntry): boolean {
  return GROUP_PROPERTIES.some((name) => Object.hasOwn(entry, name));
}

/**
 * True when the entry holds the whole group: its name and every other selected property (present, possibly null).
 * Like users, a group changed in a later round may come with its changed properties only, and is then fetched.
 */
export function isCompleteGraphGroup(entry: GraphGroupEntry): entry is NamedGraphGroup {
  return typeof entry.displayName === 'string' && GROUP_PROPERTIES.every((name) => Object.hasOwn(entry, name));
}

/** The group of a named entry, with its selected properties (all but `id` and `members`) as attributes. */
export function graphGroupChange(entry: NamedGraphGroup): DirectoryChange {
  const group: DirectoryGroup = {
    id: entry.id,
    displayName: entry.displayName,
    builtIn: false,
    attributes: selectedAttributes(entry, GROUP_PROPERTIES),
  };
  return { type: 'group', group };
}

/**
 * The member changes one group object of a delta page stands for. `full`: a full round, where `members@delta` lists
 * the members (split over several objects for a big group: one `members.replace` each, which the consumer
 * concatenates). `delta`: a later round, where `members@delta` lists the members added and (`@removed`) removed.
 *
 * Direct members that are users or groups count: a nested group's id stands among the members, for the policy to
 * flatten or ignore. Devices, service principals and contacts are left out. A removal that comes without its type is
 * passed on: removing a non-member changes nothing downstream.
 */
export function graphMemberChanges(entry: GraphGroupEntry, round: 'full' | 'delta'): DirectoryChange[] {
  const members = entry['members@delta'] ?? [];
  if (round === 'full') {
    const memberIds = members.filter((member) => isUserOrGroup(member) && member['@removed'] === undefined);
    return [{ type: 'members.replace', groupId: entry.id, memberIds: memberIds.map((member) => member.id) }];
  }
  const added = members.filter((member) => isUserOrGroup(member) && member['@removed'] === undefined);
  const removed = members.filter(
    (member) => member['@removed'] !== undefined && (member['@odata.type'] === undefined || isUserOrGroup(member)),
  );
  if (added.length === 0 && removed.length === 0) return [];
  return [
    {
      type: 'members.delta',
      groupId: entry.id,
      added: added.map((member) => member.id),
      removed: removed.map((member) => member.id),
    },
  ];
}

/**
 * The changes one group object of a delta page stands for, when it needs no fetching: `group.deleted` for an
 * `@removed` entry; else the group when the entry carries its name, then its member changes (`graphMemberChanges`).
 */
export function graphGroupChanges(entry: GraphGroupEntry, round: 'full' | 'delta'): DirectoryChange[] {
  if (entry['@removed'] !== undefined) return [{ type: 'group.deleted', id: entry.id }];
  const named =
    typeof entry.displayName === 'string' ? [graphGroupChange({ ...entry, displayName: entry.displayName })] : [];
  return [...named, ...graphMemberChanges(entry, round)];
}

/** A member entry that is a user or a group (by `@odata.type`, compared case-insensitively). */
function isUserOrGroup(member: GraphMemberEntry): boolean {
  const type = member['@odata.type']?.toLowerCase();
  return type === USER_TYPE || type === GROUP_TYPE;
}

function selectedAttributes(entry: Readonly<Record<string, unknown>>, select: readonly string[]): IdpAttributes {
  const picked: Record<string, unknown> = {};
  for (const name of select) {
    if (name === 'id' || !Object.hasOwn(entry, name)) continue;
    picked[name] = entry[name];
  }
  return idpAttributesOf(picked);
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
