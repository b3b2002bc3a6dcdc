import type { JsonValue } from './scim-json.js';

/** One request as the server answered it. Headers are not kept: the token must not end up in test output. */
export interface ScimLoggedRequest {
  readonly method: string;
  /** Under the base URL: `/Users`, `/Groups/<id>`. */
  readonly path: string;
  /** The decoded query parameters (`filter`, `startIndex`, `count`). */
  readonly query: Readonly<Record<string, string>>;
  /** The HTTP status, or `'reset'`/`'hang'` when an injected fault dropped the connection or never answered. */
  readonly status: number | 'reset' | 'hang';
  readonly requestBody: JsonValue | undefined;
  readonly responseBody: JsonValue | undefined;
  /**
   * The size of the body answered, in bytes (0 for none, or a dropped connection, and for an operation of a `/Bulk`
   * request: its answer travelled inside the outer one's).
   */
  readonly responseBytes: number;
  /**
   * Set on an operation of a `POST /Bulk` (RFC 7644 §3.7), logged as the single request it stands for: its method
   * and path (bulkId references resolved), its `data` as `requestBody`, and what that request would have answered.
   * The outer `POST /Bulk` is logged too, without it.
   */
  readonly viaBulk?: true;
}

export interface ScimRequestMatch {
  readonly method?: string;
  readonly path?: string | RegExp;
  readonly status?: number | 'reset' | 'hang';
  /** true: only the operations of `/Bulk` requests; false: only the HTTP requests themselves. */
  readonly viaBulk?: boolean;
}

/** Every request the server saw, in order of completion. */
export class ScimRequestLog {
  readonly #entries: ScimLoggedRequest[] = [];

  record(entry: ScimLoggedRequest): void {
    this.#entries.push(entry);
  }

  entries(match: ScimRequestMatch = {}): readonly ScimLoggedRequest[] {
    return this.#entries.filter((entry) => matches(entry, match));
  }

  count(match: ScimRequestMatch = {}): number {
    return this.entries(match).length;
  }

  /**
   * How many `POST /Users` for this userName (case-insensitively) answered 201, operations of `/Bulk` requests
   * included: a duplicate create shows as 2.
   */
  createdCount(userName: string): number {
    const wanted = userName.toLowerCase();
    return this.#entries.filter((entry) => {
      if (entry.method !== 'POST' || entry.path !== '/Users' || entry.status !== 201) return false;
      const body = entry.requestBody;
      const name = typeof body === 'object' && body !== null && !Array.isArray(body) ? body['userName'] : undefined;
      return typeof name === 'string' && name.toLowerCase() === wanted;
    }).length;
  }

  clear(): void {
    this.#entries.length = 0;
  }
}

function matches(entry: ScimLoggedRequest, match: ScimRequestMatch): boolean {
  if (match.method !== undefined && match.method !== entry.method) return false;
  if (match.status !== undefined && match.status !== entry.status) return false;
  if (match.viaBulk !== undefined && match.viaBulk !== (entry.viaBulk === true)) return false;
  if (typeof match.path === 'string') return match.path === entry.path;
  return match.path === undefined || match.path.test(entry.path);
}
