import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DirectoryConnector, ReadRequest, ReadResult } from '../../connectors/directory-connector.js';
import { systemClock } from '../../src/clock.js';
import type { DirectoryChange, DirectoryPage } from '../../src/core/model/directory-change.js';
import type { DirectoryUser } from '../../src/core/model/directory-user.js';
import { IsolatedObjectRepository } from '../../src/store/isolated-object-repository.js';
import { MirrorRepository } from '../../src/store/mirror-repository.js';
import { runSync, type SyncRequest } from '../../src/sync/run-sync.js';
import { MemoryAppTarget } from '../support/memory-app-target.js';
import { silentLog } from '../support/silent-log.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { SYNC_DEFAULTS } from '../support/sync-request.js';

/** A connector that answers each read with the changes a test scripted for it, full or incremental. */
class ScriptedConnector implements DirectoryConnector {
  readonly idp = 'sandbox';
  readonly source = 'scripted directory';
  next: { changes: DirectoryChange[]; full: boolean } = { changes: [], full: true };
  reads = 0;
  readonly requests: ReadRequest[] = [];

  async *read(request: ReadRequest): AsyncGenerator<DirectoryPage, ReadResult, undefined> {
    this.reads++;
    this.requests.push(request);
    await Promise.resolve();
    yield { changes: this.next.changes };
    return { full: this.next.full, cursor: `read-${this.reads}` };
  }
}

const person = (id: string, overrides: Partial<DirectoryUser> = {}): DirectoryChange => ({
  type: 'user',
  user: {
    id,
    userName: `${id}@example.com`,
    email: `${id}@example.com`,
    givenName: id,
    familyName: 'Test',
    displayName: `${id} Test`,
    active: true,
    status: 'ACTIVE',
    ...overrides,
  },
});
const group = (id: string, members: string[]): DirectoryChange[] => [
  { type: 'group', group: { id, displayName: `Group ${id}`, builtIn: false } },
  { type: 'members.replace', groupId: id, memberIds: members },
];
const unknownStatus = (id: string): DirectoryChange => ({
  type: 'user.isolated',
  id,
  field: 'status',
  reason: 'status PENDING is not an Okta status dirsync knows: not active, kept as last read',
});

