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
    for (const table of ['app_groups', 'app_memberships', 'ops', 'invites', 'runs']) expect(tables).toContain(table);
  });

  it('migrates several schemas of one database side by side, each with its own migration tables', async () => {
    // Regression: Kysely found another schema's kysely_migration_lock and skipped creating its own.
    const databases = await Promise.all([1, 2, 3].map((i) => createTestDatabase(dialect, `side_by_side_${i}`)));
    opened.push(...databases);
    for (const database of databases) expect(await pendingMigrations(database.db)).toEqual([]);
  });
});
