/** Time is passed in, so runs, retries and tests are deterministic where they need to be. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
