import type { Kysely } from 'kysely';

// Frozen in time: never import application code here. The state of DESIGN "Safety":
// - held_plans: a plan a guard (or a source anomaly) held, with a short id an operator types, its reasons and
//   ops as JSON, and the destructive part ("atoms") an approval covers.
// - ops: an op may be held (a recycled identity, a confusable login) until approved; a failed op is retried
//   after next_attempt_at and parked after DIRSYNC_MAX_OP_ATTEMPTS failures; an op the app cannot perform
//   is recorded as unsupported. The status column is text, so the new statuses need no change to it.
// - connections: the quarantine of a connection whose runs keep failing.
// - isolated_objects: IdP objects a read could not take (unknown status, NUL bytes, ...), named by IdP id.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('held_plans')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('reasons', 'text', (col) => col.notNull())
    .addColumn('counts', 'text', (col) => col.notNull())
    .addColumn('ops', 'text', (col) => col.notNull())
    .addColumn('destructive', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('decided_at', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('applied_run_id', 'text')
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('held_plans_connection_status')
    .on('held_plans')
    .columns(['connection_id', 'status'])
    .execute();

  await db.schema.alterTable('ops').addColumn('hold', 'text').execute();
  await db.schema.alterTable('ops').addColumn('approved_at', 'text').execute();
  await db.schema
    .alterTable('ops')
    .addColumn('failures', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('ops').addColumn('next_attempt_at', 'text').execute();

  await db.schema
    .alterTable('connections')
    .addColumn('failing_runs', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('connections')
    .addColumn('quarantine_level', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('connections').addColumn('quarantined_until', 'text').execute();
  await db.schema.alterTable('connections').addColumn('quarantine_reason', 'text').execute();

  await db.schema
    .createTable('isolated_objects')
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('id', 'text', (col) => col.notNull())
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('first_seen_at', 'text', (col) => col.notNull())
    .addColumn('last_seen_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('isolated_objects_pk', ['connection_id', 'kind', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('isolated_objects').execute();
  for (const column of ['quarantine_reason', 'quarantined_until', 'quarantine_level', 'failing_runs']) {
    await db.schema.alterTable('connections').dropColumn(column).execute();
  }
  for (const column of ['next_attempt_at', 'failures', 'approved_at', 'hold']) {
    await db.schema.alterTable('ops').dropColumn(column).execute();
  }
  await db.schema.dropTable('held_plans').execute();
}
