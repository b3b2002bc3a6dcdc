import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { runSync, type SyncRequest } from '../../src/sync/run-sync.js';
import { TargetError } from '../../src/targets/target-error.js';
import { MemoryAppTarget } from '../support/memory-app-target.js';
import { MemoryConnector } from '../support/memory-connector.js';
import { MemoryMailer } from '../../src/invites/memory-mailer.js';
import { silentLog } from '../support/silent-log.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { SYNC_DEFAULTS } from '../support/sync-request.js';

// The whole path (pull → mirror → plan → outbox → apply) against each real database, with test
// implementations of the connector, target and mailer ports.
describe.each(DIALECTS)('sync path on %s', (dialect) => {
  let database: TestDatabase;
  let connector: MemoryConnector;
  let app: MemoryAppTarget;
  let mailer: MemoryMailer;
  let connectionId: string;
  let n = 0;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'sync_path');
  });
  afterAll(async () => {
    await database.destroy();
  });
  beforeEach(() => {
    connectionId = `conn-${++n}`;
    connector = new MemoryConnector();
    app = new MemoryAppTarget();
    mailer = new MemoryMailer();
    connector.user('ada');
    connector.user('bob', { userName: 'Bob.Smith@example.com' });
    connector.user('cyd', { active: false, status: 'STAGED' });
    connector.group('eng', 'Engineering', ['ada', 'bob', 'cyd']);
    connector.group('everyone', 'Everyone', ['ada', 'bob', 'cyd'], true);
  });

  const sync = (overrides: Partial<SyncRequest> = {}) =>
    runSync(
      {
        connectionId,
        ...SYNC_DEFAULTS,
        ...overrides,
      },
      {
        db: database.db,
        connector,
        target: app,
        invites: { mailer, from: 'IT <it@example.com>', appName: 'Dashworks', appLoginUrl: undefined },
        clock: systemClock,
        log: silentLog,
      },
    );

  it('creates active people and in-scope groups, invites each created person once, and a second run writes nothing', async () => {
    const first = await sync();
    expect(first.status).toBe('succeeded');
    expect(app.userByName('ada@example.com')?.active).toBe(true);
    expect(app.userByName('bob.smith@example.com')?.userName).toBe('Bob.Smith@example.com');
    expect(app.userByName('cyd@example.com')).toBeUndefined();
    expect(app.groupByName('Engineering')?.members.size).toBe(2);
    expect(app.groupByName('Everyone')).toBeUndefined();
    expect(
      mailer
        .sent()
        .map((m) => m.to)
        .sort(),
    ).toEqual(['ada@example.com', 'bob@example.com']);

    const writes = app.writes.length;
    const second = await sync();
    expect(second.status).toBe('succeeded');
    expect(second.plan?.ops).toEqual([]);
    expect(app.writes.length).toBe(writes);
    expect(mailer.sent()).toHaveLength(2);
  });

  it('deactivates a suspended person after removing their memberships, and reactivates without a new invite', async () => {
    await sync();
    connector.user('bob', { userName: 'Bob.Smith@example.com', active: false, status: 'SUSPENDED' });
    const suspended = await sync();
    expect(suspended.applied?.deactivated).toBe(1);
    expect(app.userByName('bob.smith@example.com')?.active).toBe(false);
    expect(app.groupByName('Engineering')?.members.size).toBe(1);

    connector.user('bob', { userName: 'Bob.Smith@example.com' });
    const back = await sync();
    expect(back.applied?.reactivated).toBe(1);
    expect(app.userByName('bob.smith@example.com')?.active).toBe(true);
    expect(mailer.sent()).toHaveLength(2);
  });

  it('deactivates a person deleted from the directory, renames and deletes groups', async () => {
    await sync();
    connector.users.delete('ada');
    connector.group('eng', 'Engineering & Product', ['bob']);
    connector.group('ops', 'Operations', []);
    const outcome = await sync();
    expect(outcome.status).toBe('succeeded');
    expect(app.userByName('ada@example.com')?.active).toBe(false);
    expect(app.groupByName('Engineering & Product')?.members.size).toBe(1);
    expect(app.groupByName('Operations')).toBeDefined();
    connector.groups.delete('ops');
    await sync();
    expect(app.groupByName('Operations')).toBeUndefined();
  });

  it('adopts an app user with the same userName without inviting them', async () => {
    app.seedUser({
      externalId: '',
      userName: 'ADA@example.com',
      email: 'ada@old.example.com',
      givenName: 'Ada',
      familyName: 'Old',
      displayName: 'Ada Old',
      active: false,
    });
    await sync();
    const ada = app.userByName('ada@example.com');
    expect(ada?.externalId).toBe('ada');
    expect(ada?.active).toBe(true);
    expect(mailer.sent().map((m) => m.to)).toEqual(['bob@example.com']);
  });

  it('changes nothing anywhere when the directory read fails half-way', async () => {
    await sync();
    connector.users.delete('ada');
    connector.users.delete('bob');
    connector.failAfterPages = 1;
    const before = app.writes.length;
    const outcome = await sync();
    expect(outcome.status).toBe('read-failed');
    expect(app.writes.length).toBe(before);
    const mirrored = await database.db
      .selectFrom('idp_users')
      .select('id')
      .where('connection_id', '=', connectionId)
      .execute();
    expect(mirrored.map((r) => r.id).sort()).toEqual(['ada', 'bob', 'cyd']);
  });

  it('holds a plan that would deactivate more than the limit, and applies it when allowed', async () => {
    for (let i = 0; i < 12; i++) connector.user(`p${i}`);
    await sync();
    for (let i = 0; i < 12; i++) connector.users.delete(`p${i}`);
    const before = app.writes.length;
    // 12 of 15 gone is also a source anomaly: let the read through to reach the deactivation guard.
    const held = await sync({ maxSourceDrop: { kind: 'share', percent: 100 } });
    expect(held.status).toBe('held');
    expect(held.plan?.rejected).toEqual({
      trips: [{ guard: 'deactivations', count: 12, limit: 10, activeAppUsers: 14 }],
    });
    expect(app.writes.length).toBe(before);
    const allowed = await sync({ allowMassDeactivation: true });
    expect(allowed.applied?.deactivated).toBe(12);
  });

  it('holds a full read that lost most of the users before writing anything, and lets it through when allowed', async () => {
    for (let i = 0; i < 37; i++) connector.user(`p${i}`);
    await sync();
    const cursor = () =>
      database.db.selectFrom('cursors').select('value').where('connection_id', '=', connectionId).executeTakeFirst();
    const cursorBefore = await cursor();
    for (let i = 0; i < 13; i++) connector.users.delete(`p${i}`); // 13 of 40: more than 30%
    const before = app.writes.length;
    const held = await sync();
    expect(held.status).toBe('held');
    expect(held.plan).toBeNull();
    expect(held.anomaly).toEqual({ drops: [{ resource: 'users', before: 40, after: 27, limit: 12 }] });
    expect(held.error?.message).toContain('users dropped from 40 to 27');
    expect(app.writes.length).toBe(before);
    expect(await cursor()).toEqual(cursorBefore);
    const mirrored = await database.db
      .selectFrom('idp_users')
      .select('id')
      .where('connection_id', '=', connectionId)
      .execute();
    expect(mirrored).toHaveLength(40);
    const run = await database.db
      .selectFrom('runs')
      .select(['status', 'error'])
      .where('id', '=', held.runId)
      .executeTakeFirstOrThrow();
    expect(run.status).toBe('held');
    expect(run.error).toContain('source anomaly: users dropped from 40 to 27');
    const allowed = await sync({ allowMassDeactivation: true });
    expect(allowed.status).toBe('succeeded');
    expect(allowed.applied?.deactivated).toBe(13);
  });

  it('fails a rejected op, goes on with the rest and retries it on the next run', async () => {
    app.failures.push({
      prefix: 'createUser:ada',
      error: new TargetError('rejected', 'SCIM POST /Users was rejected (400): bad email', { status: 400 }),
    });
    const first = await sync();
    expect(first.status).toBe('partial');
    expect(first.failed.map((f) => f.key)).toEqual([`user.create:${connectionId}:ada`]);
    expect(app.userByName('bob.smith@example.com')).toBeDefined();
    const second = await sync();
    expect(second.status).toBe('succeeded');
    expect(app.userByName('ada@example.com')).toBeDefined();
    expect(app.groupByName('Engineering')?.members.size).toBe(2);
    expect(mailer.sent()).toHaveLength(2);
  });

  it('stops when the app is unavailable, and the next run resumes the attempted create without duplicating it', async () => {
    // The app took the create but the answer never came back: the op stays pending with an attempt recorded.
    app.failures.push({ prefix: 'createUser:ada', error: new TargetError('unavailable', 'app down') });
    const first = await sync();
    expect(first.status).toBe('stopped');
    const pending = await database.db
      .selectFrom('ops')
      .select(['key', 'attempts', 'status'])
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'pending')
      .execute();
    expect(pending.find((op) => op.key.startsWith('user.create') && op.key.endsWith(':ada'))?.attempts).toBe(1);
    const second = await sync();
    expect(second.status).toBe('succeeded');
    expect([...app.users.values()].filter((u) => u.externalId === 'ada')).toHaveLength(1);
    expect(mailer.sent()).toHaveLength(2);
  });

  it('describes the plan with its basis before applying it, and then returns no basis; without the hook, the basis', async () => {
    const described: { ops: number; users: number; desired: number; appUsers: number; appWritesSoFar: number }[] = [];
    const first = await sync({
      describePlan: (plan, basis) => {
        described.push({
          ops: plan.ops.length,
          users: basis.directory.users.size,
          desired: basis.desired.users.size,
          appUsers: basis.app.users.size,
          appWritesSoFar: app.writes.length,
        });
      },
    });
    expect(first.status).toBe('succeeded');
    expect(first.basis).toBeNull();
    // Once, with the plan the run then applied, its basis as it was before anything was applied.
    expect(described).toEqual([{ ops: first.plan?.ops.length, users: 3, desired: 3, appUsers: 0, appWritesSoFar: 0 }]);
    expect(app.userByName('ada@example.com')?.active).toBe(true);

    connector.user('dee');
    const second = await sync({ full: true });
    expect(second.basis?.directory.users.size).toBe(4);
    expect(second.basis?.app.users.size).toBe(2);
  });

  it('a dry run plans the changes but writes neither the app nor the mirror', async () => {
    const outcome = await sync({ dryRun: true });
    expect(outcome.status).toBe('planned');
    expect(outcome.planned?.created).toBe(2);
    expect(app.writes).toEqual([]);
    const mirrored = await database.db
      .selectFrom('idp_users')
      .select('id')
      .where('connection_id', '=', connectionId)
      .execute();
    expect(mirrored).toEqual([]);
  });
});
