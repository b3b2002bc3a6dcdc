import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionLeaseRepository } from '../../src/store/connection-lease-repository.js';
import { ConnectionRepository } from '../../src/store/connection-repository.js';
import { NoopBasisRepository } from '../../src/store/noop-basis-repository.js';
import { WATCHED_TABLES } from '../../src/store/run-writer-driver.js';
import { asRunWriter } from '../../src/store/run-writer.js';
import { openSqlPrompt } from '../support/sql-prompt.js';
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

  // Migration run-writes: the run holding a connection's lease may tell its own writes from everyone else's.
  describe("writes by others than the connection's run", () => {
    const leases = () => new ConnectionLeaseRepository(database.db);
    const others = (connectionId: string) => revisions.writesByOthers(connectionId);
    const groupsOf = async (connectionId: string) =>
      (
        await database.db
          .selectFrom('app_groups')
          .select('external_id')
          .where('connection_id', '=', connectionId)
          .execute()
      ).length;
    const rename = (db: typeof database.db, connectionId: string, name: string) =>
      db.updateTable('app_groups').set({ display_name: name }).where('connection_id', '=', connectionId).execute();

    beforeAll(async () => {
      await database.db
        .insertInto('app_groups')
        .values([group('acme', 'runs'), group('globex', 'runs')])
        .execute();
      expect(await leases().acquire('acme', { runId: 'run-1', owner: 'test', ttlMs: 60_000 })).toEqual({
        acquired: true,
      });
    });
    afterAll(async () => {
      await leases().release('acme', 'run-1');
    });

    it("are not counted for the lease holder's writes, in a transaction or not, and the state revision still moves", async () => {
      const before = { others: await others('acme'), state: await revisions.stateRevision('acme') };
      await asRunWriter('run-1', async () => {
        await rename(database.db, 'acme', 'own 1');
        await database.db.transaction().execute(async (trx) => {
          await rename(trx, 'acme', 'own 2');
          await trx
            .insertInto('app_memberships')
            .values({ connection_id: 'acme', group_external_id: 'runs', user_external_id: 'ada' })
            .execute();
        });
        await database.db.deleteFrom('app_memberships').where('connection_id', '=', 'acme').execute();
      });
      expect(await others('acme')).toBe(before.others);
      expect(await revisions.stateRevision('acme')).toBeGreaterThan(before.state);
    });

    it('are counted for work outside any run, on a session a run used just before', async () => {
      await asRunWriter('run-1', () => rename(database.db, 'acme', 'own'));
      const before = await others('acme');
      await rename(database.db, 'acme', 'an operator');
      expect(await others('acme')).toBeGreaterThan(before);
    });

    it("are counted for a run that does not hold the connection's lease (lost it, or never took it)", async () => {
      const before = await others('acme');
      await asRunWriter('run-2', () => rename(database.db, 'acme', 'a run that lost the lease'));
      expect(await others('acme')).toBeGreaterThan(before);
      const globex = await others('globex');
      await asRunWriter('run-1', () => rename(database.db, 'globex', "another connection's rows"));
      expect(await others('globex')).toBeGreaterThan(globex);
    });

    it('are counted for a session dirsync did not open (a SQL prompt), even while a run writes', async () => {
      const prompt = await openSqlPrompt(database.url);
      try {
        const before = await others('acme');
        await asRunWriter('run-1', async () => {
          await rename(database.db, 'acme', 'own');
          await prompt.run("update app_groups set display_name = 'by hand' where connection_id = ?", ['acme']);
          await rename(database.db, 'acme', 'own again');
        });
        // Per row on SQLite, per transaction on PostgreSQL: the run's two writes around it add nothing.
        expect(await others('acme')).toBe(before + (dialect === 'sqlite' ? await groupsOf('acme') : 1));
      } finally {
        await prompt.close();
      }
    });

    it('let a basis be stored by the lease holder only, while nobody else wrote since the count was taken', async () => {
      const before = await others('acme');
      await asRunWriter('run-1', () => rename(database.db, 'acme', 'own'));
      expect(await revisions.storeUnlessOthersWrote('acme', 'run-2', 'digest', before)).toBe(false);
      expect(await revisions.load('acme')).toBeUndefined();
      expect(await revisions.storeUnlessOthersWrote('acme', 'run-1', 'digest', before)).toBe(true);
      expect(await revisions.load('acme')).toMatchObject({
        basis: 'digest',
        revision: await revisions.stateRevision('acme'),
      });
      await revisions.clear('acme');
      await rename(database.db, 'acme', 'an operator');
      expect(await revisions.storeUnlessOthersWrote('acme', 'run-1', 'digest', before)).toBe(false);
      expect(await revisions.load('acme')).toBeUndefined();
    });

    // The persistent triggers (migration noop-basis) and the run's own (TEMP triggers on SQLite, one function on
    // PostgreSQL) must watch the same tables, or a write to one left out would never count as anyone's.
    it('watch the same tables as the state revision', async () => {
      const rows =
        dialect === 'sqlite'
          ? await sql<{ table: string }>`select tbl_name as "table" from sqlite_master
              where type = 'trigger' and name like '%state_revision'`.execute(database.db)
          : await sql<{ table: string }>`select event_object_table as "table" from information_schema.triggers
              where trigger_schema = current_schema() and trigger_name like '%state_revision'`.execute(database.db);
      expect([...new Set(rows.rows.map((row) => row.table))].sort()).toEqual([...WATCHED_TABLES].sort());
    });
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
