import type { ScimHttp } from './scim-http.js';
import { serviceProviderConfigSchema } from './scim-schemas.js';

/** What dirsync adapts to in a provider's `/ServiceProviderConfig` (RFC 7643 §5). */
export interface ScimCapabilities {
  readonly patchSupported: boolean;
  readonly filterSupported: boolean;
  /** Page size for listing: the provider's `filter.maxResults`, within [1, 1000]; 100 when it says nothing. */
  readonly pageSize: number;
  /** `/Bulk` (RFC 7644 §3.7) with the provider's limits, when it says `bulk.supported` with both; else null. */
  readonly bulk: ScimBulkLimits | null;
}

/** A provider's `bulk.maxOperations` and `bulk.maxPayloadSize` (bytes), as advertised. */
export interface ScimBulkLimits {
  readonly maxOperations: number;
  readonly maxPayloadSize: number;
}

/** Assumed for providers without a (readable) `/ServiceProviderConfig`: many small apps never implemented it. */
export const DEFAULT_SCIM_CAPABILITIES: ScimCapabilities = {
  patchSupported: true,
  filterSupported: true,
  pageSize: 100,
  bulk: null,
};

/** Reads `/ServiceProviderConfig` once, on first use. */
export class ScimProviderCapabilities {
  readonly #http: ScimHttp;
  #pending: Promise<ScimCapabilities> | undefined;

  constructor(http: ScimHttp) {
    this.#http = http;
  }

  get(): Promise<ScimCapabilities> {
    this.#pending ??= this.#read().catch((error: unknown) => {
      // An auth or connection failure is the run's problem, not a fact about the provider: ask again next time.
      this.#pending = undefined;
      throw error;
    });
    return this.#pending;
  }

  async #read(): Promise<ScimCapabilities> {
    const response = await this.#http.request('GET', 'ServiceProviderConfig');
    if (response.status !== 200) return DEFAULT_SCIM_CAPABILITIES;
    // A discovery document dirsync cannot read is no reason to stop a sync: the defaults are what most apps do.
    const config = serviceProviderConfigSchema.safeParse(response.body).data;
    if (config === undefined) return DEFAULT_SCIM_CAPABILITIES;
    const maxResults = config.filter?.maxResults;
    const bulk = config.bulk;
    return {
      patchSupported: config.patch?.supported ?? true,
      filterSupported: config.filter?.supported ?? true,
      pageSize:
        typeof maxResults === 'number' && maxResults > 0
          ? Math.min(maxResults, 1000)
          : DEFAULT_SCIM_CAPABILITIES.pageSize,
      // Both limits are required by RFC 7643 §5; without them (or with a zero) there is no safe size to send.
      bulk:
        bulk?.supported === true &&
        typeof bulk.maxOperations === 'number' &&
        bulk.maxOperations > 0 &&
        typeof bulk.maxPayloadSize === 'number' &&
        bulk.maxPayloadSize > 0
          ? { maxOperations: bulk.maxOperations, maxPayloadSize: bulk.maxPayloadSize }
          : null,
    };
  }
}
