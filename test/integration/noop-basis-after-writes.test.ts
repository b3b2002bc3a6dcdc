import { SelectQueryNode, TableNode, type KyselyPlugin, type QueryResult, type UnknownRow } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { MemoryMailer } from '../../src/invites/memory-mailer.js';
import { createDb } from '../../src/store/create-db.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { InviteRepository } from '../../src/store/invite-repository.js';
import type { SyncOutcome, SyncRequest } from '../../src/sync/run-sync.js';
import type { CreateOptions, CreateResult, UserWrite } from '../../src/targets/target.js';
import { TargetError } from '../../src/targets/target-error.js';
import { ChangesConnector } from '../support/changes-connector.js';
import { leasedSync } from '../support/leased-sync.js';
import { MemoryAppTarget } from '../support/memory-app-target.js';
import { planSkipped } from '../support/plan-skipped.js';
import { silentLog } from '../support/silent-log.js';
import { openSqlPrompt } from '../support/sql-prompt.js';
import { SYNC_DEFAULTS } from '../support/sync-request.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

/** The memory app, with something to do just before a user's create reaches it (in the middle of a run). */
class HookedTarget extends MemoryAppTarget {
  readonly beforeCreate = new Map<string, () => Promise<void>>();

  override async createUser(user: UserWrite, options: CreateOptions): Promise<CreateResult> {
    await this.beforeCreate.get(user.userName)?.();
    return super.createUser(user, options);
  }
}

/**
 * Awaits `hook` once, after the first read of held plans returns: the last thing a run reads before its basis. The
 * run still holds its database connection then (a single one on SQLite): the hook writes through another.
 */
class AfterHeldPlansRead implements KyselyPlugin {
  readonly #reads = new Set<string>();
  #fired = false;

  constructor(private readonly hook: () => Promise<void>) {}

  transformQuery: KyselyPlugin['transformQuery'] = ({ node, queryId }) => {
    const from = SelectQueryNode.is(node) ? (node.from?.froms ?? []) : [];
    if (from.some((table) => TableNode.is(table) && table.table.identifier.name === 'held_plans')) {
      this.#reads.add(queryId.queryId);
    }
    return node;
  };

  async transformResult({ result, queryId }: { result: QueryResult<UnknownRow>; queryId: { queryId: string } }) {
    if (this.#reads.has(queryId.queryId) && !this.#fired) {
      this.#fired = true;
      await this.hook();
    }
    return result;
  }
}

/** `work`, started now (outside the run that calls the returned function), runs when that run calls it. */
function outsideTheRun(work: () => Promise<void>): () => Promise<void> {
  let go!: () => void;
  const called = new Promise<void>((resolve) => (go = resolve));
  // Started here, so it continues in this context after the await, whoever resolves `called`.
  const done = (async () => {
    await called;
    await work();
  })();
  return () => {
    go();
    return done;
  };
}

