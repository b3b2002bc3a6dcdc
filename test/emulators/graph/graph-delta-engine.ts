import { DEFAULT_GROUP_SELECT, DEFAULT_USER_SELECT, type GraphUserRecord } from './graph-directory-objects.js';
import type { GraphMemberChange, GraphDirectoryStore } from './graph-directory-store.js';
import { graphStateTokenCodec } from './graph-delta-token-codec.js';
import type { JsonObject } from './graph-json.js';
import { projectObject } from './graph-select.js';

export type GraphDeltaResource = 'users' | 'groups';

/** One page of a delta round: either a `$skiptoken` for the next page or, on the last page, a `$deltatoken`. */
export interface GraphDeltaPage {
  readonly resource: GraphDeltaResource;
  readonly select: readonly string[] | null;
  readonly value: JsonObject[];
  readonly skipToken?: string;
  readonly deltaToken?: string;
}

interface Round {
  readonly resource: GraphDeltaResource;
  readonly select: readonly string[] | null;
  readonly entries: readonly JsonObject[];
  readonly pageSize: number;
  readonly seq: number;
  readonly generation: number;
}

export interface GraphDeltaEngineOptions {
  /** A group's `members@delta` holds at most this many members per object; a bigger group repeats over objects. */
  readonly membersPerObject: number;
}

/**
 * Delta query for `users` and `groups` (https://learn.microsoft.com/graph/delta-query-overview,
 * https://learn.microsoft.com/graph/delta-query-users, https://learn.microsoft.com/graph/delta-query-groups).
 * A round is computed when it starts and served page by page, so changes made while a client pages appear in the
 * next round, never half in this one. Changed objects carry all their selected properties, which the docs allow
 * ("at least the properties that have been updated").
 */
export class GraphDeltaEngine {
  readonly #store: GraphDirectoryStore;
  readonly #options: GraphDeltaEngineOptions;
  readonly #rounds = new Map<string, Round>();
  #generation = 0;
  #nextRound = 1;

  constructor(store: GraphDirectoryStore, options: GraphDeltaEngineOptions) {
    this.#store = store;
    this.#options = options;
  }

  /** Invalidates every token and round issued so far: clients get 410 Gone and must start over. */
  expireAll(): void {
    this.#generation += 1;
    this.#rounds.clear();
  }

  /** First page of a round: a full one (`since` undefined) or the changes after `since`. */
  start(
    resource: GraphDeltaResource,
    select: readonly string[] | null,
    pageSize: number,
    since?: number,
  ): GraphDeltaPage {
    const entries = resource === 'users' ? this.#userEntries(select, since) : this.#groupEntries(select, since);
    const id = String(this.#nextRound++);
    const round: Round = { resource, select, entries, pageSize, seq: this.#store.seq, generation: this.#generation };
    this.#rounds.set(id, round);
    return this.#page(id, round, 0);
  }

  /** `$deltatoken=latest`: no objects, and a delta link for "now". */
  latest(resource: GraphDeltaResource, select: readonly string[] | null): GraphDeltaPage {
    return { resource, select, value: [], deltaToken: this.#deltaToken(resource, select, this.#store.seq) };
  }

  /** Serves a `$skiptoken` or `$deltatoken`; undefined when the token is unknown or expired (410 Gone). */
  resume(resource: GraphDeltaResource, token: string, pageSize: number): GraphDeltaPage | undefined {
    const state = graphStateTokenCodec.decode(token);
    if (state === undefined) return undefined;
    if (state.kind === 'skip') {
      const round = this.#rounds.get(state.round);
      if (round === undefined || round.resource !== resource || round.generation !== this.#generation) return undefined;
      return this.#page(state.round, round, state.page);
    }
    if (state.resource !== resource || state.generation !== this.#generation) return undefined;
    return this.start(resource, state.select, pageSize, state.seq);
  }

  #page(id: string, round: Round, page: number): GraphDeltaPage {
    const from = page * round.pageSize;
    const value = round.entries.slice(from, from + round.pageSize);
    const base = { resource: round.resource, select: round.select, value };
    if (from + round.pageSize < round.entries.length) {
      return { ...base, skipToken: graphStateTokenCodec.encode({ kind: 'skip', round: id, page: page + 1 }) };
    }
    this.#rounds.delete(id);
    return { ...base, deltaToken: this.#deltaToken(round.resource, round.select, round.seq) };
  }

  #deltaToken(resource: GraphDeltaResource, select: readonly string[] | null, seq: number): string {
    return graphStateTokenCodec.encode({ kind: 'delta', resource, seq, select, generation: this.#generation });
  }

  #userEntries(select: readonly string[] | null, since: number | undefined): JsonObject[] {
    const properties = select ?? DEFAULT_USER_SELECT;
    // A wire override (a malformed user a test asked for) replaces the record's own properties.
    const view = (user: GraphUserRecord): JsonObject => ({
      ...projectObject(user, properties),
      ...this.#store.wireOverride(user.id),
    });
    if (since === undefined) return this.#store.users().map(view);
    return this.#store
      .userChangesSince(since)
      .map((change) =>
        change.removed === undefined ? view(change.record) : { id: change.id, '@removed': { reason: change.removed } },
      );
  }

  #groupEntries(select: readonly string[] | null, since: number | undefined): JsonObject[] {
    const withMembers = select === null || select.includes('members');
    const properties = (select ?? DEFAULT_GROUP_SELECT).filter((name) => name !== 'members');
    const entries: JsonObject[] = [];
    if (since === undefined) {
      for (const group of this.#store.groups()) {
        const members = (this.#store.members(group.id) ?? []).map((member) => ({ member, added: true }));
        entries.push(...this.#withMembers(projectObject(group, properties), withMembers ? members : undefined));
      }
      return entries;
    }
    const memberChanges = withMembers ? this.#store.memberChangesSince(since) : new Map<string, GraphMemberChange[]>();
    const changed = new Set<string>();
    for (const change of this.#store.groupChangesSince(since)) {
      changed.add(change.id);
      if (change.removed !== undefined) {
        entries.push({ id: change.id, '@removed': { reason: change.removed } });
        continue;
      }
      const members = memberChanges.get(change.id);
      entries.push(
        ...this.#withMembers(projectObject(change.record, properties), withMembers ? (members ?? []) : undefined),
      );
    }
    for (const [groupId, members] of memberChanges) {
      if (changed.has(groupId) || this.#store.group(groupId) === undefined) continue;
      entries.push(...this.#withMembers({ id: groupId }, members));
    }
    return entries;
  }

  /** The group object, repeated with successive slices of `members@delta` when it has many member changes. */
  #withMembers(object: JsonObject, members: readonly GraphMemberChange[] | undefined): JsonObject[] {
    if (members === undefined) return [object];
    const size = this.#options.membersPerObject;
    const out: JsonObject[] = [];
    for (let from = 0; from === 0 || from < members.length; from += size) {
      const slice = members.slice(from, from + size).map(memberEntry);
      out.push(
        from === 0 ? { ...object, 'members@delta': slice } : { id: object['id'] ?? null, 'members@delta': slice },
      );
    }
    return out;
  }
}

function memberEntry(change: GraphMemberChange): JsonObject {
  const entry: JsonObject = { '@odata.type': `#microsoft.graph.${change.member.type}`, id: change.member.id };
  // A removed member shows as "@removed": {"reason": "deleted"} (https://learn.microsoft.com/graph/api/group-delta).
  if (!change.added) entry['@removed'] = { reason: 'deleted' };
  return entry;
}
