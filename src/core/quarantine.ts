/**
 * Quarantine of a connection whose runs keep failing (DESIGN "Safety" → Quarantine). With thousands of tenants in
 * one deployment, a tenant whose admin revoked the token, or whose app refuses most of what we send, must not take
 * a worker slot and a share of the IdP's rate limit every 15 minutes. Its scheduled runs back off instead, and one
 * run that goes through (or `dirsync resume`) lifts it.
 *
 * What a run says about its connection (`verdictOf`):
 * - **failing**: the run could not do its work, for any reason that lies with the connection: its IdP or app
 *   rejected the credentials (Okta 401/403, SCIM 401/403, the SMTP login), its configuration is wrong (org URL,
 *   app id, TLS, redirects), the IdP, the app or its mail server was unavailable or throttled past every retry, or
 *   answered what cannot be read; or the run applied its plan but more than 40% of the ops it attempted failed
 *   (and at least `MIN_FAILED_OPS` of them). Outages count too, as Entra provisioning counts them: a tenant whose
 *   app or IdP stays down gains nothing from a run every 15 minutes, and the backoff spares the recovering
 *   service a herd of retries. An outage that passes costs at most the first quarantine (1 h).
 * - **success**: the plan was applied, with no failed op or with failures at or under the line (40%, or fewer
 *   than `MIN_FAILED_OPS`: one or two bad records are retried and parked op by op, they never quarantine the
 *   whole connection). A success resets everything.
 * - **neutral**: the run says nothing about the connection: a guard or a source anomaly held the plan (it waits
 *   for a person, not for a backoff), the run was stopped (SIGTERM, Ctrl-C, its lease lost to another run),
 *   dirsync's own database failed (ours, not the tenant's), or a passing failure that the caller retries itself
 *   (a worker job with attempts left: one trigger counts once, however many attempts it takes).
 *
 * Transitions (`nextQuarantineState`): 3 failing runs in a row → quarantined for 1 h (level 1); once a quarantine
 * has ended, the next failing run quarantines again at the next level (6 h, then 24 h for level 3 and beyond); a
 * failing run during a quarantine (an operator's `sync` or `resync`) leaves its end where it was.
 */

/** Failing runs in a row that quarantine a connection. */
export const QUARANTINE_AFTER_FAILING_RUNS = 3;
/** How long each quarantine level lasts: 1 h, 6 h, then 24 h for level 3 and beyond. */
export const QUARANTINE_BACKOFF_MS: readonly [number, number, number] = [3_600_000, 21_600_000, 86_400_000];
/** A run whose failed ops are more than this share of the ops it attempted is failing. */
export const MAX_FAILED_OPS_PERCENT = 40;
/** ...provided this many ops failed at least: a few bad records are the per-op retries' business. */
export const MIN_FAILED_OPS = 10;

// A reason is shown in `status` and stored in a row: the cause's first words are what matters.
const MAX_REASON_LENGTH = 500;

/** A connection's quarantine bookkeeping (the `connections` columns of the same names). */
export interface QuarantineState {
  /** Failing runs in a row since the last success or `resume`. */
  readonly failingRuns: number;
  /** Quarantines in a row since the last success or `resume` (0: none); picks the backoff. */
  readonly level: number;
  /** When the current (or the last) quarantine ends; null while `level` is 0. */
  readonly until: Date | null;
  /** Why the last failing run failed; null when the last run did not fail. */
  readonly reason: string | null;
}

export const NOT_QUARANTINED: QuarantineState = { failingRuns: 0, level: 0, until: null, reason: null };

/**
 * Why a run failed, as the quarantine words it: `credentials` and `configuration` need a person (nobody retries
 * them), the others may pass by themselves.
 */
export type RunFailureCause = 'credentials' | 'configuration' | 'unavailable' | 'bad-response' | 'unknown';

/** What a finished run tells the quarantine, in the core's own words (the sync layer maps its outcome to it). */
export type RunReport =
  /** The run went through its plan: `attempted` ops reached the app (applied or failed), `failed` of them failed. */
  | { readonly kind: 'applied'; readonly attempted: number; readonly failed: number }
  /**
   * The run failed before or while applying. `retried`: the caller tries this trigger again itself when the cause
   * may pass (a worker job with attempts left).
   */
  | {
      readonly kind: 'failed';
      readonly cause: RunFailureCause;
      readonly message: string;
      readonly retried: boolean;
    }
  /** A guard or a source anomaly held the plan: it waits for a person. */
  | { readonly kind: 'held' }
  /** Stopped on purpose or by dirsync's own trouble (shutdown, lease lost, database fault), with why. */
  | { readonly kind: 'interrupted'; readonly why: string };

export type RunVerdict =
  | { readonly kind: 'success' }
  | { readonly kind: 'failing'; readonly reason: string }
  | { readonly kind: 'neutral'; readonly why: string };

