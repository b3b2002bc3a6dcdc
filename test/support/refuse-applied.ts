import { sql } from 'kysely';
import type { TestDatabase } from './test-databases.js';

/**
 * Makes the database refuse to mark the connection's ops applied (a real trigger, not a stand-in), as a disk or
 * constraint fault would refuse a commit.
 */
export async function refuseApplied(database: TestDatabase, connectionId: string): Promise<void> {
  const guard = `NEW.status = 'applied' AND NEW.connection_id = '${connectionId}'`;
  if (database.dialect === 'sqlite') {
    await sql
      .raw(
        `CREATE TRIGGER refuse_applied BEFORE UPDATE ON ops WHEN ${guard} BEGIN SELECT RAISE(ABORT, 'applied refused in this test'); END`,
      )
      .execute(database.db);
    return;
  }
  await sql
    .raw(
      `CREATE FUNCTION refuse_applied() RETURNS trigger AS $$ BEGIN IF ${guard} THEN RAISE EXCEPTION 'applied refused in this test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    )
    .execute(database.db);
  await sql
    .raw('CREATE TRIGGER refuse_applied BEFORE UPDATE ON ops FOR EACH ROW EXECUTE FUNCTION refuse_applied()')
    .execute(database.db);
}

export async function allowApplied(database: TestDatabase): Promise<void> {
  if (database.dialect === 'sqlite') {
    await sql.raw('DROP TRIGGER refuse_applied').execute(database.db);
    return;
  }
  await sql.raw('DROP TRIGGER refuse_applied ON ops').execute(database.db);
  await sql.raw('DROP FUNCTION refuse_applied()').execute(database.db);
}
