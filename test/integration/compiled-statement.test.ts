// CompiledStatement (src/store/compiled-statement.ts): a statement compiled once per dialect and list length, run with
// each call's values. It must do what Kysely's own statement does with those values, on both databases.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CompiledStatement } from '../../src/store/compiled-statement.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

interface Rename {
  readonly connectionId: string;
  readonly ids: readonly string[];
  readonly name: string;
}

// Renames some groups, counts them once more (a constant of the statement), and says what it changed.
const RENAME = new CompiledStatement<Rename, { id: string; display_name: string; built_in: number }>(
  (db, slot) =>
    db
      .updateTable('idp_groups')
      .set((eb) => ({ display_name: slot.value('name'), built_in: eb('built_in', '+', 1), attributes: null }))
      .where('connection_id', '=', slot.value('connectionId'))
      .where('id', 'in', slot.list('ids'))
      .returning(['id', 'display_name', 'built_in']),
  ({ ids }) => ({ ids: ids.length }),
);

// Text PostgreSQL stores (no NUL), placeholders' look-alikes included.
const text = fc
  .string({ maxLength: 10 })
  .map((value) => value.replaceAll('\u0000', ''))
  .chain((value) => fc.constantFrom(value, `$1 ? '${value}`));

describe.each(DIALECTS)('CompiledStatement on %s', (dialect) => {
  let database: TestDatabase;
  let n = 0;
  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'compiled_statement');
  });
  afterAll(async () => {
    await database.destroy();
  });

  const groups = async (connectionId: string, ids: readonly string[]) => {
    for (const id of ids) {
      await database.db
        .insertInto('idp_groups')
        .values({
          connection_id: connectionId,
          id,
          display_name: 'old',
          built_in: 0,
          attributes: '{}',
          updated_at: 'x',
        })
        .execute();
    }
  };
  const stored = (connectionId: string) =>
    database.db
      .selectFrom('idp_groups')
      .select(['id', 'display_name', 'built_in', 'attributes'])
      .where('connection_id', '=', connectionId)
      .orderBy('id')
      .execute();

  it('binds each call’s values where Kysely’s own statement would, lists of any length included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), text), { maxLength: 4 }),
        async (ids, calls) => {
          const ours = `ours-${String(++n)}`;
          const theirs = `theirs-${String(n)}`;
          await groups(ours, ids);
          await groups(theirs, ids);
          for (const [from, count, name] of calls) {
            const picked = ids.slice(from % ids.length, (from % ids.length) + 1 + (count % ids.length));
            const result = await RENAME.execute(database.db, { connectionId: ours, ids: picked, name });
            const expected = await database.db
              .updateTable('idp_groups')
              .set((eb) => ({ display_name: name, built_in: eb('built_in', '+', 1), attributes: null }))
              .where('connection_id', '=', theirs)
              .where('id', 'in', picked)
              .returning(['id', 'display_name', 'built_in'])
              .execute();
            const byId = (rows: readonly { id: string }[]) => [...rows].sort((a, b) => (a.id < b.id ? -1 : 1));
            expect(byId(result.rows)).toEqual(byId(expected));
          }
          expect(await stored(ours)).toEqual(await stored(theirs));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('compiles once per list length, and runs one statement per call', async () => {
    const connectionId = `once-${String(++n)}`;
    await groups(connectionId, ['a', 'b', 'c']);
    const statement = new CompiledStatement<Rename>(
      (db, slot) =>
        db
          .updateTable('idp_groups')
          .set({ display_name: slot.value('name') })
          .where('connection_id', '=', slot.value('connectionId'))
          .where('id', 'in', slot.list('ids')),
      ({ ids }) => ({ ids: ids.length }),
    );
    const built = vi.spyOn(database.db, 'updateTable');
    const executed = vi.spyOn(database.db.getExecutor(), 'executeQuery');
    try {
      await statement.execute(database.db, { connectionId, ids: ['a'], name: 'one' });
      await statement.execute(database.db, { connectionId, ids: ['b'], name: 'two' });
      await statement.execute(database.db, { connectionId, ids: ['a', 'c'], name: 'three' });
      expect(built).toHaveBeenCalledTimes(2);
      expect(executed).toHaveBeenCalledTimes(3);
    } finally {
      built.mockRestore();
      executed.mockRestore();
    }
    expect((await stored(connectionId)).map((row) => row.display_name)).toEqual(['three', 'two', 'three']);
  });
});
