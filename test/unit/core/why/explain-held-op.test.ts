import { describe, expect, it } from 'vitest';
import type { OpHold } from '../../../../src/core/planner/op-hold.js';
import { explainStoredOp } from '../../../../src/core/why/explain-stored-op.js';
import type { OpRecord } from '../../../../src/core/why/subject-evidence.js';

const KEY = 'user.create:default:00u2';

const HOLD: OpHold = {
  reason: 'recycled-known-as-other',
  message: `login "alice@example.com" (IdP 00u2) is the same login as "alice@example.com" (app user 7f3c, IdP 00u1, inactive): held as a possible recycled or spoofed identity; approve with dirsync approve ${KEY}`,
  incoming: {
    externalId: '00u2',
    appId: null,
    userName: 'alice@example.com',
    email: 'alice@example.com',
    displayName: 'Alice New',
    active: true,
  },
  existing: {
    externalId: '00u1',
    appId: '7f3c',
    userName: 'alice@example.com',
    email: 'alice.old@example.com',
    displayName: 'Alice Old',
    active: false,
  },
};

function createOp(overrides: Partial<OpRecord> = {}): OpRecord {
  return {
    key: KEY,
    kind: 'user.create',
    status: 'held',
    attempts: 1,
    lastError: HOLD.message,
    payload: { kind: 'user.create', externalId: '00u2', attributes: { userName: 'alice@example.com' }, invite: true },
    createdAt: '2026-12-01T09:00:00.000Z',
    updatedAt: '2026-12-01T09:00:01.000Z',
    run: null,
    hold: HOLD,
    approvedAt: null,
    ...overrides,
  };
}

const names = { group: (id: string) => id, user: (id: string) => id };

describe('explainStoredOp of a held op', () => {
  it('shows both identities, the reason and the approve command while it waits', () => {
    const explained = explainStoredOp(createOp(), 'user', names);
    expect(explained.hold).toEqual({
      ...HOLD,
      approvedAt: null,
      next: `waits for a person: \`dirsync approve ${KEY}\` lets the next run go ahead (adopting the existing account)`,
    });
    // The message is the hold's, not repeated as a note.
    expect(explained.note).toBeNull();
    expect(explained.answer).toBeNull();
  });

  it('says when it was approved, and that the next run goes ahead', () => {
    const explained = explainStoredOp(createOp({ approvedAt: '2026-12-01T10:00:00.000Z' }), 'user', names);
    expect(explained.hold?.approvedAt).toBe('2026-12-01T10:00:00.000Z');
    expect(explained.hold?.next).toBe('approved at 2026-12-01T10:00:00.000Z: the next run goes ahead');
  });

  it('keeps the hold of an approved op that was applied, for the record', () => {
    const op = createOp({ status: 'applied', approvedAt: '2026-12-01T10:00:00.000Z', lastError: null });
    expect(explainStoredOp(op, 'user', names).hold).toMatchObject({
      reason: 'recycled-known-as-other',
      existing: { appId: '7f3c', externalId: '00u1', active: false },
      next: 'approved at 2026-12-01T10:00:00.000Z, then applied',
    });
  });

  it('has no hold for an op that was never held, or whose row predates holds', () => {
    const plain = createOp({ status: 'applied', hold: null, lastError: null });
    expect(explainStoredOp(plain, 'user', names).hold).toBeNull();
    const { hold: _hold, approvedAt: _approvedAt, ...older } = createOp({ status: 'skipped', lastError: 'why not' });
    const explained = explainStoredOp(older, 'user', names);
    expect(explained.hold).toBeNull();
    expect(explained.note).toBe('why not');
  });
});
