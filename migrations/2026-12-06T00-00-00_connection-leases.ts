import type { Kysely } from 'kysely';

// Frozen in time: never import application code here. One row per connection while a run holds it: a second
// start of a sync for the same connection (two CLIs, a CLI beside a worker, two workers) finds the row and does
// not run. expires_at_ms is epoch milliseconds by the DATABASE's clock, so a process with a wrong clock can
// neither take a lease early nor stretch its own; bigint because epoch milliseconds overflow PostgreSQL's
// integer (SQLite gives it integer affinity all the same).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('connection_leases')
    .addColumn('connection_id', 'text', (col) => col.primaryKey())
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('acquired_at', 'text', (col) => col.notNull())
    .addColumn('expires_at_ms', 'bigint', (col) => col.notNull())
    .addColumn('renewed_at', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('connection_leases').execute();
}
