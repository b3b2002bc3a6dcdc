import type { DirectoryPage } from '../src/core/model/directory-change.js';

export type IdpKind = 'okta' | 'graph' | 'sandbox';

export interface ReadRequest {
  /** Read everything (and let the mirror remove what was not seen) instead of changes since `cursor`. */
  readonly full: boolean;
  /** The cursor a previous successful read returned; null on the first read. Opaque to everyone else. */
  readonly cursor: string | null;
  readonly signal?: AbortSignal;
}

export interface ReadResult {
  /** True when the read reported every object: the mirror deletes what it did not see. */
  readonly full: boolean;
  /** Stored (with the mirror changes, in one transaction) only after every page was read. */
  readonly cursor: string | null;
}

/**
 * An identity provider, read page by page. It never sees the app or the store. Failures are thrown as
 * `ConnectorError` after the connector's own retries; a read that throws is discarded whole.
 */
export interface DirectoryConnector {
  readonly idp: IdpKind;
  /** A description for logs and `status`, without secrets (e.g. the org URL). */
  readonly source: string;
  read(request: ReadRequest): AsyncGenerator<DirectoryPage, ReadResult, undefined>;
}
