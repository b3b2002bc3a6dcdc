import type { DirectoryChange, DirectoryPage } from '../../src/core/model/directory-change.js';
import { ConnectorError } from '../connector-error.js';
import type { RateBudget, RefillRate } from '../rate-budget.js';
import type { DirectoryConnector, ReadRequest, ReadResult } from '../directory-connector.js';
import { GraphAppAssignmentReader } from './graph-app-assignment-reader.js';
import type { GraphConfig } from './graph-config.js';
import { decodeGraphCursor, encodeAppScopedCursor, encodeGraphCursor } from './graph-cursor.js';
import type { GraphCursor } from './graph-cursor.js';
import { GraphDeltaEntries } from './graph-delta-entries.js';
import { graphDeltaPages } from './graph-delta-pages.js';
import { graphStatusOf, isGraphSyncReset } from './graph-failure.js';
import { graphLink } from './graph-link.js';
import type { GraphHttp, GraphRequestEvent } from './graph-http.js';
import { graphReadFailure } from './graph-read-failure.js';
import { createGraphSdkHttp } from './graph-sdk-http.js';
import { graphSelection } from './graph-selection.js';
import type { GraphSelection } from './graph-selection.js';
import { USER_SELECT } from './graph-wire.js';
import { readAheadInOrder } from '../read-ahead.js';

/** The users and the groups round are read side by side, each a couple of pages ahead of their processing. */
const BOTH_ROUNDS = { concurrency: 2, ahead: 2 } as const;

/** Most changes in one yielded page. */
export const GRAPH_PAGE_CHANGES = 200;
/** Graph's largest page of directory objects. */
const DEFAULT_MAX_PAGE_SIZE = 999;

export interface GraphConnectorOptions {
  /** Called after every HTTP attempt to Graph (retries included), e.g. for metrics. */
  readonly onRequest?: (event: GraphRequestEvent) => void;
  /** `Prefer: odata.maxpagesize` and `$top` of lists; default 999 (tests use small pages to exercise paging). */
  readonly maxPageSize?: number;
  /** Retries of the client's retry middleware for 429/503/504; default 3. */
  readonly maxRetries?: number;
  /**
   * User properties to select besides `USER_SELECT`, for the policy's rules and mappings: e.g. directory extension
   * attributes `extension_<application id without dashes>_<name>`. Each reaches `DirectoryUser.attributes` under its
   * Graph name (an extension a user has no value for is absent). Names must be Graph property names
   * (`^[A-Za-z][A-Za-z0-9_]*$`), else the constructor throws `ConnectorError('config')`. Changing the set makes the
   * next read a full round. Default none.
   */
  readonly extraUserProperties?: readonly string[];
  /**
   * Where the identity budget of the app and tenant (`graph:<tenant>:<client id>:identity`) is counted: a
   * `RedisRateBudget` shares it with every worker; default this process alone.
   */
  readonly rateBudget?: RateBudget;
  /** The identity budget to pace on; default a small tenant's (`GRAPH_IDENTITY_RATE`, 3 500 units per 10 s). */
  readonly identityRate?: RefillRate;
  /** Replaces the SDK client (unit tests). */
  readonly http?: GraphHttp;
}

type Resource = 'users' | 'groups';

class SyncReset extends Error {}

/**
 * Microsoft Graph (Entra ID) by delta query: `users/delta` and `groups/delta` (DESIGN "Connectors → Microsoft Graph").
 *
 * - No cursor, an unusable one, one read with another selection of properties, or `request.full`: a full round of
 *   both queries, streamed; `{ full: true }`.
 * - A cursor (the two delta links): a later round of both, buffered in memory until both completed and then
 *   yielded; `{ full: false }`. A 410 Gone (or 400 `syncStateNotFound`) on either discards it and a full round runs
 *   instead, so no half round is ever reported or stored.
 * - A user or group entry that carries only its changed properties is completed by `GET /users/{id}` or
 *   `GET /groups/{id}` (`GraphDeltaEntries`; the emulator, like Graph for new objects, sends whole objects).
 * - Group members are users and nested groups (by id); other directory objects are left out.
 * - With `GRAPH_SERVICE_PRINCIPAL_ID`, every read is a full read of the enterprise application's assigned users and
 *   groups instead (`GraphAppAssignmentReader`); `{ full: true }` with a cursor that is no delta cursor.
 * - The cursor moves only in the returned result, after both rounds completed.
 */
export class GraphConnector implements DirectoryConnector {
  readonly idp = 'graph';
  readonly source: string;
  readonly #config: GraphConfig;
  readonly #http: GraphHttp;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #pageSize: number;
  readonly #selection: GraphSelection;
  readonly #extraUserProperties: readonly string[];
  readonly #entries: GraphDeltaEntries;