// A run that wrote may store the no-op basis (run-sync.ts): when it applied all it planned, left nothing waiting,
// and nobody but itself wrote to the connection's state meanwhile. Each test breaks one of those.
describe.each(DIALECTS)('no-op basis left by a run that wrote, on %s', (dialect) => {
  let database: TestDatabase;
  let connector: ChangesConnector;
  let app: HookedTarget;
  let mailer: MemoryMailer;
  let connectionId: string;
  const time = Date.parse('2027-01-04T09:00:00Z');
  const clock: Clock = { now: () => new Date(time) };
  let n = 0;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'noop_after_writes');
  });
  afterAll(async () => {
    await database.destroy();
  });
  beforeEach(() => {
    connectionId = `writes-${++n}`;
    connector = new ChangesConnector();
    app = new HookedTarget();
    mailer = new MemoryMailer();
    connector.user('ada');
    connector.user('bob');
    connector.group('eng', 'Engineering', ['ada', 'bob']);
  });

  const sync = (overrides: Partial<SyncRequest> = {}, db = database.db) =>
    leasedSync(
      { connectionId, ...SYNC_DEFAULTS, ...overrides },
      {
        db,
        connector,
        target: app,
        invites: { mailer, from: 'IT <it@example.com>', appName: 'Dashworks', appLoginUrl: undefined },
        clock,
        log: silentLog,
      },
    );

  const skipped = (outcome: SyncOutcome) => planSkipped(database.db, outcome.runId);

  const storedBasis = async () =>
    (await database.db.selectFrom('connections').select('noop_basis').where('id', '=', connectionId).executeTakeFirst())
      ?.noop_basis ?? null;

  const resendTo = (user: string, db = database.db) =>
    new InviteRepository(db, connectionId).requestSends([user], {
      kind: 'resend',
      now: clock.now(),
      cooldownMs: 0,
      force: true,
    });

  it('after a first sync that applied everything, the next run of no change skips planning and writes nothing; a change at the IdP is still applied', async () => {
    const first = await sync();
    expect(first.status).toBe('succeeded');
    expect(first.applied?.created).toBe(2);
    const before = { writes: app.writes.length, mails: mailer.sent().length };
    const noop = await sync();
    expect(await skipped(noop)).toBe(true);
    expect(noop.status).toBe('succeeded');
    expect(noop.plan?.ops).toEqual([]);
    expect({ writes: app.writes.length, mails: mailer.sent().length }).toEqual(before);

    connector.changeUser('cyd');
    const change = await sync();
    expect(await skipped(change)).toBe(false);
    expect(app.userByName('cyd@example.com')?.active).toBe(true);
    expect(mailer.sent().map((mail) => mail.to)).toContain('cyd@example.com');
    // That run wrote and left nothing to do either.
    expect(await skipped(await sync())).toBe(true);
  });

  /** The next run plans, and sends `user` the resend an operator asked for. */
  async function expectNextRunToResend(user: string): Promise<void> {
    const mails = mailer.sent().length;
    const run = await sync();
    expect(await skipped(run)).toBe(false);
    expect(
      mailer
        .sent()
        .slice(mails)
        .map((mail) => mail.to),
    ).toEqual([`${user}@example.com`]);
  }

  it("an operator's `invites resend` after the run that wrote makes the next run plan, and the resend goes out", async () => {
    await sync();
    expect((await resendTo('ada'))[0]?.queued).toBe(true);
    await expectNextRunToResend('ada');
  });

  // The run's checks of what is left all passed before the operator wrote; only the count of others' writes, taken
  // at the run's start and compared in the statement that stores the basis, can tell.
  it("an operator's `invites resend` during the run, after it checked what is left, keeps the basis from being stored", async () => {
    // The CLI command's own process: a database handle of its own.
    const cli = createDb(parseDatabaseUrl(database.url));
    const resend = outsideTheRun(async () => {
      expect((await resendTo('ada', cli))[0]?.queued).toBe(true);
    });
    let first: SyncOutcome;
    try {
      first = await sync({}, database.db.withPlugin(new AfterHeldPlansRead(resend)));
    } finally {
      await cli.destroy();
    }
    expect(first.status).toBe('succeeded');
    expect(await storedBasis()).toBeNull();
    await expectNextRunToResend('ada');
  });

  /** What a person at `psql` or `sqlite3` does: a membership the run believes stored is gone. */
  async function deleteMembershipByHand(user: string): Promise<void> {
    const prompt = await openSqlPrompt(database.url);
    try {
      await prompt.run('delete from app_memberships where connection_id = ? and user_external_id = ?', [
        connectionId,
        user,
      ]);
    } finally {
      await prompt.close();
    }
  }

  it('a row deleted by hand at a SQL prompt during the run keeps the basis from being stored: the next run puts it back', async () => {
    await sync();
    // Nothing the run checks at its end looks at that membership.
    app.beforeCreate.set('cyd@example.com', () => deleteMembershipByHand('ada'));
    connector.changeUser('cyd');
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(run.applied?.created).toBe(1);
    expect(await storedBasis()).toBeNull();
    const next = await sync();
    expect(await skipped(next)).toBe(false);
    expect(next.planned?.membershipsAdded).toBe(1);
  });

  it('a row deleted by hand at a SQL prompt after the run that wrote makes the next run plan and put it back', async () => {
    await sync();
    await deleteMembershipByHand('bob');
    const next = await sync();
    expect(await skipped(next)).toBe(false);
    expect(next.planned?.membershipsAdded).toBe(1);
  });

  const unfinished: {
    readonly what: string;
    readonly settings?: Partial<SyncRequest>;
    readonly arrange: () => void;
  }[] = [
    {
      what: 'a failed op',
      arrange: () => {
        app.failures.push({ prefix: 'createUser:cyd', error: new TargetError('rejected', 'refused') });
      },
    },
    {
      what: 'an op the app cannot do',
      arrange: () => {
        app.failures.push({ prefix: 'createUser:cyd', error: new TargetError('unsupported', 'no') });
      },
    },
    {
      // The second invite waits for the next run (skipped, still due).
      what: 'an invite left due by INVITE_MAX_PER_MINUTE',
      settings: { maxInvitesPerMinute: 3 },
      arrange: () => {
        connector.changeUser('dan');
      },
    },
    {
      what: 'a plan held by the guards',
      settings: { guards: { ...SYNC_DEFAULTS.guards, deactivations: { kind: 'count', count: 0 } } },
      arrange: () => {
        connector.changeUser('bob', { active: false, status: 'SUSPENDED' });
      },
    },
  ];
  it.each(unfinished)('a run with $what stores no basis: the next run of no change plans', async (test) => {
    const settings = test.settings ?? {};
    await sync(settings);
    connector.changeUser('cyd');
    test.arrange();
    const run = await sync(settings);
    expect(await skipped(run)).toBe(false);
    expect(await storedBasis()).toBeNull();
    expect(await skipped(await sync(settings))).toBe(false);
  });

  it('a run whose lease another run took after its last write stores nothing', async () => {
    // Another run may then be writing, or have stopped half-way: the basis is the lease holder's to store.
    const takeover = outsideTheRun(async () => {
      const prompt = await openSqlPrompt(database.url);
      try {
        await prompt.run("update connection_leases set run_id = 'another run' where connection_id = ?", [connectionId]);
      } finally {
        await prompt.close();
      }
    });
    const run = await sync({}, database.db.withPlugin(new AfterHeldPlansRead(takeover)));
    expect(run.status).toBe('succeeded');
    expect(await storedBasis()).toBeNull();
    await database.db.deleteFrom('connection_leases').where('connection_id', '=', connectionId).execute();
    expect(await skipped(await sync())).toBe(false);
  });

  it('a run stopped half-way stores nothing, and the next run of no change finishes its work', async () => {
    await sync();
    expect(await storedBasis()).not.toBeNull();
    const stop = new AbortController();
    app.beforeCreate.set('cyd@example.com', () => {
      stop.abort();
      return Promise.resolve();
    });
    connector.changeUser('cyd');
    connector.changeUser('dan');
    const stopped = await sync({ signal: stop.signal });
    expect(stopped.status).toBe('stopped');
    // Cleared when it started to plan: a run killed at any point after leaves none either.
    expect(await storedBasis()).toBeNull();
    expect(app.userByName('dan@example.com')).toBeUndefined();
    const next = await sync();
    expect(await skipped(next)).toBe(false);
    expect(app.userByName('dan@example.com')?.active).toBe(true);
  });
});
