// MultiRowInsert (src/store/multi-row-insert.ts): an INSERT compiled once per row count and dialect, run with each
// batch's values. What it stores must be what Kysely's own statement stores, value for value, on both databases.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IdpGroupsTable } from '../../src/store/database.js';
import { MultiRowInsert } from '../../src/store/multi-row-insert.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

// idp_groups: a table of text, integer and nullable columns that no MultiRowInsert of the code writes.
const COLUMNS = ['connection_id', 'id', 'display_name', 'built_in', 'attributes', 'updated_at'] as const;

const UPSERT = new MultiRowInsert<IdpGroupsTable>(COLUMNS, (db, rows) =>
  db
    .insertInto('idp_groups')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['connection_id', 'id']).doUpdateSet((eb) => ({
        display_name: eb.ref('excluded.display_name'),
        built_in: eb.ref('excluded.built_in'),
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
    id: text,
    display_name: text,
    built_in: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    attributes: fc.option(text, { nil: null }),
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
    database.db.selectFrom('idp_groups').selectAll().where('connection_id', '=', connectionId).orderBy('id').execute();

  it('stores every batch as the statement Kysely builds for it would, conflicts included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1_000_000 }).chain((seed) => {
          const id = `c${String(seed)}-${String(++n)}`;
          return fc.tuple(
            fc.constant(id),
            fc.array(fc.uniqueArray(row(id), { selector: (r) => r.id, maxLength: 6 }), { maxLength: 3 }),
          );
        }),
        async ([connectionId, batches]) => {
          const theirs = `${connectionId}-kysely`;
          for (const batch of batches) {
            await UPSERT.execute(database.db, batch);
            const built = batch.map((r) => ({ ...r, connection_id: theirs }));
            if (built.length === 0) continue;
            await database.db
              .insertInto('idp_groups')
              .values(built)
              .onConflict((oc) =>
                oc.columns(['connection_id', 'id']).doUpdateSet((eb) => ({
                  display_name: eb.ref('excluded.display_name'),
                  built_in: eb.ref('excluded.built_in'),
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
      Array.from({ length: 3 }, (_, i) => ({ ...sample(connectionId), id: `g${String(from + i)}` }));
    const insert = new MultiRowInsert<IdpGroupsTable>(COLUMNS, (db, batch) =>
      db.insertInto('idp_groups').values(batch),
    );
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
    expect((await stored(connectionId)).map((r) => r.id)).toEqual(['g0', 'g1', 'g2', 'g3', 'g4', 'g5']);
  });

  it('refuses a statement that would bind the values out of row order', async () => {
    const shuffled = new MultiRowInsert<IdpGroupsTable>(COLUMNS, (db, batch) =>
      db.insertInto('idp_groups').values([...batch].reverse()),
    );
    const connectionId = `refused-${String(++n)}`;
    await expect(
      shuffled.execute(database.db, [
        { ...sample(connectionId), id: 'x1' },
        { ...sample(connectionId), id: 'x2' },
      ]),
    ).rejects.toThrow(/does not bind its values row by row/);
  });

  function sample(connectionId: string): IdpGroupsTable {
    return {
      connection_id: connectionId,
      id: 'g',
      display_name: 'G',
      built_in: 0,
      attributes: null,
      updated_at: 'now',
    };
  }
});
