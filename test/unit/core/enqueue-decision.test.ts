import { describe, expect, it } from 'vitest';
import { enqueueDecision, type StoredOpState } from '../../../src/core/enqueue-decision.js';
import type { OpHold } from '../../../src/core/planner/op-hold.js';

const NOW = Date.parse('2026-12-07T10:00:00.000Z');

const HOLD: OpHold = {
  reason: 'recycled-inactive',
  message: 'bo@acme.com is the login of an inactive app account: a departed person’s?',
  incoming: {
    externalId: 'u-new',
    appId: null,
    userName: 'bo@acme.com',
    email: 'bo@acme.com',
    displayName: 'Bo New',
    active: true,
  },
  existing: {
    externalId: 'u-old',
    appId: '17',
    userName: 'bo@acme.com',
    email: 'bo@old.com',
    displayName: 'Bo Old',
    active: false,
  },
};

const stored = (overrides: Partial<StoredOpState>): StoredOpState => ({
  status: 'pending',
  approved: false,
  nextAttemptAtMs: null,
  payloadChanged: false,
  ...overrides,
});

const apply = { action: 'apply', approved: false, resetFailures: false } as const;

describe('enqueueDecision: what a run does with a planned op, from the latest open row of its key', () => {
  it.each<[string, StoredOpState | undefined, OpHold | undefined, ReturnType<typeof enqueueDecision>]>([
    ['a new op is applied', undefined, undefined, apply],
    ['a new op with a plan-time hold is stored held', undefined, HOLD, { action: 'hold', hold: HOLD }],
    ['a pending op (a crashed run’s) is applied', stored({ status: 'pending' }), undefined, apply],
    ['an unsupported op is asked again', stored({ status: 'unsupported' }), undefined, apply],
    ['a held op not approved stays held', stored({ status: 'held' }), undefined, { action: 'hold', hold: null }],
    [
      'a held op held again by the plan takes the new hold',
      stored({ status: 'held' }),
      HOLD,
      { action: 'hold', hold: HOLD },
    ],
    [
      'a held op approved is applied as approved',
      stored({ status: 'held', approved: true }),
      undefined,
      { action: 'apply', approved: true, resetFailures: false },
    ],
    [
      'an approved op is not held again by the plan',
      stored({ status: 'held', approved: true }),
      HOLD,
      { action: 'apply', approved: true, resetFailures: false },
    ],
    [
      'a failed op whose wait is not over waits',
      stored({ status: 'failed', nextAttemptAtMs: NOW + 1 }),
      undefined,
      { action: 'wait', untilMs: NOW + 1 },
    ],
    ['a failed op due exactly now is applied', stored({ status: 'failed', nextAttemptAtMs: NOW }), undefined, apply],
    ['a failed op past its wait is applied', stored({ status: 'failed', nextAttemptAtMs: NOW - 1 }), undefined, apply],
    ['a failed op with no wait recorded is applied', stored({ status: 'failed' }), undefined, apply],
    [
      'an approved op that failed afterwards keeps its approval',
      stored({ status: 'failed', approved: true, nextAttemptAtMs: NOW - 1 }),
      undefined,
      { action: 'apply', approved: true, resetFailures: false },
    ],
    ['a parked op stays parked', stored({ status: 'parked' }), undefined, { action: 'park' }],
    [
      'a parked op whose subject changed is applied with its failures reset',
      stored({ status: 'parked', payloadChanged: true }),
      undefined,
      { action: 'apply', approved: false, resetFailures: true },
    ],
    [
      'a plan-time hold beats a failed wait',
      stored({ status: 'failed', nextAttemptAtMs: NOW + 1 }),
      HOLD,
      { action: 'hold', hold: HOLD },
    ],
    ['a plan-time hold beats parking', stored({ status: 'parked' }), HOLD, { action: 'hold', hold: HOLD }],
  ])('%s', (_case, row, hold, decision) => {
    expect(enqueueDecision(row, hold, NOW)).toEqual(decision);
  });
});
