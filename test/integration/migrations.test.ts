import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { isSchemaDropRace, migrateToLatest, pendingMigrations } from '../../src/store/migrate.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  const opened: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of opened) await database.destroy();
  });

  it('leaves nothing pending, and migrating again applies nothing', async () => {
    const database = await createTestDatabase(dialect, 'migrations');
    opened.push(database);
    expect(await pendingMigrations(database.db)).toEqual([]);
    expect(await migrateToLatest(database.db)).toEqual({ applied: [], error: undefined });
  });

  it('creates every table the design names', async () => {
    const database = await createTestDatabase(dialect, 'migrations_tables');
    opened.push(database);
    const tables = (await database.db.introspection.getTables()).map((t) => t.name);
    for (const table of ['connections', 'idp_users', 'idp_groups', 'idp_memberships', 'cursors', 'app_users']) {
      expect(tables).toContain(table);
    }
    for (const table of ['app_groups', 'app_memberships', 'ops', 'invites', 'runs', 'connection_leases']) {
      expect(tables).toContain(table);
    }
  });

  it('migrates several schemas of one database side by side, each with its own migration tables', async () => {
    // Regression: Kysely found another schema's kysely_migration_lock and skipped creating its own.
    const databases = await Promise.all([1, 2, 3].map((i) => createTestDatabase(dialect, `side_by_side_${i}`)));
    opened.push(...databases);
    for (const database of databases) expect(await pendingMigrations(database.db)).toEqual([]);
  });
});

describe('migrations on a PostgreSQL schema that does not exist yet', () => {
  it('reports every migration pending without looking at other schemas, and `migrate` creates the schema', async () => {
    const { createDb } = await import('../../src/store/create-db.js');
    const { parseDatabaseUrl } = await import('../../src/store/database-url.js');
    const { TEST_POSTGRES_URL } = await import('../support/test-databases.js');
    const neighbour = await createTestDatabase('postgres', 'neighbour'); // a schema with kysely tables nearby
    const url = new URL(TEST_POSTGRES_URL);
    const schema = `fresh_${process.pid}_${Date.now().toString(36)}`;
    url.searchParams.set('schema', schema);
    const db = createDb(parseDatabaseUrl(url.toString()));
    try {
      expect((await pendingMigrations(db)).length).toBeGreaterThan(0);
      expect((await migrateToLatest(db)).error).toBeUndefined();
      expect(await pendingMigrations(db)).toEqual([]);
    } finally {
      await db.schema.dropSchema(schema).ifExists().cascade().execute();
      await db.destroy();
      await neighbour.destroy();
    }
  });
});

describe('migrations while other schemas come and go (PostgreSQL)', () => {
  it('recognises both texts of the race, and nothing else', () => {
    expect(isSchemaDropRace(new Error('schema "t_a_1" does not exist'))).toBe(true);
    expect(isSchemaDropRace(new Error('relation "t_db_faults_e2e_1.held_plans" does not exist'))).toBe(true);
    expect(isSchemaDropRace(new Error('permission denied for schema public'))).toBe(false);
    expect(isSchemaDropRace('relation "x" does not exist')).toBe(false);
  });

  it('the start-up check and migrate survive tables of other schemas dropped while Kysely introspects', async () => {
    // Regression (seen in the suite): `relation "t_other.held_plans" does not exist` from Kysely's introspection
    // of every schema, failing a sync that had nothing to do with the dropped schema. The window is one statement
    // wide, so this churn hits it only now and then; `isSchemaDropRace` pins the error texts exactly.
    const database = await createTestDatabase('postgres', 'migrations_churn');
    const churn = await createTestDatabase('postgres', 'migrations_churner');
    let stop = false;
    const churner = (async () => {
      for (let round = 0; !stop; round++) {
        const schema = `t_churn_${process.pid}_${round % 3}`;
        await sql.raw(`create schema if not exists ${schema}`).execute(churn.db);
        for (let t = 0; t < 20; t++)
          await sql.raw(`create table ${schema}.t${t} (id serial, v text)`).execute(churn.db);
        await sql.raw(`drop schema ${schema} cascade`).execute(churn.db);
      }
    })();
    try {
      for (let i = 0; i < 30; i++) {
        expect(await pendingMigrations(database.db)).toEqual([]);
        expect((await migrateToLatest(database.db)).error).toBeUndefined();
      }
    } finally {
      stop = true;
      await churner;
      await database.destroy();
      await churn.destroy();
    }
  }, 120_000);
});
