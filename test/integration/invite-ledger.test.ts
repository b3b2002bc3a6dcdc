import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/clock.js';
import type { DueInvite } from '../../src/core/model/app-state.js';
import type { Op } from '../../src/core/planner/op.js';
import { AppStateRepository } from '../../src/store/app-state-repository.js';
import { OutboxRepository } from '../../src/store/outbox-repository.js';
import { InviteLedger } from '../../src/sync/invite-ledger.js';
import { allowApplied, refuseApplied } from '../support/refuse-applied.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const clock: Clock = { now: () => new Date('2026-12-07T10:00:00.000Z') };
const NOW = clock.now().toISOString();

describe.each(DIALECTS)('the invite ledger (%s)', (dialect) => {
  let database: TestDatabase;
  let n = 0;
  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'invite_ledger');
  });
  afterAll(async () => {
    await database.destroy();
  });

  /** `count` people with an invite due and its invite op queued, as a run that created them leaves them. */
  const dueInvites = async (connectionId: string, count: number) => {
    const invites: DueInvite[] = Array.from({ length: count }, (_, i) => ({
      userExternalId: `p${String(i)}`,
      email: `p${String(i)}@x.example`,
      displayName: `P ${String(i)}`,
      sendNumber: 1,
      kind: 'invite',
    }));
    await new AppStateRepository(database.db).persistMany(
      connectionId,
      invites.map((invite) => ({ type: 'invite.due', invite })),
      NOW,
    );
    const ops: Op[] = invites.map((invite) => ({
      kind: 'invite.send',
      key: `invite.send:${invite.userExternalId}`,
      userExternalId: invite.userExternalId,
    }));
    const { entries } = await new OutboxRepository(database.db).enqueuePlan(
      connectionId,
      `run-${connectionId}`,
      ops,
      NOW,
      {
        holds: new Map(),
      },
    );
    return entries.map((entry, i) => ({ id: entry.id, invite: invites[i] as DueInvite }));
  };
  const rows = async (connectionId: string) => {
    const ops = await database.db
      .selectFrom('ops')
      .select(['key', 'status', 'attempts'])
      .where('connection_id', '=', connectionId)
      .orderBy('key')
      .execute();
    const invites = await database.db
      .selectFrom('invites')
      .select(['user_external_id', 'status', 'attempts', 'message_id'])
      .where('connection_id', '=', connectionId)
      .orderBy('user_external_id')
      .execute();
    return { ops: ops.map((row) => ({ ...row })), invites: invites.map((row) => ({ ...row })) };
  };
  const sentEffects = (invite: DueInvite) => [{ type: 'invite.sent' as const, invite }];

  it('stores an attempt, with its Message-ID on the invite row, before it resolves', async () => {
    const connectionId = `attempt-${String(++n)}`;
    const [first] = await dueInvites(connectionId, 2);
    const ledger = new InviteLedger(database.db, connectionId, clock);
    await ledger.attempt(first?.id ?? '', 'p0', '<invite.a@x.example>');
    const { ops, invites } = await rows(connectionId);
    expect(ops.map((op) => [op.status, op.attempts])).toEqual([
      ['pending', 1],
      ['pending', 0],
    ]);
    expect(invites[0]).toMatchObject({ status: 'due', attempts: 1, message_id: '<invite.a@x.example>' });
    expect(invites[1]).toMatchObject({ status: 'due', attempts: 0, message_id: null });
    expect(await ledger.flush()).toBeNull();
  });

  it('stores a sent invite with the next attempt asked in the same turn, and on its own when none comes, without a flush', async () => {
    const connectionId = `together-${String(++n)}`;
    const [first, second, third] = await dueInvites(connectionId, 3);
    const ledger = new InviteLedger(database.db, connectionId, clock);
    await ledger.attempt(first?.id ?? '', 'p0', '<p0@x.example>');
    // The mail server accepted p0; its connection composes p1 and asks for its attempt at once.
    const transactions = vi.spyOn(database.db, 'transaction');
    try {
      ledger.sent(first?.id ?? '', sentEffects(first?.invite as DueInvite));
      // The runner's own steps in between (readiness, composing): promise hops, no I/O.
      for (let hop = 0; hop < 50; hop++) await Promise.resolve();
      await ledger.attempt(second?.id ?? '', 'p1', '<p1@x.example>');
      expect(transactions).toHaveBeenCalledTimes(1); // one commit for both
    } finally {
      transactions.mockRestore();
    }
    let stored = await rows(connectionId);
    expect(stored.ops.map((op) => op.status)).toEqual(['applied', 'pending', 'pending']);
    expect(stored.invites.map((invite) => invite.status)).toEqual(['sent', 'due', 'due']);
    // p1 accepted and nothing follows (p2 waits for its account): its record does not wait for a next attempt.
    ledger.sent(second?.id ?? '', sentEffects(second?.invite as DueInvite));
    await expect.poll(async () => (await rows(connectionId)).ops[1]?.status, { timeout: 2_000 }).toBe('applied');
    stored = await rows(connectionId);
    expect(stored.invites.map((invite) => invite.status)).toEqual(['sent', 'sent', 'due']);
    expect(third).toBeDefined();
    expect(await ledger.flush()).toBeNull();
  });

  it('a commit the database refuses fails the attempts in it, stores none of it, and stops every record after it', async () => {
    const connectionId = `refused-${String(++n)}`;
    const [first, second, third] = await dueInvites(connectionId, 3);
    const ledger = new InviteLedger(database.db, connectionId, clock);
    await ledger.attempt(first?.id ?? '', 'p0', '<p0@x.example>');
    await refuseApplied(database, connectionId);
    try {
      ledger.sent(first?.id ?? '', sentEffects(first?.invite as DueInvite));
      const failed = await ledger.attempt(second?.id ?? '', 'p1', '<p1@x.example>').then(
        () => null,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(Error);
      expect((failed as Error).message).toMatch(/refused in this test/);
      expect(() => {
        ledger.sent(third?.id ?? '', sentEffects(third?.invite as DueInvite));
      }).toThrow(failed as Error);
      await expect(ledger.attempt(third?.id ?? '', 'p2', '<p2@x.example>')).rejects.toBe(failed);
      expect(await ledger.flush()).toBe(failed);
    } finally {
      await allowApplied(database);
    }
    // p0 stays attempted and due (the next run sends it again, with the same Message-ID); p1 was never attempted.
    const { ops, invites } = await rows(connectionId);
    expect(ops.map((op) => [op.status, op.attempts])).toEqual([
      ['pending', 1],
      ['pending', 0],
      ['pending', 0],
    ]);
    expect(invites.map((invite) => [invite.status, invite.attempts])).toEqual([
      ['due', 1],
      ['due', 0],
      ['due', 0],
    ]);
  });
});
