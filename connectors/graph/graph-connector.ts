import type { DirectoryChange, DirectoryPage } from '../../src/core/model/directory-change.js';
import { ConnectorError } from '../connector-error.js';
import type { DirectoryConnector, ReadRequest, ReadResult } from '../directory-connector.js';
import type { GraphConfig } from './graph-config.js';
import { decodeGraphCursor, encodeGraphCursor } from './graph-cursor.js';
import type { GraphCursor } from './graph-cursor.js';
import { graphDeltaPages } from './graph-delta-pages.js';
import { diagnoseAuthority } from './graph-authority-diagnosis.js';
import { graphFailure, isGraphSyncReset } from './graph-failure.js';
import { graphLink } from './graph-link.js';
import type { GraphHttp, GraphRequestEvent } from './graph-http.js';
import { createGraphSdkHttp } from './graph-sdk-http.js';
import { graphGroupChanges, graphInvalidEntryChange, graphUserChange, isCompleteGraphUser } from './graph-to-model.js';
import {
  GROUP_SELECT,
  USER_SELECT,
  graphGroupEntrySchema,
  graphUserEntrySchema,
  graphUserSchema,
} from './graph-wire.js';
import type { GraphUserEntry } from './graph-wire.js';

/** Most changes in one yielded page. */
export const GRAPH_PAGE_CHANGES = 200;
/** Graph's largest page of directory objects. */
const DEFAULT_MAX_PAGE_SIZE = 999;

export interface GraphConnectorOptions {
  /** Called after every HTTP attempt to Graph (retries included), e.g. for metrics. */
  readonly onRequest?: (event: GraphRequestEvent) => void;
  /** `Prefer: odata.maxpagesize`; default 999 (tests use small pages to exercise paging). */
  readonly maxPageSize?: number;
  /** Retries of the client's retry middleware for 429/503/504; default 3. */
  readonly maxRetries?: number;
  /** Replaces the SDK client (unit tests). */
  readonly http?: GraphHttp;
}

type Resource = 'users' | 'groups';

class SyncReset extends Error {}

/**
 * Microsoft Graph (Entra ID) by delta query: `users/delta` and `groups/delta` (DESIGN "Connectors → Microsoft Graph").
 *
 * - No cursor, an unusable one, or `request.full`: a full round of both queries, streamed; `{ full: true }`.
 * - A cursor (the two delta links): a later round of both, buffered in memory until both completed and then
 *   yielded; `{ full: false }`. A 410 Gone (or 400 `syncStateNotFound`) on either discards it and a full round runs
 *   instead, so no half round is ever reported or stored.
 * - A user entry that carries only its changed properties is completed by `GET /users/{id}?$select=…` (the emulator,
 *   like Graph for new objects, sends whole objects, so this costs nothing there).
 * - The cursor moves only in the returned result, after both rounds completed.
 */