  constructor(config: GraphConfig, options: GraphConnectorOptions = {}) {
    this.#config = config;
    this.#selection = graphSelection(options.extraUserProperties);
    this.#extraUserProperties = this.#selection.user.slice(USER_SELECT.length);
    const scope = config.servicePrincipalId === undefined ? '' : `, enterprise app ${config.servicePrincipalId}`;
    this.source = `Microsoft Graph tenant ${config.tenantId} at ${new URL(config.graphBaseUrl).host}${scope}`;
    const sdkOptions = {
      ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
      ...(options.rateBudget === undefined ? {} : { rateBudget: options.rateBudget }),
      ...(options.identityRate === undefined ? {} : { identityRate: options.identityRate }),
    };
    this.#http = options.http ?? createGraphSdkHttp(config, sdkOptions);
    this.#pageSize = options.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE;
    this.#headers = { Prefer: `odata.maxpagesize=${this.#pageSize}` };
    this.#entries = new GraphDeltaEntries({
      http: this.#http,
      selection: this.#selection,
      failure: (error, what) => this.#failure(error, what),
    });
  }

  async *read(request: ReadRequest): AsyncGenerator<DirectoryPage, ReadResult, undefined> {
    const servicePrincipalId = this.#config.servicePrincipalId;
    if (servicePrincipalId !== undefined) {
      const reader = new GraphAppAssignmentReader({
        http: this.#http,
        config: this.#config,
        servicePrincipalId,
        selection: this.#selection,
        pageSize: this.#pageSize,
      });
      for await (const changes of reader.read(request.signal)) yield* chunk(changes);
      return { full: true, cursor: encodeAppScopedCursor(servicePrincipalId) };
    }
    const stored = request.full ? null : decodeGraphCursor(request.cursor);
    // A stored delta link on another origin (GRAPH_BASE_URL changed, or the row was altered) is never followed:
    // the token would go with it. Like a cursor that is not ours, it gives way to a full round. So does one whose
    // links select other properties: they would keep answering with those.
    if (stored !== null && this.#onGraphOrigin(stored) && stored.select === this.#selection.fingerprint) {
      const later = await this.#laterRound(stored, request.signal);
      if (later !== undefined) {
        yield* chunk(later.changes);
        return { full: false, cursor: encodeGraphCursor(later.cursor) };
      }
    }
    // The two rounds are independent: the groups round is read while the users round is processed, yet its pages
    // come after every user's, as in a sequential read.
    const links = new Map<Resource, string>();
    const round = (resource: Resource) => (signal: AbortSignal) =>
      this.#roundInto(links, resource, this.#fullRoundUrl(resource), 'full', signal);
    for await (const changes of readAheadInOrder([round('users'), round('groups')], {
      ...BOTH_ROUNDS,
      signal: request.signal,
    })) {
      yield* chunk(changes);
    }
    const { users, groups } = roundLinks(links);
    return { full: true, cursor: encodeGraphCursor({ users, groups, select: this.#selection.fingerprint }) };
  }

  #onGraphOrigin(cursor: GraphCursor): boolean {
    const { graphBaseUrl } = this.#config;
    const origin = new URL(graphBaseUrl).origin;
    return [cursor.users, cursor.groups].every((link) => graphLink(link, graphBaseUrl)?.origin === origin);
  }

  /**
   * The changes since `cursor`, or undefined when Graph reset the sync state of either resource. Both delta links
   * are followed side by side; the users' changes still come before the groups'.
   */
  async #laterRound(
    cursor: GraphCursor,
    signal: AbortSignal | undefined,
  ): Promise<{ changes: DirectoryChange[]; cursor: GraphCursor } | undefined> {
    const changes: DirectoryChange[] = [];
    const links = new Map<Resource, string>();
    const round = (resource: Resource) => (s: AbortSignal) =>
      this.#roundInto(links, resource, cursor[resource], 'delta', s);
    try {
      for await (const page of readAheadInOrder([round('users'), round('groups')], { ...BOTH_ROUNDS, signal })) {
        changes.push(...page);
      }
    } catch (error) {
      if (error instanceof SyncReset) return undefined;
      throw error;
    }
    return { changes, cursor: { ...roundLinks(links), select: this.#selection.fingerprint } };
  }

  /** One round whose delta link is kept in `links` (a source of `readAheadInOrder` returns nothing). */
  async *#roundInto(
    links: Map<Resource, string>,
    resource: Resource,
    url: string,
    round: 'full' | 'delta',
    signal: AbortSignal,
  ): AsyncGenerator<DirectoryChange[], void, undefined> {
    links.set(resource, yield* this.#rounds(resource, url, round, signal));
  }

  #fullRoundUrl(resource: Resource): string {
    const select = (resource === 'users' ? this.#selection.user : this.#selection.group).join(',');
    return `/${resource}/delta?$select=${select}`;
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
        yield resource === 'users'
          ? await this.#entries.users(next.value, round, signal)
          : await this.#entries.groups(next.value, round, signal);
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

  async #failure(error: unknown, what: string): Promise<ConnectorError> {
    const failure = await graphReadFailure(error, this.#config, what);
    // Graph refuses a `$select` naming a property it does not know (an extra property misspelled, or a directory
    // extension of an application the tenant has not consented to) with 400 "Could not find a property…".
    if (
      this.#extraUserProperties.length > 0 &&
      what.startsWith('users') &&
      graphStatusOf(error) === 400 &&
      /property/i.test(failure.message)
    ) {
      return new ConnectorError(
        'config',
        `Microsoft Graph refused the user properties dirsync selects: check the extra user properties ` +
          `(${this.#extraUserProperties.join(', ')}); a directory extension is named ` +
          `extension_<application id without dashes>_<name>. Graph said: ${failure.message}`,
        { cause: error },
      );
    }
    return failure;
  }
}

function* chunk(changes: readonly DirectoryChange[]): Generator<DirectoryPage> {
  for (let start = 0; start < changes.length; start += GRAPH_PAGE_CHANGES) {
    yield { changes: changes.slice(start, start + GRAPH_PAGE_CHANGES) };
  }
}

/** Both delta links of a finished pair of rounds. */
function roundLinks(links: ReadonlyMap<Resource, string>): { users: string; groups: string } {
  const users = links.get('users');
  const groups = links.get('groups');
  if (users === undefined || groups === undefined) throw new Error('a Graph round ended without its delta link');
  return { users, groups };
}
