import type { DirectoryChange } from '../../src/core/model/directory-change.js';
import type { ConnectorError } from '../connector-error.js';
import { graphStatusOf } from './graph-failure.js';
import type { GraphHttp } from './graph-http.js';
import type { GraphSelection } from './graph-selection.js';
import {
  carriesGroupProperties,
  graphGroupChange,
  graphGroupChanges,
  graphInvalidEntryChange,
  graphMemberChanges,
  graphUserChange,
  isCompleteGraphGroup,
  isCompleteGraphUser,
} from './graph-to-model.js';
import { GROUP_PROPERTIES, graphGroupEntrySchema, graphUserEntrySchema, graphUserSchema } from './graph-wire.js';
import type { GraphGroupEntry, GraphUserEntry } from './graph-wire.js';

export interface GraphDeltaEntriesOptions {
  readonly http: GraphHttp;
  readonly selection: GraphSelection;
  /** The error a failed `GET /users/{id}` or `GET /groups/{id}` fails the read with (`what`: `users/{id}`). */
  readonly failure: (error: unknown, what: string) => Promise<ConnectorError>;
}

/**
 * The changes the entries of one delta page stand for. An entry that carries only the properties that changed
 * ("at least the properties that have been updated", delta-query-overview) is completed by `GET /users/{id}` or
 * `GET /groups/{id}` before it is mapped: an absent property is unknown, not null.
 */
export class GraphDeltaEntries {
  readonly #options: GraphDeltaEntriesOptions;

  constructor(options: GraphDeltaEntriesOptions) {
    this.#options = options;
  }

  /** Each entry on its own: one Graph sends malformed is isolated (or counted), the rest of the page is read. */
  async users(
    values: readonly unknown[],
    round: 'full' | 'delta',
    signal: AbortSignal | undefined,
  ): Promise<DirectoryChange[]> {
    const select = this.#options.selection.user;
    const changes: DirectoryChange[] = [];
    for (const value of values) {
      const parsed = graphUserEntrySchema.safeParse(value);
      if (!parsed.success) {
        changes.push(graphInvalidEntryChange('user', value, parsed.error));
        continue;
      }
      const entry = parsed.data;
      if (entry['@removed'] !== undefined) {
        changes.push({ type: 'user.deleted', id: entry.id });
        continue;
      }
      const change = isCompleteGraphUser(entry, select, round)
        ? graphUserChange(entry, select)
        : await this.#fetchUser(entry, signal);
      if (change !== undefined) changes.push(change);
    }
    return changes;
  }

  /** Each group object on its own, like users; a group carrying only some of its properties is fetched whole. */
  async groups(
    values: readonly unknown[],
    round: 'full' | 'delta',
    signal: AbortSignal | undefined,
  ): Promise<DirectoryChange[]> {
    const changes: DirectoryChange[] = [];
    for (const value of values) {
      const parsed = graphGroupEntrySchema.safeParse(value);
      if (!parsed.success) {
        changes.push(graphInvalidEntryChange('group', value, parsed.error));
        continue;
      }
      const entry = parsed.data;
      if (entry['@removed'] !== undefined || !carriesGroupProperties(entry) || isCompleteGraphGroup(entry)) {
        changes.push(...graphGroupChanges(entry, round));
        continue;
      }
      const group = await this.#fetchGroup(entry, signal);
      if (group !== undefined) changes.push(group);
      changes.push(...graphMemberChanges(entry, round));
    }
    return changes;
  }

  /**
   * The whole user behind a partial delta entry, as a change; undefined when it was deleted since (the next round
   * says so); isolated when Graph answers it malformed.
   */
  async #fetchUser(entry: GraphUserEntry, signal: AbortSignal | undefined): Promise<DirectoryChange | undefined> {
    signal?.throwIfAborted();
    const select = this.#options.selection.user;
    let body: unknown;
    try {
      body = await this.#options.http.get(`/users/${encodeURIComponent(entry.id)}?$select=${select.join(',')}`);
    } catch (error) {
      if (graphStatusOf(error) === 404) return undefined;
      throw await this.#options.failure(error, 'users/{id}');
    }
    const user = graphUserSchema.safeParse(body);
    // Named by the id the delta entry carried: the answer may not carry a usable one.
    if (!user.success) return graphInvalidEntryChange('user', { id: entry.id }, user.error);
    // A whole user: an extension attribute it leaves out is one the user has no value for.
    if (!isCompleteGraphUser(user.data, select, 'full')) {
      const missing = select.find((name) => !Object.hasOwn(user.data, name)) ?? 'userPrincipalName';
      return { type: 'user.isolated', id: entry.id, field: missing, reason: `${missing}: absent` };
    }
    return graphUserChange({ ...user.data, id: entry.id }, select);
  }

  /** The whole group behind a partial delta entry, like `#fetchUser`. */
  async #fetchGroup(entry: GraphGroupEntry, signal: AbortSignal | undefined): Promise<DirectoryChange | undefined> {
    signal?.throwIfAborted();
    let body: unknown;
    try {
      body = await this.#options.http.get(
        `/groups/${encodeURIComponent(entry.id)}?$select=id,${GROUP_PROPERTIES.join(',')}`,
      );
    } catch (error) {
      if (graphStatusOf(error) === 404) return undefined;
      throw await this.#options.failure(error, 'groups/{id}');
    }
    const group = graphGroupEntrySchema.safeParse(body);
    if (!group.success) return graphInvalidEntryChange('group', { id: entry.id }, group.error);
    const whole = { ...group.data, id: entry.id };
    if (isCompleteGraphGroup(whole)) return graphGroupChange(whole);
    const missing = GROUP_PROPERTIES.find((name) => !Object.hasOwn(whole, name)) ?? 'displayName';
    return { type: 'group.isolated', id: entry.id, field: missing, reason: `${missing}: absent` };
  }
}