export class GraphConnector implements DirectoryConnector {
  readonly idp = 'graph';
  readonly source: string;
  readonly #config: GraphConfig;
  readonly #http: GraphHttp;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(config: GraphConfig, options: GraphConnectorOptions = {}) {
    this.#config = config;
    this.source = `Microsoft Graph tenant ${config.tenantId} at ${new URL(config.graphBaseUrl).host}`;
    const sdkOptions = {
      ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    };
    this.#http = options.http ?? createGraphSdkHttp(config, sdkOptions);
    this.#headers = { Prefer: `odata.maxpagesize=${options.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE}` };
  }

  async *read(request: ReadRequest): AsyncGenerator<DirectoryPage, ReadResult, undefined> {
    const stored = request.full ? null : decodeGraphCursor(request.cursor);
    // A stored delta link on another origin (GRAPH_BASE_URL changed, or the row was altered) is never followed:
    // the token would go with it. Like a cursor that is not ours, it gives way to a full round.
    if (stored !== null && this.#onGraphOrigin(stored)) {
      const later = await this.#laterRound(stored, request.signal);
      if (later !== undefined) {
        for (const page of chunk(later.changes)) yield page;
        return { full: false, cursor: encodeGraphCursor(later.cursor) };
      }
    }
    const users = yield* this.#fullRound('users', request.signal);
    const groups = yield* this.#fullRound('groups', request.signal);
    return { full: true, cursor: encodeGraphCursor({ users, groups }) };
  }

  #onGraphOrigin(cursor: GraphCursor): boolean {
    const { graphBaseUrl } = this.#config;
    const origin = new URL(graphBaseUrl).origin;
    return [cursor.users, cursor.groups].every((link) => graphLink(link, graphBaseUrl)?.origin === origin);
  }

  /** The changes since `cursor`, or undefined when Graph reset the sync state of either resource. */
  async #laterRound(
    cursor: GraphCursor,
    signal: AbortSignal | undefined,
  ): Promise<{ changes: DirectoryChange[]; cursor: GraphCursor } | undefined> {
    const changes: DirectoryChange[] = [];
    try {
      const users = await this.#collect('users', cursor.users, 'delta', changes, signal);
      const groups = await this.#collect('groups', cursor.groups, 'delta', changes, signal);
      return { changes, cursor: { users, groups } };
    } catch (error) {
      if (error instanceof SyncReset) return undefined;
      throw error;
    }
  }

  async #collect(
    resource: Resource,
    url: string,
    round: 'full' | 'delta',
    into: DirectoryChange[],
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const pages = this.#rounds(resource, url, round, signal);
    for (;;) {
      const next = await pages.next();
      if (next.done === true) return next.value;
      into.push(...next.value);
    }
  }

  async *#fullRound(
    resource: Resource,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<DirectoryPage, string, undefined> {
    const select = (resource === 'users' ? USER_SELECT : GROUP_SELECT).join(',');
    const pages = this.#rounds(resource, `/${resource}/delta?$select=${select}`, 'full', signal);
    for (;;) {
      const next = await pages.next();
      if (next.done === true) return next.value;
      for (const page of chunk(next.value)) yield page;
    }
  }

  /** One round of one resource: the changes of each Graph page; returns the delta link. Throws `SyncReset` on 410. */
  async *#rounds(
    resource: Resource,
    url: string,
    round: 'full' | 'delta',
    signal: AbortSignal | undefined,
  ): AsyncGenerator<DirectoryChange[], string, undefined> {
    const what = `${resource}/delta`;
    const pages = graphDeltaPages(this.#http, url, {
      headers: this.#headers,
      what,
      graphBaseUrl: this.#config.graphBaseUrl,
      ...(signal ? { signal } : {}),
    });
    try {
      for (;;) {
        const next = await pages.next();
        if (next.done === true) return next.value;
        yield resource === 'users' ? await this.#userChanges(next.value, signal) : groupChanges(next.value, round);
      }
    } catch (error) {
      if (round === 'delta' && isGraphSyncReset(error)) throw new SyncReset();
      if (round === 'full' && isGraphSyncReset(error)) {
        throw new ConnectorError(
          'unavailable',
          `Microsoft Graph reset the sync state during a full ${what} round: run again`,
          {
            cause: error,
          },
        );
      }
      throw await this.#failure(error, what);
    }
  }

  /** Each entry on its own: one Graph sends malformed is isolated (or counted), the rest of the page is read. */
  async #userChanges(values: readonly unknown[], signal: AbortSignal | undefined): Promise<DirectoryChange[]> {
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
      const change = isCompleteGraphUser(entry) ? graphUserChange(entry) : await this.#fetchUser(entry, signal);
      if (change !== undefined) changes.push(change);
    }
    return changes;
  }

  /**
   * The whole user behind a partial delta entry, as a change; undefined when it was deleted since (the next round
   * says so); isolated when Graph answers it malformed.
   */
  async #fetchUser(entry: GraphUserEntry, signal: AbortSignal | undefined): Promise<DirectoryChange | undefined> {
    signal?.throwIfAborted();
    let body: unknown;
    try {
      body = await this.#http.get(`/users/${encodeURIComponent(entry.id)}?$select=${USER_SELECT.join(',')}`);
    } catch (error) {
      if (Reflect.get(error instanceof Error ? error : {}, 'statusCode') === 404) return undefined;
      throw await this.#failure(error, 'users/{id}');
    }
    const user = graphUserSchema.safeParse(body);
    if (user.success) return graphUserChange(user.data);
    // Named by the id the delta entry carried: the answer may not carry a usable one.
    return graphInvalidEntryChange('user', { id: entry.id }, user.error);
  }

  async #failure(error: unknown, what: string): Promise<ConnectorError> {
    const { tenantId, clientId, authorityHost } = this.#config;
    const context = { tenantId, clientId, authorityHost, what };
    if (error instanceof Error && error.message.includes('endpoints_resolution_error')) {
      const entra = await diagnoseAuthority(authorityHost, tenantId);
      return graphFailure(entra === undefined ? error : new Error(entra, { cause: error }), context);
    }
    return graphFailure(error, context);
  }
}

function groupChanges(values: readonly unknown[], round: 'full' | 'delta'): DirectoryChange[] {
  return values.flatMap((value) => {
    const parsed = graphGroupEntrySchema.safeParse(value);
    return parsed.success
      ? graphGroupChanges(parsed.data, round)
      : [graphInvalidEntryChange('group', value, parsed.error)];
  });
}

function* chunk(changes: readonly DirectoryChange[]): Generator<DirectoryPage> {
  for (let start = 0; start < changes.length; start += GRAPH_PAGE_CHANGES) {
    yield { changes: changes.slice(start, start + GRAPH_PAGE_CHANGES) };
  }
}
