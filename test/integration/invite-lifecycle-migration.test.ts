import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import * as inviteLifecycle from '../../migrations/2026-12-09T00-00-00_invite-lifecycle.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

const T0 = '2026-12-01T10:00:00.000Z';

// The issue asks for existing data carried over: the migration is run down and up again around rows written the
// way the version before it wrote them.
describe.each(DIALECTS)('the invite lifecycle migration carries existing invites over (%s)', (dialect) => {
  const opened: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of opened) await database.destroy();
  });

  it('a sent invite is send 1 with its history, a due one stays due, people without a row become not-invited', async () => {
    const database = await createTestDatabase(dialect, 'invite_lifecycle_migration');
    opened.push(database);
    const db = database.db;
    await inviteLifecycle.down(db);
    const appUser = (id: string) => ({
      connection_id: 'c1',
      external_id: id,
      app_id: `app-${id}`,
      user_name: `${id}@acme.example`,
      email: `${id}@acme.example`,
      given_name: id,
      family_name: 'Test',
      display_name: `${id} Test`,
      active: 1,
      origin: id === 'adopted' ? 'adopted' : 'created',
      revision: 1,
      extra: null,
      updated_at: T0,
    });
    await db.insertInto('app_users').values(['sent', 'due', 'adopted', 'quiet'].map(appUser)).execute();
    const legacy = (id: string, status: 'sent' | 'due') => ({
      connection_id: 'c1',
      user_external_id: id,
      email: `${id}@acme.example`,
      display_name: `${id} Test`,
      status,
      message_id: status === 'sent' ? '<invite.x@acme.example>' : null,
      attempts: status === 'sent' ? 2 : 0,
      created_at: T0,
      sent_at: status === 'sent' ? T0 : null,
    });
    // Rows of the previous version, without the new columns.
    await (db as unknown as Kysely<Record<string, Record<string, unknown>>>)
      .insertInto('invites')
      .values([legacy('sent', 'sent'), legacy('due', 'due')])
      .execute();

    await inviteLifecycle.up(db);

    const invites = await db.selectFrom('invites').selectAll().orderBy('user_external_id').execute();
    expect(invites.map((row) => [row.user_external_id, row.status, row.sends, row.last_sent_at])).toEqual([
      ['adopted', 'not-invited', 0, null],
      ['due', 'due', 0, null],
      ['quiet', 'not-invited', 0, null],
      ['sent', 'sent', 1, T0],
    ]);
    expect(await db.selectFrom('invite_sends').selectAll().execute()).toEqual([
      {
        connection_id: 'c1',
        user_external_id: 'sent',
        send_number: 1,
        kind: 'invite',
        email: 'sent@acme.example',
        message_id: '<invite.x@acme.example>',
        note: null,
        attempts: 2,
        sent_at: T0,
      },
    ]);
  });
});
