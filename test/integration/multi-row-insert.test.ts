// MultiRowInsert (src/store/multi-row-insert.ts): an INSERT compiled once per row count and dialect, run with each
// batch's values. What it stores must be what Kysely's own statement stores, value for value, on both databases.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppUsersTable } from '../../src/store/database.js';
import { MultiRowInsert } from '../../src/store/multi-row-insert.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const COLUMNS = [
  'connection_id',
  'external_id',
  'app_id',
  'user_name',
  'email',
  'given_name',
  'family_name',
  'display_name',
  'active',
  'origin',
  'revision',
  'extra',
  'updated_at',
] as const;

const UPSERT = new MultiRowInsert<AppUsersTable>(COLUMNS, (db, rows) =>
  db
    .insertInto('app_users')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['connection_id', 'external_id']).doUpdateSet((eb) => ({
        user_name: eb.ref('excluded.user_name'),
        revision: eb.ref('excluded.revision'),
      })),
    ),
);

// Text PostgreSQL stores (no NUL), quotes and placeholders' look-alikes included.
const text = fc
  .string({ maxLength: 12 })
  .map((value) => value.replaceAll('\u0000', ''))
  .chain((value) => fc.constantFrom(value, `'${value}"`, `$1 ? ${value}`, ''));

const row = (connectionId: string) =>
  fc.record({
    connection_id: fc.constant(connectionId),
    external_id: text,
    app_id: text,
    user_name: text,
    email: text,
    given_name: text,
    family_name: text,
    display_name: text,
    active: fc.constantFrom(0, 1),
    origin: fc.constantFrom('created', 'adopted'),
    revision: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    extra: fc.option(text, { nil: null }),
    updated_at: text,
  });

describe.each(DIALECTS)('MultiRowInsert on %s', (dialect) => {
  let database: TestDatabase;
  let n = 0;
  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'multi_row_insert');
  });
  afterAll(async () => {
    await database.destroy();
  });

  const stored = (connectionId: string) =>
    database.db
      .selectFrom('app_users')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .orderBy('external_id')
      .execute();

  it('stores every batch as the statement Kysely builds for it would, conflicts included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1_000_000 }).chain((seed) => {
          const id = `c${String(seed)}-${String(++n)}`;
          return fc.tuple(
            fc.constant(id),
            fc.array(fc.uniqueArray(row(id), { selector: (r) => r.external_id, maxLength: 6 }), { maxLength: 3 }),
          );
        }),
        async ([connectionId, batches]) => {
          const theirs = `${connectionId}-kysely`;
          for (const batch of batches) {
            await UPSERT.execute(database.db, batch);
            const built = batch.map((r) => ({ ...r, connection_id: theirs }));
            if (built.length === 0) continue;
            await database.db
              .insertInto('app_users')
              .values(built)
              .onConflict((oc) =>
                oc.columns(['connection_id', 'external_id']).doUpdateSet((eb) => ({
                  user_name: eb.ref('excluded.user_name'),
                  revision: eb.ref('excluded.revision'),
                })),
              )
              .execute();
          }
          const ours = await stored(connectionId);
          const expected = (await stored(theirs)).map((r) => ({ ...r, connection_id: connectionId }));
          expect(ours).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('compiles a row count once and runs it as one statement per batch', async () => {
    const connectionId = `once-${String(++n)}`;
    const rows = (from: number) =>
      Array.from({ length: 3 }, (_, i) => ({
        connection_id: connectionId,
        external_id: `u${String(from + i)}`,
        app_id: `a${String(from + i)}`,
        user_name: `u${String(from + i)}@x.test`,
        email: `u${String(from + i)}@x.test`,
        given_name: 'G',
        family_name: 'F',
        display_name: 'G F',
        active: 1,
        origin: 'created',
        revision: 1,
        extra: null,
        updated_at: 'now',
      }));
    const insert = new MultiRowInsert<AppUsersTable>(COLUMNS, (db, batch) => db.insertInto('app_users').values(batch));
    const compile = vi.spyOn(database.db, 'insertInto');
    const executed = vi.spyOn(database.db.getExecutor(), 'executeQuery');
    try {
      await insert.execute(database.db, rows(0));
      await insert.execute(database.db, rows(3));
      await insert.execute(database.db, []);
      expect(compile).toHaveBeenCalledTimes(1);
      expect(executed).toHaveBeenCalledTimes(2);
    } finally {
      compile.mockRestore();
      executed.mockRestore();
    }
    expect((await stored(connectionId)).map((r) => r.external_id)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5']);
  });

  it('refuses a statement that would bind the values out of row order', async () => {
    const shuffled = new MultiRowInsert<AppUsersTable>(COLUMNS, (db, batch) =>
      db.insertInto('app_users').values([...batch].reverse()),
    );
    await expect(
      shuffled.execute(database.db, [
        { ...sample(), external_id: 'x1' },
        { ...sample(), external_id: 'x2' },
      ]),
    ).rejects.toThrow(/does not bind its values row by row/);
  });

  function sample(): AppUsersTable {
    return {
      connection_id: `refused-${String(++n)}`,
      external_id: 'x',
      app_id: 'a',
      user_name: 'u',
      email: 'e',
      given_name: 'g',
      family_name: 'f',
      display_name: 'd',
      active: 1,
      origin: 'created',
      revision: 1,
      extra: null,
      updated_at: 'now',
    };
  }
});
