import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

// Frozen in time: never import application code here. Which of a connection's state revisions its own sync run
// made, so that a run that wrote may still stand for the next run of no change (src/sync/run-sync.ts):
// - connections.run_revision: bumped together with state_revision (migration noop-basis) when the write is made by
//   the run that holds the connection's lease (connection_leases.run_id), as that run's database session says
//   (src/store/run-writer-driver.ts marks it). Every other writer — a CLI command, a person at a SQL prompt, a run
//   that lost its lease — bumps state_revision alone, so state_revision − run_revision counts the writes by others.
// - PostgreSQL: the session setting `dirsync.run_writer` holds the run's id; the one trigger function of
//   noop-basis learns to read it (still once per transaction and connection, at its commit).
// - SQLite: its triggers cannot read anything of one connection, so the run's own connection adds TEMP triggers
//   beside the persistent ones (created by that connection, same tables and events) that bump run_revision.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('connections')
    .addColumn('run_revision', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) await bumpFunction(true).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) await bumpFunction(false).execute(db);
  await db.schema.alterTable('connections').dropColumn('run_revision').execute();
}

/** The trigger function of noop-basis, which also counts the run's own writes when `runWrites` (as it was if not). */
function bumpFunction(runWrites: boolean): RawBuilder<unknown> {
  const own = runWrites
    ? sql`
        writer := nullif(current_setting('dirsync.run_writer', true), '');
        if writer is not null
          and exists (select 1 from connection_leases where connection_id = connection and run_id = writer) then
          own := 1;
        end if;
        update connections
          set state_revision = state_revision + 1, run_revision = run_revision + own
          where id = connection;`
    : sql`
        update connections set state_revision = state_revision + 1 where id = connection;`;
  return sql`
    create or replace function dirsync_bump_state_revision() returns trigger language plpgsql as $$
    declare
      connection text;
      flag text;
      writer text;
      own integer := 0;
    begin
      if tg_op = 'DELETE' then
        connection := old.connection_id;
      else
        connection := new.connection_id;
      end if;
      flag := 'dirsync.revision_bumped_' || md5(connection);
      if current_setting(flag, true) is distinct from 'yes' then
        ${own}
        perform set_config(flag, 'yes', true);
      end if;
      return null;
    end $$`;
}
