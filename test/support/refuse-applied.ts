import { sql } from 'kysely';
import type { TestDatabase } from './test-databases.js';

/**
 * Makes the database refuse to mark the connection's ops applied (a real trigger, not a stand-in), as a disk or
 * constraint fault would refuse a commit.
 */
export function refuseApplied(database: TestDatabase, connectionId: string): Promise<void> {
  const guard = `NEW.status = 'applied' AND NEW.connection_id = '${connectionId}'`;
  return refuseOpUpdates(database, 'refuse_applied', guard, 'applied refused in this test');
}

export function allowApplied(database: TestDatabase): Promise<void> {
  return allowOpUpdates(database, 'refuse_applied');
}

/** Makes the database refuse to mark the connection's invites attempted (the commit before an invite may leave). */
export function refuseInviteMarks(database: TestDatabase, connectionId: string): Promise<void> {
  const guard = `NEW.kind = 'invite.send' AND NEW.attempts > OLD.attempts AND NEW.connection_id = '${connectionId}'`;
  return refuseOpUpdates(database, 'refuse_invite_marks', guard, 'invite mark refused in this test');
}

export function allowInviteMarks(database: TestDatabase): Promise<void> {
  return allowOpUpdates(database, 'refuse_invite_marks');
}

/** A trigger named `name` that aborts, saying `refused`, every update of `ops` for which `guard` (over NEW, OLD) holds. */
async function refuseOpUpdates(database: TestDatabase, name: string, guard: string, refused: string): Promise<void> {
  if (database.dialect === 'sqlite') {
    await sql
      .raw(`CREATE TRIGGER ${name} BEFORE UPDATE ON ops WHEN ${guard} BEGIN SELECT RAISE(ABORT, '${refused}'); END`)
      .execute(database.db);
    return;
  }
  await sql
    .raw(
      `CREATE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN IF ${guard} THEN RAISE EXCEPTION '${refused}'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    )
    .execute(database.db);
  await sql
    .raw(`CREATE TRIGGER ${name} BEFORE UPDATE ON ops FOR EACH ROW EXECUTE FUNCTION ${name}()`)
    .execute(database.db);
}

async function allowOpUpdates(database: TestDatabase, name: string): Promise<void> {
  if (database.dialect === 'sqlite') {
    await sql.raw(`DROP TRIGGER ${name}`).execute(database.db);
    return;
  }
  await sql.raw(`DROP TRIGGER ${name} ON ops`).execute(database.db);
  await sql.raw(`DROP FUNCTION ${name}()`).execute(database.db);
}
