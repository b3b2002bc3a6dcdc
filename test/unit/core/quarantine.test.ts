import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeQuarantine,
  isQuarantined,
  MIN_FAILED_OPS,
  nextQuarantineState,
  NOT_QUARANTINED,
  QUARANTINE_AFTER_FAILING_RUNS,
  quarantineDurationMs,
  sameQuarantineState,
  tooManyOpsFailed,
  verdictOf,
  type QuarantineState,
  type RunFailureCause,
  type RunReport,
} from '../../../src/core/quarantine.js';

const HOUR = 3_600_000;
const T0 = new Date('2026-12-07T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

const rejected: RunReport = {
  kind: 'failed',
  cause: 'credentials',
  message: 'OKTA_CLIENT_TOKEN is rejected by https://acme.okta.com: E0000011 Invalid token provided',
  retried: false,
};
const outage: RunReport = { kind: 'failed', cause: 'unavailable', message: 'the app answered 503', retried: false };
const clean: RunReport = { kind: 'applied', attempted: 20, failed: 0 };
const held: RunReport = { kind: 'held' };
const stopped: RunReport = { kind: 'interrupted', why: 'SIGTERM' };

/** Runs `reports` one after the other, `stepMs` apart, from `state` at T0. */
function replay(reports: readonly RunReport[], stepMs = 15 * 60_000, state: QuarantineState = NOT_QUARANTINED) {
  let now = T0;
  for (const report of reports) {
    state = nextQuarantineState(state, report, now);
    now = new Date(now.getTime() + stepMs);
  }
  return state;
}

describe('what a run says about its connection', () => {
  it.each<[string, RunReport, string]>([
    ['credentials rejected (IdP or app token)', rejected, 'failing'],
    ['a configuration error', { ...rejected, cause: 'configuration' }, 'failing'],
    ['an outage past every retry', outage, 'failing'],
    ['an answer that cannot be read', { ...outage, cause: 'bad-response' }, 'failing'],
    ['a failure of no known kind', { ...outage, cause: 'unknown' }, 'failing'],
    ['a clean run', clean, 'success'],
    ['a run with nothing to do', { kind: 'applied', attempted: 0, failed: 0 }, 'success'],
    ['a plan held by a guard', held, 'neutral'],
    ['a run stopped by SIGTERM or a lost lease', stopped, 'neutral'],
    ['an outage its worker job retries', { ...outage, retried: true }, 'neutral'],
    ['rejected credentials, even with attempts left (nobody retries them)', { ...rejected, retried: true }, 'failing'],
    [
      'a configuration error, even with attempts left',
      { ...rejected, cause: 'configuration', retried: true },
      'failing',
    ],
  ])('%s → %s', (_case, report, verdict) => {
    expect(verdictOf(report).kind).toBe(verdict);
  });

  it('names the cause and keeps the message in the reason', () => {
    expect(verdictOf(rejected)).toEqual({
      kind: 'failing',
      reason:
        'credentials rejected: OKTA_CLIENT_TOKEN is rejected by https://acme.okta.com: E0000011 Invalid token provided',
    });
    expect(verdictOf({ kind: 'applied', attempted: 25, failed: 11 })).toEqual({
      kind: 'failing',
      reason: '11 of 25 ops failed (44%)',
    });
  });

  it('cuts a very long reason', () => {
    const verdict = verdictOf({ ...outage, message: 'x'.repeat(5_000) });
    expect(verdict.kind === 'failing' && verdict.reason.length).toBe(500);
    expect(verdict.kind === 'failing' && verdict.reason.endsWith('…')).toBe(true);
  });
});

describe('the 40% line', () => {
  it.each<[number, number, boolean]>([
    [25, 10, false], // exactly 40%
    [25, 11, true], // 44%
    [24, 10, true], // 41.7%
    [100, 40, false],
    [100, 41, true],
    [1000, 400, false],
    [1000, 401, true],
    [10, 10, true], // all of them, at the floor
    [9, 9, false], // all of them, under the floor: per-op retries and parking deal with a few bad records
    [1, 1, false],
    [0, 0, false],
  ])('%i attempted, %i failed → over the line: %s', (attempted, failed, over) => {
    expect(tooManyOpsFailed(attempted, failed)).toBe(over);
    expect(verdictOf({ kind: 'applied', attempted, failed }).kind).toBe(over ? 'failing' : 'success');
  });

  it('the floor is 10 failed ops', () => {
    expect(MIN_FAILED_OPS).toBe(10);
  });

  it('a run under the line resets the count like a clean one', () => {
    const twoFailing = replay([rejected, rejected]);
    expect(twoFailing.failingRuns).toBe(2);
    expect(nextQuarantineState(twoFailing, { kind: 'applied', attempted: 100, failed: 40 }, T0)).toEqual(
      NOT_QUARANTINED,
    );
  });
});

describe('transitions', () => {
  it('counts failing runs and quarantines for 1 h (level 1) at the third in a row', () => {
    const one = nextQuarantineState(NOT_QUARANTINED, rejected, T0);
    expect(one).toEqual({
      failingRuns: 1,
      level: 0,
      until: null,
      reason: expect.stringMatching(/^credentials rejected/),
    });
    const two = nextQuarantineState(one, outage, at(15 * 60_000));
    expect(two).toEqual({ failingRuns: 2, level: 0, until: null, reason: 'unavailable: the app answered 503' });
    expect(isQuarantined(two, at(15 * 60_000))).toBe(false);
    const three = nextQuarantineState(two, rejected, at(30 * 60_000));
    expect(three).toMatchObject({ failingRuns: 3, level: 1, until: at(30 * 60_000 + HOUR) });
    expect(isQuarantined(three, at(30 * 60_000))).toBe(true);
    expect(isQuarantined(three, at(30 * 60_000 + HOUR - 1))).toBe(true);
    expect(isQuarantined(three, at(30 * 60_000 + HOUR))).toBe(false);
  });

  it('once a quarantine ended, the next failing run quarantines again at the next level: 6 h, then 24 h and on', () => {
    const level1 = replay([rejected, rejected, rejected]);
    const level1End = level1.until!.getTime();

    const level2 = nextQuarantineState(level1, rejected, new Date(level1End));
    expect(level2).toMatchObject({ failingRuns: 4, level: 2, until: new Date(level1End + 6 * HOUR) });

    const level3 = nextQuarantineState(level2, rejected, level2.until!);
    expect(level3).toMatchObject({ failingRuns: 5, level: 3, until: new Date(level2.until!.getTime() + 24 * HOUR) });

    const level4 = nextQuarantineState(level3, rejected, level3.until!);
    expect(level4).toMatchObject({ failingRuns: 6, level: 4, until: new Date(level3.until!.getTime() + 24 * HOUR) });
  });

  it('a failing run during the quarantine (an operator asked) counts but does not move its end or level', () => {
    const level1 = replay([rejected, rejected, rejected]);
    const during = nextQuarantineState(level1, outage, new Date(level1.until!.getTime() - 60_000));
    expect(during).toEqual({ ...level1, failingRuns: 4, reason: 'unavailable: the app answered 503' });
  });

  it('one successful run lifts a quarantine at any level, and resets the count', () => {
    const level1 = replay([rejected, rejected, rejected]);
    expect(nextQuarantineState(level1, clean, at(HOUR / 2))).toEqual(NOT_QUARANTINED);
    const level3 = replay([rejected, rejected, rejected, rejected, rejected], 30 * HOUR);
    expect(level3.level).toBe(3);
    expect(nextQuarantineState(level3, clean, at(200 * HOUR))).toEqual(NOT_QUARANTINED);
  });

  it('after a success, it takes three failing runs in a row again, and the quarantine starts at 1 h again', () => {
    const state = replay([rejected, rejected, rejected, clean, rejected, rejected]);
    expect(state).toMatchObject({ failingRuns: 2, level: 0, until: null });
    expect(replay([rejected, rejected, rejected, clean, rejected, rejected, rejected])).toMatchObject({
      failingRuns: 3,
      level: 1,
    });
  });

  it('a held or stopped run is neither: the count goes on from where it was', () => {
    expect(replay([rejected, held, rejected, stopped, rejected])).toMatchObject({ failingRuns: 3, level: 1 });
    const quarantined = replay([rejected, rejected, rejected]);
    expect(nextQuarantineState(quarantined, held, at(HOUR * 10))).toBe(quarantined);
    expect(nextQuarantineState(quarantined, stopped, at(HOUR * 10))).toBe(quarantined);
  });

  it('retried outages of one worker job count once: only the last attempt', () => {
    const attempts = (n: number): RunReport[] => [
      ...Array.from({ length: n - 1 }, () => ({ ...outage, retried: true })),
      outage,
    ];
    expect(replay(attempts(5), 10_000)).toMatchObject({ failingRuns: 1, level: 0 });
    expect(replay([...attempts(5), ...attempts(5), ...attempts(5)], 10_000)).toMatchObject({
      failingRuns: 3,
      level: 1,
    });
  });

  it('backoff durations: 1 h, 6 h, 24 h', () => {
    expect([1, 2, 3, 4, 10].map(quarantineDurationMs)).toEqual([HOUR, 6 * HOUR, 24 * HOUR, 24 * HOUR, 24 * HOUR]);
  });
});

describe('describeQuarantine', () => {
  it('says until when, the level, the count and the reason', () => {
    const state = replay([rejected, rejected, rejected]);
    expect(describeQuarantine(state, at(HOUR))).toBe(
      `quarantined until ${state.until!.toISOString()} (level 1, 3 failing runs in a row): ${state.reason ?? ''}`,
    );
  });

  it('says what the next failing run does once the quarantine ended, and how close a count is to one', () => {
    const state = replay([rejected, rejected, rejected]);
    expect(describeQuarantine(state, state.until!)).toMatch(
      /^quarantine \(level 1\) ended at \S+; the next failing run quarantines it for 6 h \(3 failing runs in a row\): credentials rejected/,
    );
    expect(describeQuarantine(replay([outage]), T0)).toBe(
      '1 failing run in a row; 2 more quarantine it: unavailable: the app answered 503',
    );
    expect(describeQuarantine(replay([outage, outage]), T0)).toMatch(/^2 failing runs in a row; 1 more quarantines it/);
    expect(describeQuarantine(NOT_QUARANTINED, T0)).toBeNull();
  });
});

// Properties over any sequence of runs at any spacing.
const causes: RunFailureCause[] = ['credentials', 'configuration', 'unavailable', 'bad-response', 'unknown'];
const reportArb: fc.Arbitrary<RunReport> = fc.oneof(
  fc
    .tuple(fc.nat({ max: 500 }), fc.nat({ max: 500 }))
    .map(([a, b]) => ({ kind: 'applied' as const, attempted: Math.max(a, b), failed: Math.min(a, b) })),
  fc.record({
    kind: fc.constant('failed' as const),
    cause: fc.constantFrom(...causes),
    message: fc.string({ maxLength: 40 }),
    retried: fc.boolean(),
  }),
  fc.constant(held),
  fc.constant(stopped),
);
const runsArb = fc.array(fc.tuple(reportArb, fc.integer({ min: 0, max: 48 * HOUR })), { maxLength: 40 });

describe('laws (fast-check)', () => {
  it('a success always clears everything; a neutral run never changes anything', () => {
    fc.assert(
      fc.property(runsArb, reportArb, fc.integer({ min: 0, max: 48 * HOUR }), (runs, report, gap) => {
        let now = T0;
        let state = NOT_QUARANTINED;
        for (const [run, step] of runs) {
          now = new Date(now.getTime() + step);
          state = nextQuarantineState(state, run, now);
        }
        const later = new Date(now.getTime() + gap);
        const next = nextQuarantineState(state, report, later);
        const verdict = verdictOf(report).kind;
        if (verdict === 'success') expect(next).toEqual(NOT_QUARANTINED);
        if (verdict === 'neutral') expect(next).toBe(state);
        if (verdict === 'failing') expect(next.failingRuns).toBe(state.failingRuns + 1);
      }),
    );
  });

  it('quarantined exactly when the failing runs since the last success reach 3, and ends by the backoff of its level', () => {
    fc.assert(
      fc.property(runsArb, (runs) => {
        let now = T0;
        let state = NOT_QUARANTINED;
        for (const [run, step] of runs) {
          now = new Date(now.getTime() + step);
          const before = state;
          state = nextQuarantineState(state, run, now);
          expect(state.level > 0).toBe(state.failingRuns >= QUARANTINE_AFTER_FAILING_RUNS);
          expect(state.until === null).toBe(state.level === 0);
          // Levels only climb, until a success brings them back to 0.
          if (state.level > 0) expect(state.level).toBeGreaterThanOrEqual(before.level);
          // A quarantine never outlasts its level's backoff from the run that started it.
          if (state.until !== null) {
            expect(state.until.getTime() - now.getTime()).toBeLessThanOrEqual(quarantineDurationMs(state.level));
          }
          if (sameQuarantineState(before, state)) continue;
          if (state.until !== null && state.until.getTime() !== before.until?.getTime()) {
            expect(state.until.getTime() - now.getTime()).toBe(quarantineDurationMs(state.level));
            expect(isQuarantined(before, now)).toBe(false);
          }
        }
      }),
    );
  });
});
