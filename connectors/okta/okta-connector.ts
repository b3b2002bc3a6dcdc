import { DefaultRequestExecutor, type RequestExecutor } from './okta-sdk-parts.js';
import { createSdkClient } from './okta-sdk-client.js';
import type { DirectoryChange, DirectoryPage } from '../../src/core/model/directory-change.js';
import type { DirectoryConnector, ReadRequest, ReadResult } from '../directory-connector.js';
import type { OktaConfig } from './okta-config.js';
import { decodeOktaCursor, encodeOktaCursor } from './okta-cursor.js';
import { DEFAULT_OKTA_RETRY, isOktaFetchResponse, OktaHttp, type OktaRetryPolicy } from './okta-http.js';
import type { RateBudget } from '../rate-budget.js';
import { OktaRateGate } from './okta-rate-gate.js';
import { OktaReader } from './okta-reader.js';
import { OktaTokenRefusalWatch } from './okta-token-refusal.js';

const MAX_CURSOR_AGE_MS = 89 * 24 * 3600 * 1000;

export interface OktaConnectorOptions {
  /** The SDK executor to send requests with (tests pass one trusting the emulator's CA); default the SDK's own. */
  readonly requestExecutor?: RequestExecutor;
  /** Called for every HTTP response (429s the SDK retries included) and every request that got no response. */
  readonly onRequest?: (event: { status: number | undefined; throttled: boolean }) => void;
  /** The read's start time, stored in the cursor; default the system clock. */
  readonly now?: () => Date;
  /** Retries of 5xx and reset connections; default 4 retries from 500 ms. */
  readonly retry?: Partial<OktaRetryPolicy>;
  /**
   * The request budget per endpoint family, keyed `okta:<org host>:<family>`: a `RedisRateBudget` shares it with
   * every worker reading the same org; default one for this connector alone.
   */
  readonly rateBudget?: RateBudget;
}

/**
 * Reads an Okta org through `@okta/okta-sdk-nodejs` (see DESIGN.md "Connectors → Okta"): a full read lists every
 * user (DEPROVISIONED ones included), group and group membership; an incremental read asks only for what changed
 * since the cursor (a minute of overlap) and takes deletions from the System Log, three requests when nothing did.
 * With `OKTA_APP_ID` every read is full, limited to the app's assigned users and groups.
 */
export class OktaConnector implements DirectoryConnector {
  readonly idp = 'okta';
  readonly source: string;
  readonly #reader: OktaReader;
  readonly #now: () => Date;
  readonly #scoped: boolean;

  constructor(config: OktaConfig, options: OktaConnectorOptions = {}) {
    this.source = config.orgUrl;
    this.#now = options.now ?? (() => new Date());
    this.#scoped = config.appId !== undefined;
    // A page that hangs must not hang the run: each request (the SDK's 429 waits included, up to a full
    // rate-limit window) gets two minutes, after which the connector's own retries take over.
    const executor = options.requestExecutor ?? new DefaultRequestExecutor({ maxRetries: 2, requestTimeout: 120_000 });
    const gate = new OktaRateGate(options.rateBudget);
    const tokens = new OktaTokenRefusalWatch();
    const onRequest = options.onRequest;
    executor.on('response', (response: unknown) => {
      if (!isOktaFetchResponse(response)) return;
      void gate.observe(response.url, response.headers);
      tokens.observe(response);
      onRequest?.({ status: response.status, throttled: response.status === 429 });
    });
    const http = new OktaHttp(createSdkClient(config, executor).http, {
      orgUrl: config.orgUrl,
      credentials: config.credentials,
      appId: config.appId,
      gate,
      retry: { ...DEFAULT_OKTA_RETRY, ...options.retry },
      onFailedRequest: () => onRequest?.({ status: undefined, throttled: false }),
      tokenRefusal: () => tokens.last,
    });
    this.#reader = new OktaReader(http, config.appId);
  }

  async *read(request: ReadRequest): AsyncGenerator<DirectoryPage, ReadResult, undefined> {
    // Taken before the first request: whatever changes while this read runs is seen by the next one.
    const startedAt = this.#now();
    const cursor =
      request.full || request.cursor === null || this.#scoped ? undefined : decodeOktaCursor(request.cursor);
    // The System Log keeps 90 days: an older cursor cannot see every deletion, so the read is full instead.
    const fresh = cursor !== undefined && startedAt.getTime() - cursor.since.getTime() < MAX_CURSOR_AGE_MS;
    const since = fresh ? cursor : undefined;
    const changes =
      since === undefined
        ? this.#reader.full(request.signal)
        : this.#reader.changedSince(since.since, startedAt, request.signal);
    for await (const page of changes) {
      if (page.length > 0) yield { changes: page satisfies DirectoryChange[] };
    }
    return { full: since === undefined, cursor: encodeOktaCursor({ since: startedAt }) };
  }
}
