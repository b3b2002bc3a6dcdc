import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here. What lets a run that read no change skip planning
// (src/sync/noop-basis.ts):
// - connections.state_revision: bumped by the database itself on every insert, update or delete of a row of the
//   tables a plan is made from or that hold work (app state, invites, the outbox, held plans), whoever writes it.
// - connections.noop_basis / noop_revision: what the last run that planned nothing and wrote nothing was made
//   from (a canonical digest of the settings that shape the plan) and the state revision it saw; NULL: the next
//   run plans.

const WATCHED = ['app_users', 'app_groups', 'app_memberships', 'invites', 'ops', 'held_plans'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('connections')
    .addColumn('state_revision', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('connections').addColumn('noop_basis', 'text').execute();
  await db.schema.alterTable('connections').addColumn('noop_revision', 'integer').execute();

  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // One bump per statement and connection (transition tables), not per row: a first sync writes 100 000s of rows.
    await sql`
      create function dirsync_bump_state_revision() returns trigger language plpgsql as $$
      begin
        update connections set state_revision = state_revision + 1
        where id in (select connection_id from changed_rows);
        return null;
      end $$`.execute(db);
    for (const table of WATCHED) {
      for (const [event, side] of [
        ['insert', 'new'],
        ['update', 'new'],
        ['delete', 'old'],
      ] as const) {
        await sql`
          create trigger ${sql.raw(`${table}_${event}_state_revision`)} after ${sql.raw(event)} on ${sql.table(table)}
          referencing ${sql.raw(side)} table as changed_rows
          for each statement execute function dirsync_bump_state_revision()`.execute(db);
      }
    }
    return;
  }
  for (const table of WATCHED) {
    for (const [event, side] of [
      ['insert', 'new'],
      ['update', 'new'],
      ['delete', 'old'],
    ] as const) {
      await sql`
        create trigger ${sql.raw(`${table}_${event}_state_revision`)} after ${sql.raw(event)} on ${sql.table(table)}
        begin
          update connections set state_revision = state_revision + 1 where id = ${sql.raw(side)}.connection_id;
        end`.execute(db);
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of WATCHED) {
    for (const event of ['insert', 'update', 'delete']) {
      await sql`drop trigger if exists ${sql.raw(`${table}_${event}_state_revision`)}${
        db.getExecutor().adapter instanceof PostgresAdapter ? sql` on ${sql.table(table)}` : sql``
      }`.execute(db);
    }
  }
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop function if exists dirsync_bump_state_revision()`.execute(db);
  }
  await db.schema.alterTable('connections').dropColumn('noop_revision').execute();
  await db.schema.alterTable('connections').dropColumn('noop_basis').execute();
  await db.schema.alterTable('connections').dropColumn('state_revision').execute();
}
