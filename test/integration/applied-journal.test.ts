import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import type { AppUser, DueInvite } from '../../src/core/model/app-state.js';
import type { StateEffect } from '../../src/core/planner/apply-op.js';
import { AppStateRepository } from '../../src/store/app-state-repository.js';
import { OutboxRepository } from '../../src/store/outbox-repository.js';
import { AppliedJournal } from '../../src/sync/applied-journal.js';
import { allowApplied, refuseApplied } from '../support/refuse-applied.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { userCreateOps } from '../support/user-create-ops.js';

const clock: Clock = { now: () => new Date('2026-12-07T10:00:00.000Z') };
const NOW = clock.now().toISOString();

// A few objects, so that sequences put, remove and re-put the same ones.
const userId = fc.constantFrom('u1', 'u2', 'u3', 'u4');
const groupId = fc.constantFrom('g1', 'g2', 'g3');
const appUser: fc.Arbitrary<AppUser> = fc.record({
  externalId: userId,
  appId: fc.constantFrom('a1', 'a2', 'a3'),
  userName: fc.constantFrom('ada@x.example', 'bob@x.example', 'ZOË@x.example'),
  email: fc.constantFrom('ada@x.example', 'zoë@x.example'),
  givenName: fc.string({ maxLength: 4 }),
  familyName: fc.constant('Lovelace'),
  displayName: fc.string({ maxLength: 6 }),
  active: fc.boolean(),
  origin: fc.constantFrom('created' as const, 'adopted' as const),
  revision: fc.nat(5),
});
const dueInvite: fc.Arbitrary<DueInvite> = fc.record({
  userExternalId: userId,
  email: fc.constantFrom('ada@x.example', 'bob@x.example'),
  displayName: fc.constantFrom('Ada', 'Bob'),
  sendNumber: fc.constant(1),
  kind: fc.constant('invite' as const),
});
const effect: fc.Arbitrary<StateEffect> = fc.oneof(
  fc.record({ type: fc.constant('user.put' as const), user: appUser }),
  fc.record({
    type: fc.constant('group.put' as const),
    group: fc.record({
      externalId: groupId,
      appId: fc.constantFrom('ga', 'gb'),
      displayName: fc.string({ maxLength: 5 }),
      revision: fc.nat(3),
    }),
  }),
  fc.record({ type: fc.constant('group.removed' as const), externalId: groupId }),
  fc.record({
    type: fc.constantFrom('members.added' as const, 'members.removed' as const),
    groupExternalId: groupId,
    userExternalIds: fc.uniqueArray(userId, { maxLength: 3 }),
  }),
  fc.record({ type: fc.constant('invite.due' as const), invite: dueInvite }),
  fc.record({
    type: fc.constant('invite.none' as const),
    userExternalId: userId,
    email: fc.constant('none@x.example'),
    displayName: fc.constant('None'),
  }),
);

