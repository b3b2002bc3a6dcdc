/** The size of the bench org. */
export interface ScaleOrgSize {
  readonly users: number;
  readonly groups: number;
  readonly membershipsPerUser: number;
}

/** The IdP requests of one run, as the emulator logged them, and what they cost when fetched plainly. */
export interface IdpRequests {
  readonly count: number;
  /** Answered with something else than 200 (a throttled or failed read would make the floor meaningless). */
  readonly failed: number;
  /** `users 500, users (search) 30, …`. */
  readonly breakdown: string;
  /** The same pages fetched sequentially with plain node:https in the bench process. */
  readFloor(): Promise<{ readonly ms: number; readonly requests: number; readonly note: string }>;
}

/** The fewest IdP requests a full read of the org can make, and how that number was reached. */
export interface IdpRequestMinimum {
  readonly requests: number;
  readonly formula: string;
}

/** One IdP emulator loaded with a bench org, as `bench/scale.ts` drives it. */
export interface ScaleIdp {
  readonly name: string;
  /** What was built, one line each. */
  readonly orgLines: readonly string[];
  /** The CLI's IdP settings. */
  readonly env: Readonly<Record<string, string>>;
  readonly minimum: IdpRequestMinimum;
  /** The fewest requests of a read that finds nothing changed. */
  readonly noopMinimum: IdpRequestMinimum;
  /** IdP requests answered so far (polled while the CLI runs). */
  requestCount(): number;
  /** The requests since the last call (or the start), and forgets them. */
  takeRequests(): IdpRequests;
  stop(): Promise<void>;
}
