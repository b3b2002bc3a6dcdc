import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionRepository } from '../../src/store/connection-repository.js';
import { NoopBasisRepository } from '../../src/store/noop-basis-repository.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

// The state revision the no-op fast path trusts is kept by the database (migration noop-basis), so every writer
// counts: these writes go straight to the tables, as a person at a SQL prompt or a future repository would.
describe.each(DIALECTS)('connection state revision on %s', (dialect) => {
  let database: TestDatabase;
  let revisions: NoopBasisRepository;
  const NOW = '2027-01-04T09:00:00.000Z';

  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'state_revision');
    revisions = new NoopBasisRepository(database.db);
    for (const id of ['acme', 'globex']) await new ConnectionRepository(database.db).ensure(id, 'sandbox', 'x', NOW);
  });
  afterAll(async () => {
    await database.destroy();
  });

  const group = (connectionId: string, externalId: string) => ({
    connection_id: connectionId,
    external_id: externalId,
    app_id: `app-${externalId}`,
    display_name: externalId,
    revision: 1,
    updated_at: NOW,
  });

  it('moves on every insert, update and delete of the connection, in a transaction or not', async () => {
    const db = database.db;
    const seen = [await revisions.stateRevision('acme')];
    await db.insertInto('app_groups').values(group('acme', 'sales')).execute();
    seen.push(await revisions.stateRevision('acme'));
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('app_groups').set({ display_name: 'Sales' }).where('connection_id', '=', 'acme').execute();
      await trx
        .insertInto('app_memberships')
        .values({ connection_id: 'acme', group_external_id: 'sales', user_external_id: 'ada' })
        .execute();
    });
    seen.push(await revisions.stateRevision('acme'));
    await db.deleteFrom('app_memberships').where('connection_id', '=', 'acme').execute();
    seen.push(await revisions.stateRevision('acme'));
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] ?? Infinity);
  });

  it("stays put for another connection's writes, for a statement that changed no row, and for the mirror", async () => {
    const db = database.db;
    const before = await revisions.stateRevision('acme');
    await db.insertInto('app_groups').values(group('globex', 'ops')).execute();
    await db.updateTable('app_groups').set({ display_name: 'x' }).where('external_id', '=', 'nobody').execute();
    await db
      .insertInto('idp_groups')
      .values({ connection_id: 'acme', id: 'g1', display_name: 'G', built_in: 0, attributes: null, updated_at: NOW })
      .execute();
    expect(await revisions.stateRevision('acme')).toBe(before);
  });

  // Bumped at each statement, the connection's row would stay locked from a transaction's first write to its commit:
  // B's first write would wait for A's commit while A waits for B's row, a deadlock no code of either caused.
  it.runIf(dialect === 'postgres')('adds no lock between two transactions writing rows of one connection', async () => {
    const db = database.db;
    await db
      .insertInto('app_groups')
      .values([group('acme', 'x'), group('acme', 'y')])
      .execute();
    const before = await revisions.stateRevision('acme');
    let aWrote!: () => void;
    let bCommitted!: () => void;
    const aFirst = new Promise<void>((resolve) => (aWrote = resolve));
    const bDone = new Promise<void>((resolve) => (bCommitted = resolve));
    const a = db.transaction().execute(async (trx) => {
      await trx.updateTable('app_groups').set({ display_name: 'a' }).where('external_id', '=', 'x').execute();
      aWrote();
      await bDone;
      await trx.updateTable('app_groups').set({ display_name: 'a' }).where('external_id', '=', 'y').execute();
    });
    const b = (async () => {
      await aFirst;
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('app_groups').set({ display_name: 'b' }).where('external_id', '=', 'y').execute();
      });
      bCommitted();
    })();
    await Promise.all([a, b]);
    expect(await revisions.stateRevision('acme')).toBe(before + 2);
  });

  it('a transaction rolled back leaves it where it was', async () => {
    const before = await revisions.stateRevision('acme');
    await expect(
      database.db.transaction().execute(async (trx) => {
        await trx.insertInto('app_groups').values(group('acme', 'rolled-back')).execute();
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await revisions.stateRevision('acme')).toBe(before);
  });
});
