import type { z } from 'zod';
import { requestWithoutMembers } from './request-without-members.js';
import { scimEqFilter } from './scim-filter.js';
import type { ScimLookupAttribute } from './scim-filter.js';
import type { ScimHttp, ScimHttpResponse } from './scim-http.js';
import type { ScimDialectState } from './scim-dialect-state.js';
import type { ScimProviderCapabilities } from './scim-provider-capabilities.js';
import { scimListResponseSchema } from './scim-schemas.js';

export interface ScimLookupSpec<T> {
  readonly endpoint: 'Users' | 'Groups';
  readonly schema: z.ZodType<T>;
  readonly attribute: ScimLookupAttribute;
  readonly value: string;
  /** The attribute's value on a resource, to check what the provider returned. */
  readonly read: (resource: T) => string | null | undefined;
  /** `externalId` is case-exact; `userName` and `displayName` are not (RFC 7643 §4.1.1, §4.2). */
  readonly caseExact: boolean;
  /** When the provider cannot filter on the attribute: page through everything (true) or report nothing. */
  readonly scanIfUnsupported: boolean;
}

const MAX_SCAN_PAGES = 10_000;

/**
 * Finds a user or group by one attribute with an `eq` filter. Providers that cannot filter on it (their dialect
 * says so, or they answer 400 `invalidFilter`, 501, or ignore the filter: remembered) are either skipped or
 * scanned page by page, so that lookups work on limited providers too. What a provider returns is checked, never trusted.
 */
export class ScimLookup {
  readonly #http: ScimHttp;
  readonly #capabilities: ScimProviderCapabilities;
  readonly #dialect: ScimDialectState;
  readonly #unsupported = new Set<string>();

  constructor(http: ScimHttp, capabilities: ScimProviderCapabilities, dialect: ScimDialectState) {
    this.#http = http;
    this.#capabilities = capabilities;
    this.#dialect = dialect;
  }

  async find<T>(spec: ScimLookupSpec<T>): Promise<T | undefined> {
    const key = `${spec.endpoint}:${spec.attribute}`;
    const capabilities = await this.#capabilities.get();
    // The dialect names the attributes the app filters on (ServiceProviderConfig, target.dialect); a filter it
    // refuses anyway is remembered here, per endpoint.
    const filterable = (await this.#dialect.get()).filterAttributes.includes(spec.attribute);
    if (filterable && !this.#unsupported.has(key)) {
      const result = await this.#filter(spec);
      if (result !== 'unsupported') return result;
      this.#unsupported.add(key);
    }
    return spec.scanIfUnsupported ? this.#scan(spec, capabilities.pageSize) : undefined;
  }

  async #filter<T>(spec: ScimLookupSpec<T>): Promise<T | undefined | 'unsupported'> {
    const action = `look up ${spec.endpoint} by ${spec.attribute}`;
    const response = await this.#get(spec, { filter: scimEqFilter(spec.attribute, spec.value) });
    // RFC 7644 §3.4.2.2: an attribute the provider cannot filter on is a 400 invalidFilter; some say 501.
    if (response.status === 400 || response.status === 501) return 'unsupported';
    // Some apps answer a filter that matches nothing with 404 instead of an empty list.
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw this.#http.failure(response, action);
    const resources = this.#resources(response, spec, action);
    const match = resources.find((resource) => matches(spec, resource));
    // Resources that do not match mean the filter was ignored (seen in the wild): do not trust it again.
    return match ?? (resources.length > 0 ? 'unsupported' : undefined);
  }

  async #scan<T>(spec: ScimLookupSpec<T>, pageSize: number): Promise<T | undefined> {
    const action = `list ${spec.endpoint}`;
    let startIndex = 1;
    for (let page = 0; page < MAX_SCAN_PAGES; page++) {
      const response = await this.#get(spec, { startIndex: String(startIndex), count: String(pageSize) });
      if (response.status !== 200) throw this.#http.failure(response, action);
      const list = this.#http.parse(response, scimListResponseSchema, action);
      const resources = this.#resources(response, spec, action);
      const match = resources.find((resource) => matches(spec, resource));
      if (match !== undefined) return match;
      startIndex += resources.length;
      if (resources.length === 0 || startIndex > list.totalResults) return undefined;
    }
    return undefined;
  }

  /** A lookup needs a group's id, names and externalId, never its members (an adoption reads those itself). */
  #get<T>(spec: ScimLookupSpec<T>, query: Readonly<Record<string, string>>): Promise<ScimHttpResponse> {
    const get = (extra: Readonly<Record<string, string>>) =>
      this.#http.request('GET', spec.endpoint, { query: { ...query, ...extra } });
    return spec.endpoint === 'Groups' ? requestWithoutMembers(this.#dialect, get) : get({});
  }

  #resources<T>(response: ScimHttpResponse, spec: ScimLookupSpec<T>, action: string): T[] {
    const list = this.#http.parse(response, scimListResponseSchema, action);
    return (list.Resources ?? []).map((resource) =>
      this.#http.parse({ ...response, body: resource }, spec.schema, action),
    );
  }
}

function matches<T>(spec: ScimLookupSpec<T>, resource: T): boolean {
  const actual = spec.read(resource);
  if (typeof actual !== 'string') return false;
  return spec.caseExact ? actual === spec.value : actual.toLowerCase() === spec.value.toLowerCase();
}
