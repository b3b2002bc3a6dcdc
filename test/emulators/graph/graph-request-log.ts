import { matches } from './graph-fault-injector.js';
import type { GraphRequestMatch } from './graph-fault-injector.js';

/** One request as answered. No headers are kept: bearer tokens and secrets must never reach test output. */
export interface GraphLoggedRequest {
  readonly service: 'token' | 'graph';
  readonly method: string;
  /** Path and query as sent (a token request's form body, which holds the secret, is not kept). */
  readonly url: string;
  readonly status: number;
}

export class GraphRequestLog {
  readonly #entries: GraphLoggedRequest[] = [];

  record(entry: GraphLoggedRequest): void {
    this.#entries.push(entry);
  }

  entries(match: GraphRequestMatch & { readonly status?: number } = {}): readonly GraphLoggedRequest[] {
    return this.#entries.filter(
      (entry) => matches(match, entry) && (match.status === undefined || match.status === entry.status),
    );
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