describe.each(DIALECTS)('group commits of applied ops (%s)', (dialect) => {
  let database: TestDatabase;
  let n = 0;
  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'applied_journal');
  });
  afterAll(async () => {
    await database.destroy();
  });

  const invitesOf = async (connectionId: string) =>
    (
      await database.db
        .selectFrom('invites')
        .select(['user_external_id', 'email', 'display_name', 'status'])
        .where('connection_id', '=', connectionId)
        .orderBy('user_external_id')
        .execute()
    ).map((row) => ({ ...row }));
  const stateOf = async (connectionId: string) => {
    const state = await new AppStateRepository(database.db).load(connectionId);
    return {
      users: [...state.users.values()].sort((a, b) => a.externalId.localeCompare(b.externalId)),
      groups: [...state.groups.values()].sort((a, b) => a.externalId.localeCompare(b.externalId)),
      members: [...state.members].map(([group, members]) => [group, [...members].sort()]).sort(),
      invites: await invitesOf(connectionId),
    };
  };

  it('persistMany leaves the state one persist per effect, in order, leaves', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(effect, { maxLength: 30 }), async (effects) => {
        const one = `one-${String(++n)}`;
        const many = `many-${String(n)}`;
        const repository = new AppStateRepository(database.db);
        for (const single of effects) await repository.persist(one, [single], NOW);
        await repository.persistMany(many, effects, NOW);
        expect(await stateOf(many)).toEqual(await stateOf(one));
      }),
      { numRuns: dialect === 'sqlite' ? 150 : 40 },
    );
  });

  /** Stored ops (user creates), attempted as apply marks them before sending. */
  const storedOps = async (connectionId: string, count: number) => {
    const ops = userCreateOps(count, { invite: true });
    const outbox = new OutboxRepository(database.db);
    const { entries } = await outbox.enqueuePlan(connectionId, `run-${connectionId}`, ops, NOW, { holds: new Map() });
    await outbox.markAttempts(
      entries.map((entry) => entry.id),
      NOW,
    );
    return entries;
  };
  const createdEffects = (externalId: string): StateEffect[] => [
    {
      type: 'user.put',
      user: {
        externalId,
        appId: `app-${externalId}`,
        userName: `${externalId}@x.example`,
        email: `${externalId}@x.example`,
        givenName: 'P',
        familyName: 'Q',
        displayName: 'P Q',
        active: true,
        origin: 'created',
        revision: 1,
      },
    },
    {
      type: 'invite.due',
      invite: {
        userExternalId: externalId,
        email: `${externalId}@x.example`,
        displayName: 'P Q',
        sendNumber: 1,
        kind: 'invite',
      },
    },
  ];
  const statuses = async (connectionId: string) =>
    (await database.db.selectFrom('ops').select('status').where('connection_id', '=', connectionId).execute()).map(
      (row) => row.status,
    );

  it('commits when maxOps ops are queued, after maxDelayMs otherwise, and everything on flush', async () => {
    const connectionId = `journal-${String(++n)}`;
    const entries = await storedOps(connectionId, 7);
    const journal = new AppliedJournal(database.db, connectionId, clock, { maxOps: 3, maxDelayMs: 400 });
    for (const [i, entry] of entries.slice(0, 3).entries()) journal.record(entry.id, createdEffects(`p${String(i)}`));
    await expect
      .poll(() => statuses(connectionId).then((s) => s.filter((x) => x === 'applied').length), { timeout: 5_000 })
      .toBe(3);
    journal.record(entries[3]?.id ?? '', createdEffects('p3'));
    expect((await statuses(connectionId)).filter((x) => x === 'applied')).toHaveLength(3);
    await expect
      .poll(() => statuses(connectionId).then((s) => s.filter((x) => x === 'applied').length), { timeout: 5_000 })
      .toBe(4); // after maxDelayMs
    for (const [i, entry] of entries.slice(4).entries()) journal.record(entry.id, createdEffects(`p${String(i + 4)}`));
    expect(await journal.flush()).toBeNull();
    expect(await statuses(connectionId)).toEqual(Array(7).fill('applied'));
    const state = await new AppStateRepository(database.db).load(connectionId);
    expect([...state.users.keys()].sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(state.dueInvites.size).toBe(7);
  });

  it('durableFor brings the commit of the given ops forward to the next turn, and resolves at once for others', async () => {
    const connectionId = `durable-${String(++n)}`;
    const entries = await storedOps(connectionId, 3);
    const [first, second, third] = entries.map((entry) => entry.id);
    // Neither size nor time would commit within the test: only the wait can.
    const journal = new AppliedJournal(database.db, connectionId, clock, { maxOps: 100, maxDelayMs: 60_000 });
    expect(await journal.durableFor([first ?? ''])).toBeNull(); // nothing recorded: at once
    journal.record(first ?? '', createdEffects('p0'));
    const durable = journal.durableFor([first ?? '']);
    journal.record(second ?? '', createdEffects('p1'));
    // An op not recorded (another person's) waits for nothing.
    expect(await journal.durableFor([third ?? ''])).toBeNull();
    // Resolved by a commit the wait brought: size (100) and time (60 s) would not have come within the test.
    expect(await durable).toBeNull();
    // Both ops, the one recorded after the wait began (same turn) included, went in the commit that resolved it.
    expect(await statuses(connectionId)).toEqual(['applied', 'applied', 'pending']);
  });

  it('ops recorded with nobody waiting still wait for size or time', async () => {
    const connectionId = `durable-idle-${String(++n)}`;
    const entries = await storedOps(connectionId, 1);
    const journal = new AppliedJournal(database.db, connectionId, clock, { maxOps: 100, maxDelayMs: 60_000 });
    journal.record(entries[0]?.id ?? '', createdEffects('p0'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await statuses(connectionId)).toEqual(['pending']);
    expect(await journal.flush()).toBeNull();
    expect(await statuses(connectionId)).toEqual(['applied']);
  });

  it('a commit the database refuses stores none of its ops, and stops every record after it', async () => {
    const connectionId = `refused-${String(++n)}`;
    const entries = await storedOps(connectionId, 4);
    const journal = new AppliedJournal(database.db, connectionId, clock, { maxOps: 100, maxDelayMs: 10_000 });
    journal.record(entries[0]?.id ?? '', createdEffects('p0'));
    expect(await journal.flush()).toBeNull();
    // The database now refuses to mark this connection's ops applied (a real constraint, not a stand-in).
    await refuseApplied(database, connectionId);
    try {
      journal.record(entries[1]?.id ?? '', createdEffects('p1'));
      journal.record(entries[2]?.id ?? '', createdEffects('p2'));
      const failure = await journal.flush();
      expect(failure?.message).toMatch(/refused in this test/);
      expect(() => {
        journal.record(entries[3]?.id ?? '', createdEffects('p3'));
      }).toThrow(failure ?? Error);
      expect(await journal.flush()).toBe(failure);
    } finally {
      await allowApplied(database);
    }
    // p1 and p2 stay attempted and pending for the next run (which looks them up), their app rows unwritten.
    expect((await statuses(connectionId)).sort()).toEqual(['applied', 'pending', 'pending', 'pending']);
    const state = await new AppStateRepository(database.db).load(connectionId);
    expect([...state.users.keys()]).toEqual(['p0']);
  });
});
