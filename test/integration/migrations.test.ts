import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest, pendingMigrations } from '../../src/store/migrate.js';
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
