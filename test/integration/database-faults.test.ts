import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createDb } from '../../src/store/create-db.js';
import { DatabaseError } from '../../src/store/database-error.js';
import type { Database } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { RunRepository } from '../../src/store/run-repository.js';
import { syncConnection, type ConnectionRunResult } from '../../src/sync/sync-connection.js';
import type { CreateOptions, CreateResult, UserWrite } from '../../src/targets/target.js';
import { MemoryAppTarget } from '../support/memory-app-target.js';
import { MemoryConnector } from '../support/memory-connector.js';
import { silentLog } from '../support/silent-log.js';
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from '../support/test-databases.js';
import { JOURNAL_MAX_OPS } from '../../src/sync/applied-journal.js';
import { ATTEMPT_MARK_WINDOW } from '../../src/sync/attempt-marker.js';
import { SYNC_DEFAULTS } from '../support/sync-request.js';

const PEOPLE = 300;

// The pager's own limit: on the test's connection, which is the product's (one better-sqlite3 handle per Kysely).
async function pageCount(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
  return rows[0]?.page_count ?? 0;
}
async function limitPages(db: Kysely<Database>, pages: number): Promise<void> {
  await sql.raw(`pragma max_page_count = ${Math.floor(pages)}`).execute(db);
}
/** Lets the file grow by `pages` more pages only (SQLite keeps the limit at least the file's current size). */
async function leaveRoomFor(db: Kysely<Database>, pages: number): Promise<void> {
  await limitPages(db, (await pageCount(db)) + pages);
}
const UNLIMITED = 1_000_000_000;

/** A target that runs `onCreate` before its n-th user create: here, the disk filling up during apply. */
class FillingTarget extends MemoryAppTarget {
  creates = 0;
  constructor(private readonly onCreate: (n: number) => Promise<void>) {
    super();
  }
  override async createUser(user: UserWrite, options: CreateOptions): Promise<CreateResult> {
    await this.onCreate(++this.creates);
    return super.createUser(user, options);
  }
}

describe('a full SQLite disk fails the run with one message naming SQLITE_FULL', () => {
  let database: TestDatabase;
  let connector: MemoryConnector;
  let runs: RunRepository;

  beforeEach(async () => {
    database = await createTestDatabase('sqlite', 'db_faults');
    runs = new RunRepository(database.db);
    connector = new MemoryConnector(50);
    for (let i = 0; i < PEOPLE; i++) {
      // Long names: the mirror and the app state need pages well beyond what the schema already holds.
      connector.user(`p${i}`, { displayName: `Person ${i} ${'with a rather long display name '.repeat(3)}` });
    }
    connector.group('all', 'Everybody here', [...connector.users.keys()]);
  });
  afterEach(async () => {
    await database.destroy();
  });

  const sync = (target: MemoryAppTarget): Promise<ConnectionRunResult> =>
    syncConnection(
      {
        connectionId: 'acme',
        ...SYNC_DEFAULTS,
        owner: 'database-faults test',
        leaseMs: 60_000,
      },
      { db: database.db, connector, target, invites: null, clock: systemClock, log: silentLog },
    );

  it('while writing the mirror: the rollback that follows never hides the cause, the run row and the lease are closed', async () => {
    await leaveRoomFor(database.db, 2);
    const failure = await sync(new MemoryAppTarget()).then(
      () => null,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(DatabaseError);
    const message = (failure as DatabaseError).message;
    expect(message).toMatch(
      /^the database sqlite:\S+dirsync\.db is full during the run \(database or disk is full, SQLITE_FULL\): nothing more was written; free space on its disk, then run again: the next run resumes$/,
    );
    expect(message).not.toMatch(/rollback|no transaction/i);
    expect((failure as DatabaseError).fault.kind).toBe('disk-full');

    // The database still answers reads and small updates: the run closed its own row and gave the lease back.
    const [first] = await runs.latest('acme', 5);
    expect(first).toMatchObject({ status: 'failed', error: message });
    expect(first?.finishedAt).not.toBeNull();

    // Space again: the next run needs no wait for a lease and converges.
    await limitPages(database.db, UNLIMITED);
    const target = new MemoryAppTarget();
    const again = await sync(target);
    expect(again.kind).toBe('ran');
    expect(again.kind === 'ran' && again.outcome.status).toBe('succeeded');
    expect(target.users.size).toBe(PEOPLE);
    expect((await runs.latest('acme', 5)).map((run) => run.status)).toEqual(['succeeded', 'failed']);
  });

  it('while applying: the run stops after the op in flight, says why, and the next run applies the rest', async () => {
    const target = new FillingTarget(async (n) => {
      if (n === 20) await leaveRoomFor(database.db, 0);
    });
    const result = await sync(target);

    expect(result.kind).toBe('ran');
    if (result.kind !== 'ran') return;
    expect(result.outcome.status).toBe('stopped');
    expect(result.outcome.error).toBeInstanceOf(DatabaseError);
    expect(result.outcome.error?.message).toMatch(
      /^the database sqlite:\S+ is full during the run \(database or disk is full, SQLITE_FULL\): nothing more was written/,
    );
    expect(result.outcome.error?.message).not.toMatch(/rollback|no transaction/i);
    const appliedBefore = result.outcome.applied?.created ?? 0;
    expect(appliedBefore).toBeGreaterThanOrEqual(19);
    expect(appliedBefore).toBeLessThan(PEOPLE);
    const [stopped] = await runs.latest('acme', 5);
    expect(stopped).toMatchObject({ status: 'failed', error: result.outcome.error?.message });

    await limitPages(database.db, UNLIMITED);
    const resumed = await sync(target);
    expect(resumed.kind === 'ran' && resumed.outcome.status).toBe('succeeded');
    // One user per person: the creates applied but not yet committed when the disk filled (at most a group commit's
    // worth, JOURNAL_MAX_OPS, and those of the attempt-mark window sent while it failed) were looked up again, not
    // created twice.
    expect(target.users.size).toBe(PEOPLE);
    expect(target.writes.filter((write) => write.startsWith('createUser:')).length).toBeLessThanOrEqual(
      PEOPLE + JOURNAL_MAX_OPS + ATTEMPT_MARK_WINDOW,
    );
  });
});

describe('PostgreSQL sessions', () => {
  it('show as dirsync in pg_stat_activity unless DATABASE_URL names another application_name', async () => {
    const named = async (url: string): Promise<string | undefined> => {
      const db = createDb(parseDatabaseUrl(url));
      try {
        const { rows } = await sql<{ name: string }>`select current_setting('application_name') as name`.execute(db);
        return rows[0]?.name;
      } finally {
        await db.destroy();
      }
    };
    expect(await named(TEST_POSTGRES_URL)).toBe('dirsync');
    const custom = new URL(TEST_POSTGRES_URL);
    custom.searchParams.set('application_name', 'dirsync-eu-1');
    expect(await named(custom.toString())).toBe('dirsync-eu-1');
  });
});