describe.each(DIALECTS)('isolation of bad IdP objects on %s', (dialect) => {
  let database: TestDatabase;
  let connector: ScriptedConnector;
  let app: MemoryAppTarget;
  let connectionId: string;
  let n = 0;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'isolation');
  });
  afterAll(async () => {
    await database.destroy();
  });
  beforeEach(() => {
    connectionId = `iso-${++n}`;
    connector = new ScriptedConnector();
    app = new MemoryAppTarget();
  });

  const sync = (changes: DirectoryChange[], options: { full?: boolean } & Partial<SyncRequest> = {}) => {
    connector.next = { changes, full: options.full ?? true };
    return runSync(
      {
        connectionId,
        ...SYNC_DEFAULTS,
        ...options,
      },
      { db: database.db, connector, target: app, invites: null, clock: systemClock, log: silentLog },
    );
  };
  const mirror = () => new MirrorRepository(database.db).loadDirectory(connectionId);
  const isolatedRows = async () =>
    (await new IsolatedObjectRepository(database.db).summary(connectionId, 100)).first.map((row) => [
      row.kind,
      row.id,
      row.reason,
    ]);
  const members = async (groupId: string) => [...((await mirror()).members.get(groupId) ?? [])].sort();
  const baseline = [
    person('ada'),
    person('bob'),
    person('cyd'),
    person('dan'),
    ...group('eng', ['ada', 'bob']),
    ...group('ops', ['cyd']),
  ];

  it('a full read that isolates a known user keeps the mirror row and its memberships, and deactivates nobody', async () => {
    expect((await sync(baseline)).status).toBe('succeeded');
    const bobBefore = (await mirror()).users.get('bob');

    // bob now has a status dirsync does not know, and the member lists say he left eng and joined ops.
    const outcome = await sync([
      person('ada'),
      unknownStatus('bob'),
      person('cyd'),
      person('dan'),
      ...group('eng', ['ada']),
      ...group('ops', ['cyd', 'bob']),
    ]);

    expect(outcome.status).toBe('succeeded');
    expect(outcome.isolated).toEqual([
      {
        kind: 'user',
        id: 'bob',
        field: 'status',
        reason: 'status PENDING is not an Okta status dirsync knows: not active, kept as last read',
      },
    ]);
    expect((await mirror()).users.get('bob')).toEqual(bobBefore);
    expect(await members('eng')).toEqual(['ada', 'bob']);
    expect(await members('ops')).toEqual(['cyd']);
    expect(outcome.plan?.ops).toEqual([]);
    expect(app.userByName('bob@example.com')?.active).toBe(true);
    expect(app.groupByName('Group eng')?.members.size).toBe(2);
    expect(await isolatedRows()).toEqual([['user', 'bob', outcome.isolated[0]?.reason]]);
  });

  it('a later clean read un-isolates the object and syncs it', async () => {
    await sync(baseline);
    await sync([
      ...baseline.filter((change) => change.type !== 'user' || change.user.id !== 'bob'),
      unknownStatus('bob'),
    ]);
    expect(await isolatedRows()).toHaveLength(1);

    const clean = await sync([
      ...baseline.filter((change) => change.type !== 'user' || change.user.id !== 'bob'),
      person('bob', { active: false, status: 'SUSPENDED' }),
    ]);
    expect(clean.isolated).toEqual([]);
    expect(await isolatedRows()).toEqual([]);
    expect((await mirror()).users.get('bob')?.status).toBe('SUSPENDED');
    expect(app.userByName('bob@example.com')?.active).toBe(false);
  });

  it('a NUL byte, a bidi override and a lone surrogate isolate their users; the run succeeds and the rest syncs', async () => {
    await sync(baseline);
    const outcome = await sync([
      person('ada', { displayName: 'Ada\u0000Lovelace' }),
      person('bob', { givenName: '\u202Ebob' }),
      person('cyd', { familyName: 'Test\uD800' }),
      person('dan', { displayName: 'Dan the Man' }),
      person('eve', { displayName: 'Eve\u0000' }),
      person('fay'),
      ...group('eng', ['ada', 'bob', 'fay', 'eve']),
      ...group('ops', ['cyd']),
    ]);

    expect(outcome.status).toBe('succeeded');
    expect(outcome.isolated.map((object) => [object.id, object.reason])).toEqual([
      ['ada', 'displayName contains a NUL byte (U+0000) at character 4'],
      ['bob', 'givenName contains a bidi control (U+202E RIGHT-TO-LEFT OVERRIDE) at character 1'],
      ['cyd', 'familyName contains a lone surrogate (U+D800), invalid UTF-16 at character 5'],
      ['eve', 'displayName contains a NUL byte (U+0000) at character 4'],
    ]);
    const directory = await mirror();
    expect(directory.users.get('ada')?.displayName).toBe('ada Test');
    expect(directory.users.get('dan')?.displayName).toBe('Dan the Man');
    expect(directory.users.has('eve')).toBe(false); // never seen clean: absent, never created
    expect(app.userByName('eve@example.com')).toBeUndefined();
    expect(app.userByName('fay@example.com')?.active).toBe(true);
    expect(await members('eng')).toEqual(['ada', 'bob', 'fay']);
  });

  it('an isolated group keeps its name and members and is not deleted by a full read', async () => {
    await sync(baseline);
    const outcome = await sync([
      ...baseline.filter(
        (change) =>
          !('groupId' in change && change.groupId === 'ops') && !(change.type === 'group' && change.group.id === 'ops'),
      ),
      { type: 'group', group: { id: 'ops', displayName: '', builtIn: false } },
      { type: 'members.replace', groupId: 'ops', memberIds: ['dan'] },
    ]);
    expect(outcome.isolated).toEqual([
      { kind: 'group', id: 'ops', field: 'displayName', reason: 'displayName is empty' },
    ]);
    expect((await mirror()).groups.get('ops')?.displayName).toBe('Group ops');
    expect(await members('ops')).toEqual(['cyd']);
    expect(outcome.plan?.ops).toEqual([]);
    expect(app.groupByName('Group ops')).toBeDefined();
  });

  it('a full read with an object without a usable id removes nobody as unseen, and says so', async () => {
    await sync(baseline);
    const outcome = await sync([
      person('ada'),
      person('bob'),
      person('\u0000cyd'),
      {
        type: 'unidentified',
        kind: 'user',
        field: 'id',
        reason: 'id: Invalid input: expected string, received undefined',
      },
      ...group('eng', ['ada', 'bob']),
      ...group('ops', ['cyd']),
    ]);
    expect(outcome.isolated.map((object) => [object.kind, object.id, object.reason])).toEqual([
      ['user', null, 'id contains a NUL byte (U+0000) at character 1'],
      ['user', null, 'id: Invalid input: expected string, received undefined'],
    ]);
    expect([...(await mirror()).users.keys()].sort()).toEqual(['ada', 'bob', 'cyd', 'dan']);
    expect(app.userByName('dan@example.com')?.active).toBe(true);
    expect(await isolatedRows()).toEqual([]); // no id, no row

    // Once the read is clean again, dan's absence is a departure.
    const clean = await sync([
      person('ada'),
      person('bob'),
      person('cyd'),
      ...group('eng', ['ada', 'bob']),
      ...group('ops', ['cyd']),
    ]);
    expect(clean.applied?.deactivated).toBe(1);
    expect(app.userByName('dan@example.com')?.active).toBe(false);
  });

  it('an incremental read keeps isolated users out of member deltas and replaced lists, and forgets only what it saw', async () => {
    await sync(baseline);
    await sync([
      ...baseline.filter((change) => change.type !== 'user' || change.user.id !== 'bob'),
      unknownStatus('bob'),
    ]);

    const incremental = await sync(
      [
        unknownStatus('ada'),
        { type: 'members.delta', groupId: 'eng', added: ['cyd'], removed: ['ada', 'bob'] },
        { type: 'members.replace', groupId: 'ops', memberIds: ['ada', 'dan'] },
      ],
      { full: false },
    );
    expect(incremental.isolated.map((object) => object.id)).toEqual(['ada']);
    expect(await members('eng')).toEqual(['ada', 'bob', 'cyd']);
    expect(await members('ops')).toEqual(['dan']);
    // bob was not in this read: still isolated from the read before; ada joins him.
    expect((await isolatedRows()).map(([, id]) => id)).toEqual(['ada', 'bob']);

    const released = await sync([person('bob'), { type: 'user.deleted', id: 'ada' }], { full: false });
    expect(await isolatedRows()).toEqual([]);
    // bob's memberships were frozen while he was isolated and this read did not list them: the next read is full.
    expect(released.full).toBe(false);
    await sync([person('bob'), person('cyd'), person('dan'), ...group('eng', ['cyd']), ...group('ops', ['dan'])]);
    expect(connector.requests.at(-1)).toMatchObject({ full: true, cursor: null });
    expect(await members('eng')).toEqual(['cyd']);
  });

  it('a dry run reports the isolated objects but stores nothing', async () => {
    await sync(baseline);
    const dry = await sync(
      [unknownStatus('ada'), person('bob'), person('cyd'), person('dan'), ...group('eng', ['bob'])],
      {
        dryRun: true,
      },
    );
    expect(dry.status).toBe('planned');
    expect(dry.isolated.map((object) => object.id)).toEqual(['ada']);
    expect(await isolatedRows()).toEqual([]);
  });

  it('the summary of the run names the isolated objects by IdP id', async () => {
    await sync(baseline);
    const outcome = await sync([...baseline.slice(1), unknownStatus('ada')]);
    const row = await database.db
      .selectFrom('runs')
      .select('summary')
      .where('id', '=', outcome.runId)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.summary ?? '{}').isolated).toEqual({ count: 1, objects: [outcome.isolated[0]] });
  });
});