const CAUSE_WORDS: Readonly<Record<RunFailureCause, string>> = {
  credentials: 'credentials rejected',
  configuration: 'configuration error',
  unavailable: 'unavailable',
  'bad-response': 'unexpected answer',
  unknown: 'failed',
};

/** Whether a cause needs a person: such a failure counts even when the caller would retry the trigger. */
export function needsOperator(cause: RunFailureCause): boolean {
  return cause === 'credentials' || cause === 'configuration';
}

/** Whether `failed` of `attempted` ops is over the line: more than 40%, and at least `MIN_FAILED_OPS`. */
export function tooManyOpsFailed(attempted: number, failed: number): boolean {
  // Integers only: 40% exactly is not over the line, whatever floating point would say.
  return failed >= MIN_FAILED_OPS && failed * 100 > attempted * MAX_FAILED_OPS_PERCENT;
}

/** What one run says about its connection (see the top of this file). */
export function verdictOf(report: RunReport): RunVerdict {
  switch (report.kind) {
    case 'applied': {
      if (!tooManyOpsFailed(report.attempted, report.failed)) return { kind: 'success' };
      const percent = Math.round((report.failed * 100) / report.attempted);
      return { kind: 'failing', reason: `${report.failed} of ${report.attempted} ops failed (${percent}%)` };
    }
    case 'failed':
      if (report.retried && !needsOperator(report.cause)) {
        return { kind: 'neutral', why: 'a passing failure its job retries: the last attempt counts' };
      }
      return { kind: 'failing', reason: truncate(`${CAUSE_WORDS[report.cause]}: ${report.message}`) };
    case 'held':
      return { kind: 'neutral', why: 'held for a person' };
    case 'interrupted':
      return { kind: 'neutral', why: report.why };
  }
}

/** Whether runs of the connection are held back at `now`. */
export function isQuarantined(state: QuarantineState, now: Date): boolean {
  return state.until !== null && state.until.getTime() > now.getTime();
}

/** How long a quarantine of `level` (1, 2, 3, ...) lasts. */
export function quarantineDurationMs(level: number): number {
  const [first, second, longest] = QUARANTINE_BACKOFF_MS;
  return level <= 1 ? first : level === 2 ? second : longest;
}

/** The state after a run that finished at `now` (see the top of this file). */
export function nextQuarantineState(state: QuarantineState, report: RunReport, now: Date): QuarantineState {
  const verdict = verdictOf(report);
  switch (verdict.kind) {
    case 'neutral':
      return state;
    case 'success':
      return NOT_QUARANTINED;
    case 'failing': {
      const failingRuns = state.failingRuns + 1;
      // A run an operator asked for during the quarantine: it still counts, but does not move the end.
      if (isQuarantined(state, now)) return { ...state, failingRuns, reason: verdict.reason };
      const level = state.level > 0 ? state.level + 1 : failingRuns >= QUARANTINE_AFTER_FAILING_RUNS ? 1 : 0;
      return {
        failingRuns,
        level,
        until: level === 0 ? null : new Date(now.getTime() + quarantineDurationMs(level)),
        reason: verdict.reason,
      };
    }
  }
}

/** Whether two states are the same (a run that changed nothing needs no write). */
export function sameQuarantineState(a: QuarantineState, b: QuarantineState): boolean {
  return (
    a.failingRuns === b.failingRuns &&
    a.level === b.level &&
    a.reason === b.reason &&
    (a.until?.getTime() ?? null) === (b.until?.getTime() ?? null)
  );
}

/**
 * The state in one sentence for `status`, `connections` and the logs, or null when there is nothing to say:
 * `quarantined until 2026-12-07T13:00:00.000Z (level 1, 3 failing runs in a row): credentials rejected: …`.
 */
export function describeQuarantine(state: QuarantineState, now: Date): string | null {
  const runs = `${state.failingRuns} failing run${state.failingRuns === 1 ? '' : 's'} in a row`;
  const reason = state.reason === null ? '' : `: ${state.reason}`;
  if (state.until !== null && isQuarantined(state, now)) {
    return `quarantined until ${state.until.toISOString()} (level ${state.level}, ${runs})${reason}`;
  }
  if (state.until !== null) {
    return (
      `quarantine (level ${state.level}) ended at ${state.until.toISOString()}; the next failing run quarantines ` +
      `it for ${formatHours(quarantineDurationMs(state.level + 1))} (${runs})${reason}`
    );
  }
  if (state.failingRuns > 0) {
    const left = QUARANTINE_AFTER_FAILING_RUNS - state.failingRuns;
    return `${runs}; ${left > 0 ? `${left} more quarantine${left === 1 ? 's' : ''} it` : 'the next quarantines it'}${reason}`;
  }
  return null;
}

function formatHours(ms: number): string {
  return `${ms / 3_600_000} h`;
}

function truncate(text: string): string {
  return text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
