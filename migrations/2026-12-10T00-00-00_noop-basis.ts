import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here. What lets a run that read no change skip planning
// (src/sync/noop-basis.ts):
// - connections.state_revision: bumped by the database itself on every insert, update or delete of a row of the
//   tables a plan is made from or that hold work (app state, invites, the outbox, held plans), whoever writes it
//   (SQLite: per row, as it happens; PostgreSQL: once per transaction and connection, at its commit).
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
    // Deferred to the commit, and once per transaction and connection: a bump at each statement would hold the
    // connection's row locked from the first write to the commit, and two transactions writing the same rows in
    // another order (a run's commit, `invites send`) could deadlock on it. At the commit every row lock of the
    // transaction is already held, and a first sync's 100 000s of rows cost a flag check each, not an update.
    await sql`
      create function dirsync_bump_state_revision() returns trigger language plpgsql as $$
      declare
        connection text;
        flag text;
      begin
        if tg_op = 'DELETE' then
          connection := old.connection_id;
        else
          connection := new.connection_id;
        end if;
        flag := 'dirsync.revision_bumped_' || md5(connection);
        if current_setting(flag, true) is distinct from 'yes' then
          update connections set state_revision = state_revision + 1 where id = connection;
          perform set_config(flag, 'yes', true);
        end if;
        return null;
      end $$`.execute(db);
    for (const table of WATCHED) {
      await sql`
        create constraint trigger ${sql.raw(`${table}_state_revision`)}
        after insert or update or delete on ${sql.table(table)}
        deferrable initially deferred
        for each row execute function dirsync_bump_state_revision()`.execute(db);
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
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const table of WATCHED) {
    if (postgres) {
      await sql`drop trigger if exists ${sql.raw(`${table}_state_revision`)} on ${sql.table(table)}`.execute(db);
      continue;
    }
    for (const event of ['insert', 'update', 'delete']) {
      await sql`drop trigger if exists ${sql.raw(`${table}_${event}_state_revision`)}`.execute(db);
    }
  }
  if (postgres) await sql`drop function if exists dirsync_bump_state_revision()`.execute(db);
  await db.schema.alterTable('connections').dropColumn('noop_revision').execute();
  await db.schema.alterTable('connections').dropColumn('noop_basis').execute();
  await db.schema.alterTable('connections').dropColumn('state_revision').execute();
}
