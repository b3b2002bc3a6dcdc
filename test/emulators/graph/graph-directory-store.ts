import { randomUUID } from 'node:crypto';
import type { JsonObject } from './graph-json.js';
import { USER_DEFAULTS } from './graph-directory-objects.js';
import type {
  GraphGroupPatch,
  GraphGroupRecord,
  GraphGroupSeed,
  GraphMemberRef,
  GraphMemberType,
  GraphRemovedReason,
  GraphUserPatch,
  GraphUserRecord,
  GraphUserSeed,
} from './graph-directory-objects.js';

interface Tracked<T> {
  record: T;
  /** Sequence number of the last change; delta rounds compare it with the sequence their token carries. */
  changedAt: number;
  removed: GraphRemovedReason | undefined;
}

interface MemberEvent {
  readonly seq: number;
  readonly groupId: string;
  readonly member: GraphMemberRef;
  readonly present: boolean;
}

/** A change to an object since a sequence number: its current state, or why it is gone. */
export type GraphObjectChange<T> =
  | { readonly id: string; readonly record: T; readonly removed?: undefined }
  | { readonly id: string; readonly removed: GraphRemovedReason };

export interface GraphMemberChange {
  readonly member: GraphMemberRef;
  readonly added: boolean;
}

/**
 * Users, groups and memberships in memory, with a sequence number bumped by every change so delta rounds can
 * report exactly what happened after their token was issued. Deleted objects stay as tombstones.
 */
export class GraphDirectoryStore {
  #seq = 0;
  readonly #users = new Map<string, Tracked<GraphUserRecord>>();
  readonly #groups = new Map<string, Tracked<GraphGroupRecord>>();
  readonly #members = new Map<string, Map<string, GraphMemberType>>();
  readonly #memberEvents: MemberEvent[] = [];
  readonly #wire = new Map<string, JsonObject>();

  /** The sequence number of the latest change (0 for an empty directory). */
  get seq(): number {
    return this.#seq;
  }

  createUser(seed: GraphUserSeed): GraphUserRecord {
    const id = seed.id ?? randomUUID();
    if (this.user(id) !== undefined) throw new Error(`user ${id} exists`);
    const record: GraphUserRecord = withoutUnsetExtensions({ ...USER_DEFAULTS, ...seed, id });
    this.#users.set(id, { record, changedAt: ++this.#seq, removed: undefined });
    return record;
  }

  /** Changes properties; an `extension_…` attribute set to null is removed, as a PATCH does on Graph. */
  updateUser(id: string, patch: GraphUserPatch): GraphUserRecord {
    const tracked = this.#live(this.#users, id, 'user');
    tracked.record = withoutUnsetExtensions({ ...tracked.record, ...patch, id });
    tracked.changedAt = ++this.#seq;
    return tracked.record;
  }

  /**
   * Serves `fields` in place of the user's own properties on the wire from now on (`{ userPrincipalName: null }`,
   * `{ accountEnabled: 'yes' }`, `{ id: 7 }`), or the user as recorded again with `undefined`: how tests make Graph
   * send a malformed user. The next delta round reports the user as changed.
   */
  setWireOverride(id: string, fields: JsonObject | undefined): void {
    const tracked = this.#live(this.#users, id, 'user');
    if (fields === undefined) this.#wire.delete(id);
    else this.#wire.set(id, { ...fields });
    tracked.changedAt = ++this.#seq;
  }

  /** The fields `setWireOverride` put in place of the user's own, if any. */
  wireOverride(id: string): JsonObject | undefined {
    return this.#wire.get(id);
  }

  /**
   * Deletes a user. Soft by default (`@removed.reason: "changed"`, as Entra's deleted-items bin), or permanently.
   * The user also leaves every group, and the groups' delta reports it.
   */
  deleteUser(id: string, options: { readonly permanently?: boolean } = {}): void {
    const tracked = this.#live(this.#users, id, 'user');
    for (const [groupId, members] of this.#members) {
      if (members.has(id)) this.removeMember(groupId, id);
    }
    tracked.removed = options.permanently === true ? 'deleted' : 'changed';
    tracked.changedAt = ++this.#seq;
  }

  createGroup(seed: GraphGroupSeed): GraphGroupRecord {
    const id = seed.id ?? randomUUID();
    if (this.group(id) !== undefined) throw new Error(`group ${id} exists`);
    const unified = seed.groupTypes?.includes('Unified') ?? false;
    const record: GraphGroupRecord = withoutUnsetExtensions({
      description: null,
      groupTypes: [],
      securityEnabled: !unified,
      mailEnabled: unified,
      mail: null,
      mailNickname: seed.displayName.replace(/[^A-Za-z0-9]/g, '').toLowerCase() || 'group',
      ...seed,
      id,
    });
    this.#groups.set(id, { record, changedAt: ++this.#seq, removed: undefined });
    this.#members.set(id, new Map());
    return record;
  }

  updateGroup(id: string, patch: GraphGroupPatch): GraphGroupRecord {
    const tracked = this.#live(this.#groups, id, 'group');
    tracked.record = withoutUnsetExtensions({ ...tracked.record, ...patch, id });
    tracked.changedAt = ++this.#seq;
    return tracked.record;
  }

  deleteGroup(id: string, options: { readonly permanently?: boolean } = {}): void {
    const tracked = this.#live(this.#groups, id, 'group');
    tracked.removed = options.permanently === true ? 'deleted' : 'changed';
    tracked.changedAt = ++this.#seq;
    for (const [groupId, members] of this.#members) {
      if (members.has(id)) this.removeMember(groupId, id);
    }
  }

