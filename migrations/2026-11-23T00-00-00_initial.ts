import type { Kysely } from 'kysely';

// Frozen in time: never import application code here. Booleans are integers (0/1) and timestamps ISO-8601
// text so that one migration serves SQLite and PostgreSQL alike. Every table carries connection_id.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('idp', 'text', (col) => col.notNull())
    .addColumn('source', 'text', (col) => col.notNull())
    .addColumn('last_full_read_at', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('idp_users')
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('id', 'text', (col) => col.notNull())
    .addColumn('user_name', 'text', (col) => col.notNull())
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('given_name', 'text', (col) => col.notNull())
    .addColumn('family_name', 'text', (col) => col.notNull())
    .addColumn('display_name', 'text', (col) => col.notNull())
    .addColumn('active', 'integer', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('idp_users_pk', ['connection_id', 'id'])
    .execute();

  await db.schema
    .createTable('idp_groups')
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('id', 'text', (col) => col.notNull())
    .addColumn('display_name', 'text', (col) => col.notNull())
    .addColumn('built_in', 'integer', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('idp_groups_pk', ['connection_id', 'id'])
    .execute();

  await db.schema
    .createTable('idp_memberships')
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('group_id', 'text', (col) => col.notNull())
    .addColumn('member_id', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('idp_memberships_pk', ['connection_id', 'group_id', 'member_id'])
    .execute();

  await db.schema
    .createTable('cursors')
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('value', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('cursors_pk', ['connection_id', 'name'])
    .execute();

  await db.schema
    .createTable('app_users')
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('external_id', 'text', (col) => col.notNull())
    .addColumn('app_id', 'text', (col) => col.notNull())
    .addColumn('user_name', 'text', (col) => col.notNull())
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('given_name', 'text', (col) => col.notNull())
    .addColumn('family_name', 'text', (col) => col.notNull())
    .addColumn('display_name', 'text', (col) => col.notNull())
    .addColumn('active', 'integer', (col) => col.notNull())
    .addColumn('origin', 'text', (col) => col.notNull())
    .addColumn('revision', 'integer', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('app_users_pk', ['connection_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('app_groups')
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('external_id', 'text', (col) => col.notNull())
    .addColumn('app_id', 'text', (col) => col.notNull())
    .addColumn('display_name', 'text', (col) => col.notNull())
    .addColumn('revision', 'integer', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('app_groups_pk', ['connection_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('app_memberships')
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('group_external_id', 'text', (col) => col.notNull())
    .addColumn('user_external_id', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('app_memberships_pk', ['connection_id', 'group_external_id', 'user_external_id'])
    .execute();

  await db.schema
    .createTable('ops')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('subject', 'text', (col) => col.notNull())
    .addColumn('position', 'integer', (col) => col.notNull())
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('ops_connection_status').on('ops').columns(['connection_id', 'status']).execute();
  await db.schema.createIndex('ops_connection_key').on('ops').columns(['connection_id', 'key']).execute();

  await db.schema
    .createTable('invites')
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('user_external_id', 'text', (col) => col.notNull())
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('display_name', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('message_id', 'text')
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('sent_at', 'text')
    .addPrimaryKeyConstraint('invites_pk', ['connection_id', 'user_external_id'])
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('trigger', 'text', (col) => col.notNull())
    .addColumn('mode', 'text', (col) => col.notNull())
    .addColumn('dry_run', 'integer', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('summary', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('runs_connection_started').on('runs').columns(['connection_id', 'started_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'runs',
    'invites',
    'ops',
    'app_memberships',
    'app_groups',
    'app_users',
    'cursors',
    'idp_memberships',
    'idp_groups',
    'idp_users',
    'connections',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
