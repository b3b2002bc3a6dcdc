/**
 * The slice of the Microsoft Graph client the connector uses: one GET of a path (relative to the API version) or
 * of an absolute `@odata.nextLink`/`@odata.deltaLink`. Throttling is retried underneath; what outlasts the retries,
 * and every other failure, is thrown as the SDK throws it (mapped by `graphFailure`).
 */
export interface GraphHttp {
  get(url: string, headers?: Readonly<Record<string, string>>): Promise<unknown>;
}

/** One HTTP attempt as the retry middleware sent it (retries are separate attempts). */
export interface GraphRequestEvent {
  readonly status: number | undefined;
  /** 429, 503 or 504: answers the retry middleware waits out (honouring `Retry-After`). */
  readonly throttled: boolean;
}
