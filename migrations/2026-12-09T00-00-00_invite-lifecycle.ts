import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here. The state of DESIGN "Invites lifecycle":
// - invites: one row per person dirsync put in the app, whatever their invite state. status is now
//   `not-invited` | `due` | `sent` | `accepted` (blocked = deactivated in the app, read from app_users). A due
//   send has its number (send_number), its kind (`invite`, `resend`, `reminder`) and the admin's note; `sends`
//   counts the sends the mail server accepted, `reminders` the reminders among them.
// - invite_sends: one row per accepted send, the history `why` shows and the rate limit counts.
// Existing data carried over: a sent invite is send 1 of its person (history included); people in the app without
// an invite row (adopted, or created while invites were off) become `not-invited`.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('invites')
    .addColumn('sends', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('invites')
    .addColumn('send_number', 'integer', (col) => col.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable('invites')
    .addColumn('send_kind', 'text', (col) => col.notNull().defaultTo('invite'))
    .execute();
  await db.schema.alterTable('invites').addColumn('note', 'text').execute();
  await db.schema.alterTable('invites').addColumn('last_sent_at', 'text').execute();
  await db.schema.alterTable('invites').addColumn('accepted_at', 'text').execute();
  await db.schema
    .alterTable('invites')
    .addColumn('reminders', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('invite_sends')
    .addColumn('connection_id', 'text', (col) => col.notNull())
    .addColumn('user_external_id', 'text', (col) => col.notNull())
    .addColumn('send_number', 'integer', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('message_id', 'text')
    .addColumn('note', 'text')
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .addColumn('sent_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('invite_sends_pk', ['connection_id', 'user_external_id', 'send_number'])
    .execute();
  await db.schema
    .createIndex('invite_sends_connection_sent_at')
    .on('invite_sends')
    .columns(['connection_id', 'sent_at'])
    .execute();

  await db
    .updateTable('invites')
    .set({ sends: 1, last_sent_at: sql`sent_at` })
    .where('status', '=', 'sent')
    .execute();
  await sql`
    insert into invite_sends (connection_id, user_external_id, send_number, kind, email, message_id, note, attempts, sent_at)
    select connection_id, user_external_id, 1, 'invite', email, message_id, null, attempts, sent_at
    from invites where status = 'sent' and sent_at is not null`.execute(db);
  await sql`
    insert into invites (connection_id, user_external_id, email, display_name, status, message_id, attempts, created_at, sent_at)
    select u.connection_id, u.external_id, u.email, u.display_name, 'not-invited', null, 0, u.updated_at, null
    from app_users u
    where not exists (
      select 1 from invites i where i.connection_id = u.connection_id and i.user_external_id = u.external_id
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('invites').where('status', 'in', ['not-invited', 'accepted']).execute();
  await db.schema.dropTable('invite_sends').execute();
  for (const column of ['reminders', 'accepted_at', 'last_sent_at', 'note', 'send_kind', 'send_number', 'sends']) {
    await db.schema.alterTable('invites').dropColumn(column).execute();
  }
}