  /**
   * Adds a user or a group (nested) as a direct member; adding a present member changes nothing. The next
   * `groups/delta` round reports it in `members@delta` with its `@odata.type`, like any member.
   */
  addMember(groupId: string, memberId: string): void {
    this.#live(this.#groups, groupId, 'group');
    const type: GraphMemberType = this.user(memberId) !== undefined ? 'user' : 'group';
    if (type === 'group') this.#live(this.#groups, memberId, 'user or group');
    if (memberId === groupId) throw new Error(`group ${groupId} cannot be a member of itself`);
    const members = this.#members.get(groupId)!;
    if (members.has(memberId)) return;
    members.set(memberId, type);
    this.#memberEvents.push({ seq: ++this.#seq, groupId, member: { id: memberId, type }, present: true });
  }

  removeMember(groupId: string, memberId: string): void {
    const members = this.#members.get(groupId);
    const type = members?.get(memberId);
    if (members === undefined || type === undefined) throw new Error(`${memberId} is not a member of ${groupId}`);
    members.delete(memberId);
    this.#memberEvents.push({ seq: ++this.#seq, groupId, member: { id: memberId, type }, present: false });
  }

  user(id: string): GraphUserRecord | undefined {
    const tracked = this.#users.get(id);
    return tracked?.removed === undefined ? tracked?.record : undefined;
  }

  group(id: string): GraphGroupRecord | undefined {
    const tracked = this.#groups.get(id);
    return tracked?.removed === undefined ? tracked?.record : undefined;
  }

  /** Live users in creation order. */
  users(): GraphUserRecord[] {
    return liveRecords(this.#users);
  }

  groups(): GraphGroupRecord[] {
    return liveRecords(this.#groups);
  }

  /** Direct members of a live group, in the order they were added. */
  members(groupId: string): GraphMemberRef[] | undefined {
    if (this.group(groupId) === undefined) return undefined;
    return [...(this.#members.get(groupId) ?? new Map<string, GraphMemberType>())].map(([id, type]) => ({ id, type }));
  }

  /**
   * Every member of a live group, direct or through nested groups, once each (nested groups included, as
   * `transitiveMembers` lists them), breadth first; a cycle of nesting ends where it closes.
   */
  transitiveMembers(groupId: string): GraphMemberRef[] | undefined {
    const direct = this.members(groupId);
    if (direct === undefined) return undefined;
    const seen = new Set<string>([groupId]);
    const out: GraphMemberRef[] = [];
    const queue = [...direct];
    for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
      if (seen.has(ref.id)) continue;
      seen.add(ref.id);
      out.push(ref);
      if (ref.type === 'group') queue.push(...(this.members(ref.id) ?? []));
    }
    return out;
  }

  userChangesSince(seq: number): GraphObjectChange<GraphUserRecord>[] {
    return changesSince(this.#users, seq);
  }

  groupChangesSince(seq: number): GraphObjectChange<GraphGroupRecord>[] {
    return changesSince(this.#groups, seq);
  }

  /**
   * Net membership changes of each group after `seq`: an add then a remove in between cancel out. Events are kept in
   * sequence order, so those after `seq` are a suffix found by binary search: a round with no membership change
   * answers without a pass over every membership ever made (100 000 at the bench's 20 000 users).
   */
  memberChangesSince(seq: number): Map<string, GraphMemberChange[]> {
    const events = this.#memberEvents;
    const first = firstEventAfter(events, seq);
    const after = new Map<string, MemberEvent>();
    for (const event of events.slice(first)) after.set(memberKey(event), event);
    const changes = new Map<string, GraphMemberChange[]>();
    if (after.size === 0) return changes;
    const before = new Map<string, boolean>();
    for (const event of events.slice(0, first)) {
      const key = memberKey(event);
      if (after.has(key)) before.set(key, event.present);
    }
    for (const [key, event] of after) {
      if ((before.get(key) ?? false) === event.present) continue;
      const list = changes.get(event.groupId) ?? [];
      list.push({ member: event.member, added: event.present });
      changes.set(event.groupId, list);
    }
    return changes;
  }

  #live<T>(map: Map<string, Tracked<T>>, id: string, what: string): Tracked<T> {
    const tracked = map.get(id);
    if (tracked === undefined || tracked.removed !== undefined) throw new Error(`no live ${what} ${id}`);
    return tracked;
  }
}

function memberKey(event: MemberEvent): string {
  return `${event.groupId}/${event.member.id}`;
}

/** The index of the first event whose sequence number is above `seq` (`events.length` when none is). */
function firstEventAfter(events: readonly MemberEvent[], seq: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((events[middle]?.seq ?? Infinity) <= seq) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The record without the `extension_…` attributes that hold no value (null or undefined). */
function withoutUnsetExtensions<T extends object>(record: T): T {
  const kept = Object.entries(record).filter(
    ([name, value]) => !(name.startsWith('extension_') && (value === null || value === undefined)),
  );
  return Object.fromEntries(kept) as T;
}

function liveRecords<T>(map: Map<string, Tracked<T>>): T[] {
  return [...map.values()].filter((tracked) => tracked.removed === undefined).map((tracked) => tracked.record);
}

function changesSince<T>(map: Map<string, Tracked<T>>, seq: number): GraphObjectChange<T>[] {
  const changes: GraphObjectChange<T>[] = [];
  for (const [id, tracked] of map) {
    if (tracked.changedAt <= seq) continue;
    changes.push(tracked.removed === undefined ? { id, record: tracked.record } : { id, removed: tracked.removed });
  }
  return changes;
}
