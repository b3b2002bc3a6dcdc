import type { Insertable } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OpHold } from '../../src/core/planner/op-hold.js';
import type { Op } from '../../src/core/planner/op.js';
import type { OpsTable } from '../../src/store/database.js';
import { loadOpsAttention } from '../../src/store/ops-attention.js';
import { OutboxRepository, type EnqueueOptions } from '../../src/store/outbox-repository.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const NOW = '2026-12-07T10:00:00.000Z';
const LATER = '2026-12-07T10:30:00.000Z';
const EARLIER = '2026-12-07T09:00:00.000Z';
const NO_HOLDS: EnqueueOptions = { holds: new Map() };

const HOLD: OpHold = {
  reason: 'recycled-inactive',
  message:
    'bo@acme.com belongs to an inactive app account (Bo Old): adopting it would give a departed person’s data to Bo New',
  incoming: {
    externalId: 'bo',
    appId: null,
    userName: 'bo@acme.com',
    email: 'bo@acme.com',
    displayName: 'Bo New',
    active: true,
  },
  existing: {
    externalId: 'bo-old',
    appId: '17',
    userName: 'bo@acme.com',
    email: 'bo@old.acme.com',
    displayName: 'Bo Old',
    active: false,
  },
};

// The outbox's decisions for each kind of stored row, on each database (the SQL differs: upserts, `in` lists).
describe.each(DIALECTS)('the outbox on %s decides which planned ops a run attempts', (dialect) => {
  let database: TestDatabase;
  let outbox: OutboxRepository;
  let connection: string;
  let n = 0;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'outbox_enqueue');
  });
  afterAll(async () => {
    await database.destroy();
  });
  beforeEach(() => {
    connection = `c${++n}`;
    outbox = new OutboxRepository(database.db);
  });

  const create = (id: string, email = `${id}@acme.com`): Op => ({
    kind: 'user.create',
    key: `user.create:${connection}:${id}`,
    externalId: id,
    attributes: { userName: email, email, givenName: id, familyName: 'Doe', displayName: `${id} Doe` },
    invite: true,
  });

  const seed = async (op: Op, row: Partial<Insertable<OpsTable>>): Promise<string> => {
    const id = row.id ?? `row-${op.key}-${Math.random().toString(36).slice(2)}`;
    await database.db
      .insertInto('ops')
      .values({
        id,
        connection_id: connection,
        run_id: 'run-0',
        key: op.key,
        kind: op.kind,
        subject: op.kind === 'user.create' ? op.externalId : 'x',
        position: 0,
        payload: JSON.stringify(op),
        status: 'pending',
        attempts: 0,
        last_error: null,
        created_at: EARLIER,
        updated_at: EARLIER,
        hold: null,
        approved_at: null,
        failures: 0,
        next_attempt_at: null,
        ...row,
      })
      .execute();
    return id;
  };

  const row = (id: string) => database.db.selectFrom('ops').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const rowsOf = (key: string) => database.db.selectFrom('ops').selectAll().where('key', '=', key).execute();
  const enqueue = (ops: readonly Op[], options = NO_HOLDS, now = NOW) =>
    database.db
      .transaction()
      .execute((trx) => new OutboxRepository(trx).enqueuePlan(connection, 'run-1', ops, now, options));

  it('stores new ops as pending, in plan order, and attempts them all', async () => {
    const ops = [create('ana'), create('bo')];
    const { entries, notApplied } = await enqueue(ops);
    expect(entries.map((entry) => [entry.op.key, entry.attempts, entry.failures, entry.approved])).toEqual([
      [ops[0]?.key, 0, 0, false],
      [ops[1]?.key, 0, 0, false],
    ]);
    expect(notApplied).toEqual([]);
    const stored = await row(entries[1]?.id ?? '');
    expect(stored).toMatchObject({ status: 'pending', run_id: 'run-1', position: 1, failures: 0, attempts: 0 });
  });

  it('takes over a pending row of a crashed run, keeping its attempts', async () => {
    const op = create('ana');
    const id = await seed(op, { attempts: 1 });
    const { entries } = await enqueue([op]);
    expect(entries).toEqual([{ id, op, attempts: 1, failures: 0, approved: false }]);
    expect(await row(id)).toMatchObject({ status: 'pending', run_id: 'run-1', attempts: 1, created_at: EARLIER });
    expect(await rowsOf(op.key)).toHaveLength(1);
  });

  it('supersedes open rows whose key is no longer planned, and older duplicates of a key (the latest decides)', async () => {
    const gone = create('gone');
    const goneIds = await Promise.all(
      (['pending', 'failed', 'held', 'parked', 'unsupported'] as const).map((status) => seed(gone, { status })),
    );
    const op = create('ana');
    const older = await seed(op, { status: 'failed', failures: 3, updated_at: EARLIER });
    const latest = await seed(op, { status: 'failed', failures: 1, updated_at: '2026-12-07T09:30:00.000Z' });
    const applied = await seed(create('done'), { status: 'applied' });
    const { entries } = await enqueue([op]);
    expect(entries.map((entry) => [entry.id, entry.failures])).toEqual([[latest, 1]]);
    for (const id of [...goneIds, older]) expect((await row(id)).status).toBe('superseded');
    expect((await row(applied)).status).toBe('applied');
  });

  it('keeps a held op held and out of the run until it is approved; an approved one is applied as approved', async () => {
    const held = create('bo');
    const heldId = await seed(held, { status: 'held', hold: JSON.stringify(HOLD), last_error: HOLD.message });
    const approved = create('cy');
    const approvedId = await seed(approved, { status: 'held', hold: JSON.stringify(HOLD), approved_at: EARLIER });
    const { entries, notApplied } = await enqueue([held, approved]);
    expect(entries).toEqual([{ id: approvedId, op: approved, attempts: 0, failures: 0, approved: true }]);
    expect(notApplied).toEqual([{ why: 'held', op: held, hold: HOLD }]);
    expect((await row(heldId)).status).toBe('held');
  });

  it('stores a plan-time hold with its JSON and does not attempt the op; never re-holds an approved op', async () => {
    const fresh = create('bo');
    const approved = create('cy');
    const approvedId = await seed(approved, { status: 'held', approved_at: EARLIER });
    const holds = new Map([
      [fresh.key, HOLD],
      [approved.key, HOLD],
    ]);
    const { entries, notApplied } = await enqueue([fresh, approved], { holds });
    expect(entries.map((entry) => [entry.id, entry.approved])).toEqual([[approvedId, true]]);
    expect(notApplied).toEqual([{ why: 'held', op: fresh, hold: HOLD }]);
    const [stored] = await rowsOf(fresh.key);
    expect(stored).toMatchObject({ status: 'held', last_error: HOLD.message, run_id: 'run-1' });
    expect(JSON.parse(stored?.hold ?? 'null')).toEqual(HOLD);
    expect((await row(approvedId)).status).toBe('pending');
  });

  it('lets a failed op wait until its next attempt, then attempts it again keeping its failures', async () => {
    const op = create('ana');
    const id = await seed(op, { status: 'failed', failures: 2, next_attempt_at: LATER, last_error: '400 bad email' });
    const waiting = await enqueue([op]);
    expect(waiting.entries).toEqual([]);
    expect(waiting.notApplied).toEqual([{ why: 'waiting', op, failures: 2, until: LATER, lastError: '400 bad email' }]);
    expect(await row(id)).toMatchObject({ status: 'failed', run_id: 'run-0' });

    const due = await enqueue([op], NO_HOLDS, LATER);
    expect(due.entries).toEqual([{ id, op, attempts: 0, failures: 2, approved: false }]);
    expect(await row(id)).toMatchObject({
      status: 'pending',
      failures: 2,
      next_attempt_at: null,
      last_error: '400 bad email',
    });
  });

  it('keeps a parked op parked while the IdP says the same, and unparks it with no failures once its subject changed', async () => {
    const op = create('ana');
    const id = await seed(op, { status: 'parked', failures: 5, last_error: '400 bad email' });
    const parked = await enqueue([op]);
    expect(parked.entries).toEqual([]);
    expect(parked.notApplied).toEqual([{ why: 'parked', op, failures: 5, lastError: '400 bad email' }]);

    // The same op with its keys in another order is the same op: compared as data, not as text.
    const reordered = reverseKeys(op) as Op;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(op));
    expect((await enqueue([reordered])).entries).toEqual([]);

    const changed = create('ana', 'ana.lopez@acme.com');
    const { entries } = await enqueue([changed]);
    expect(entries).toEqual([{ id, op: changed, attempts: 0, failures: 0, approved: false }]);
    expect(await row(id)).toMatchObject({ status: 'pending', failures: 0 });
    expect(JSON.parse((await row(id)).payload)).toEqual(changed);
  });

  it('asks again about an unsupported op (the app may have changed), on the same row', async () => {
    const op = create('ana');
    const id = await seed(op, { status: 'unsupported', last_error: 'no PATCH' });
    expect((await enqueue([op])).entries.map((entry) => entry.id)).toEqual([id]);
    expect(await rowsOf(op.key)).toHaveLength(1);
  });

  it('retry: failed and parked ops become pending with no failures and no wait; all or nothing', async () => {
    const parked = create('ana');
    const failed = create('bo');
    const applied = create('cy');
    const parkedId = await seed(parked, { status: 'parked', failures: 5 });
    const failedId = await seed(failed, { status: 'failed', failures: 2, next_attempt_at: LATER });
    await seed(applied, { status: 'applied' });

    const refused = await outbox.retry(connection, [parked.key, applied.key, 'user.create:other:zed', 'nope'], NOW);
    expect(refused).toEqual({
      retried: [],
      refused: [
        { key: applied.key, status: 'applied' },
        { key: 'user.create:other:zed', status: null },
        { key: 'nope', status: null },
      ],
    });
    expect((await row(parkedId)).status).toBe('parked');

    expect(await outbox.retry(connection, [parked.key], NOW)).toEqual({ retried: [parked.key], refused: [] });
    expect(await row(parkedId)).toMatchObject({ status: 'pending', failures: 0, next_attempt_at: null });
    expect((await row(failedId)).status).toBe('failed');

    expect(await outbox.retry(connection, 'all', NOW)).toEqual({ retried: [failed.key], refused: [] });
    expect(await row(failedId)).toMatchObject({ status: 'pending', failures: 0, next_attempt_at: null });
    expect(await outbox.retry(connection, 'all', NOW)).toEqual({ retried: [], refused: [] });
  });

  it('lists what needs a person with names, counts, and every unsupported op with its members', async () => {
    await database.db
      .insertInto('idp_users')
      .values(
        ['ana', 'bo'].map((id) => ({
          connection_id: connection,
          id,
          user_name: `${id}@acme.com`,
          email: `${id}@acme.com`,
          given_name: id,
          family_name: 'Doe',
          display_name: `${id} Doe`,
          active: 1,
          status: 'ACTIVE',
          updated_at: NOW,
        })),
      )
      .execute();
    await database.db
      .insertInto('idp_groups')
      .values({ connection_id: connection, id: 'g-sales', display_name: 'Sales', built_in: 0, updated_at: NOW })
      .execute();
    await seed(create('ana'), { status: 'parked', failures: 5, last_error: '400 bad email' });
    await seed(create('bo'), { status: 'held', hold: JSON.stringify(HOLD), last_error: HOLD.message });
    const removal: Op = {
      kind: 'members.remove',
      key: `members.remove:${connection}:g-sales@3`,
      groupExternalId: 'g-sales',
      userExternalIds: ['ana', 'bo', 'ghost'],
    };
    await seed(removal, { status: 'unsupported', subject: 'g-sales', last_error: 'no PATCH' });
    await seed(create('cy'), { status: 'applied' });

    const attention = await loadOpsAttention(database.db, connection);
    expect(attention.counts).toEqual({ held: 1, parked: 1, failed: 0, unsupported: 1 });
    expect(attention.ops.map((op) => [op.status, op.key, op.subjectName])).toEqual([
      ['held', `user.create:${connection}:bo`, 'bo@acme.com'],
      ['parked', `user.create:${connection}:ana`, 'ana@acme.com'],
      ['unsupported', removal.key, 'Sales'],
    ]);
    expect(attention.ops[0]?.hold).toEqual(HOLD);
    expect(attention.ops[2]?.members).toEqual([
      { id: 'ana', name: 'ana@acme.com' },
      { id: 'bo', name: 'bo@acme.com' },
      { id: 'ghost', name: null },
    ]);
  });

  it('takes a few statements per 200 ops, not one per op, for a plan of 2 000 with 1 000 taken over', async () => {
    const ops = Array.from({ length: 2000 }, (_, i) => create(`u${i}`));
    await database.db.transaction().execute(async (trx) => {
      const repository = new OutboxRepository(trx);
      await repository.enqueuePlan(connection, 'run-0', ops.slice(0, 1000), EARLIER, NO_HOLDS);
    });
    // Counted where every statement goes, built by Kysely or compiled once (`MultiRowInsert`).
    const executed = vi.spyOn(database.db.getExecutor(), 'executeQuery');
    let entries;
    try {
      ({ entries } = await new OutboxRepository(database.db).enqueuePlan(connection, 'run-1', ops, NOW, NO_HOLDS));
      // 1 select of the open rows + 10 upserts of 200 rows (inserts and take-overs alike).
      expect(executed).toHaveBeenCalledTimes(11);
    } finally {
      executed.mockRestore();
    }
    expect(entries).toHaveLength(2000);
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(2000);
    const count = await database.db
      .selectFrom('ops')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('connection_id', '=', connection)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2000);
  });
});

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, item]) => [key, reverseKeys(item)]),
  );
}
