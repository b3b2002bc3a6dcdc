/** One served request as tests see it; headers (and so credentials) are never kept. */
export interface OktaRequestLogEntry {
  readonly method: string;
  /** Path and query, e.g. `/api/v1/users?limit=2`. */
  readonly path: string;
  /** 0 when the connection was reset instead of answered. */
  readonly status: number;
}

export class OktaRequestLog {
  readonly entries: OktaRequestLogEntry[] = [];

  record(entry: OktaRequestLogEntry): void {
    this.entries.push(entry);
  }

  count(method: string, pathPrefix: string): number {
    return this.entries.filter((entry) => entry.method === method && entry.path.startsWith(pathPrefix)).length;
  }

  clear(): void {
    this.entries.length = 0;
  }
}
