import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { runSync } from '../../src/sync/run-sync.js';
import type { CreateOptions, CreateResult, GroupChanges, GroupWrite, UserWrite } from '../../src/targets/target.js';
import { TargetError } from '../../src/targets/target-error.js';
import type { InviteMessage } from '../../src/invites/invite-mail.js';
import type { SendOptions } from '../../src/invites/mailer.js';
import { MemoryMailer } from '../../src/invites/memory-mailer.js';
import { MemoryAppTarget } from '../support/memory-app-target.js';
import { MemoryConnector } from '../support/memory-connector.js';
import { allowInviteMarks, refuseInviteMarks } from '../support/refuse-applied.js';
import { silentLog } from '../support/silent-log.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { SYNC_DEFAULTS } from '../support/sync-request.js';

type Call = {
  readonly what: 'user.create' | 'group.create' | 'group.update';
  readonly start: number;
  end?: number;
  /** The e-mail of the user created. */
  readonly detail?: string;
};

/** The memory app, slow on purpose (a network round trip), recording when each write starts and ends. */
class SlowTarget extends MemoryAppTarget {
  readonly calls: Call[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** The n-th user create (1-based) fails as if the app were down. */
  failCreate: number | undefined;
  /** How long a group member change takes. */
  groupUpdateMs = 15;

  constructor(private readonly clock: { now: number } = { now: 0 }) {
    super();
  }

  async #timed<T>(what: Call['what'], work: () => Promise<T>, detail?: string): Promise<T> {
    const call: Call = { what, start: this.clock.now++, ...(detail === undefined ? {} : { detail }) };
    this.calls.push(call);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, what === 'group.update' ? this.groupUpdateMs : 15));
      return await work();
    } finally {
      this.inFlight--;
      call.end = this.clock.now++;
    }
  }

  override createUser(user: UserWrite, options: CreateOptions): Promise<CreateResult> {
    const n = this.calls.filter((call) => call.what === 'user.create').length + 1;
    return this.#timed(
      'user.create',
      () => {
        if (n === this.failCreate) throw new TargetError('unavailable', 'the app is down');
        return super.createUser(user, options);
      },
      user.email,
    );
  }

  override createGroup(group: GroupWrite, options: CreateOptions): Promise<CreateResult> {
    return this.#timed('group.create', () => super.createGroup(group, options));
  }

  override updateGroup(appId: string, changes: GroupChanges): Promise<void> {
    return this.#timed('group.update', () => super.updateGroup(appId, changes));
  }
}

/** A mail server connection pool of `parallel` connections, slow on purpose, counting the sends in flight. */
class SlowMailer extends MemoryMailer {
  inFlight = 0;
  maxInFlight = 0;
  /** When each send started, on the clock the target shares. */
  readonly starts = new Map<string, number>();

  constructor(
    readonly parallel: number,
    private readonly clock: { now: number } = { now: 0 },
  ) {
    super();
  }

  override async send(message: InviteMessage, options?: SendOptions): Promise<void> {
    this.starts.set(message.to, this.clock.now++);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      // Long enough for the sends to overlap even when the database answers slowly (a loaded CI machine).
      await new Promise((resolve) => setTimeout(resolve, 40));
      await super.send(message, options);
    } finally {
      this.inFlight--;
    }
  }
}

const lastEnd = (calls: readonly Call[], what: Call['what']) =>
  Math.max(...calls.filter((call) => call.what === what).map((call) => call.end ?? Infinity));
const firstStart = (calls: readonly Call[], what: Call['what']) =>
  Math.min(...calls.filter((call) => call.what === what).map((call) => call.start));

// DESIGN "Performance": apply with bounded concurrency that keeps the order of a plan (people before the groups
// that name them, groups before their members) and every op's exactly-once bookkeeping.
describe.each(DIALECTS)('applying a plan several ops at a time (%s)', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'apply_concurrency');
  });
  afterAll(async () => {
    await database.destroy();
  });

  const directory = () => {
    const connector = new MemoryConnector(50);
    const people = Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    for (const id of people) connector.user(id);
    connector.group('g1', 'Sales', people.slice(0, 10));
    connector.group('g2', 'Research', people.slice(5, 15));
    connector.group('g3', 'Support', people.slice(12));
    return connector;
  };
  const sync = (
    connectionId: string,
    connector: MemoryConnector,
    target: SlowTarget,
    applyConcurrency: number,
    mail?: { readonly mailer: SlowMailer; readonly maxInvitesPerMinute?: number },
  ) =>
    runSync(
      {
        connectionId,
        ...SYNC_DEFAULTS,
        applyConcurrency,
        ...(mail?.maxInvitesPerMinute === undefined ? {} : { maxInvitesPerMinute: mail.maxInvitesPerMinute }),
      },
      {
        db: database.db,
        connector,
        target,
        invites:
          mail === undefined
            ? null
            : { mailer: mail.mailer, from: 'it@acme.example', appName: 'Acme', appLoginUrl: undefined },
        clock: systemClock,
        log: silentLog,
      },
    );

  it('keeps at most N writes in flight, phase after phase, and ends where one at a time ends', async () => {
    const concurrent = new SlowTarget();
    expect((await sync('c4', directory(), concurrent, 4)).status).toBe('succeeded');
    const sequential = new SlowTarget();
    expect((await sync('c1', directory(), sequential, 1)).status).toBe('succeeded');

    expect(concurrent.maxInFlight).toBeLessThanOrEqual(4);
    expect(concurrent.maxInFlight).toBeGreaterThanOrEqual(2);
    expect(sequential.maxInFlight).toBe(1);
    const calls = concurrent.calls;
    expect(lastEnd(calls, 'user.create')).toBeLessThan(firstStart(calls, 'group.create'));
    expect(lastEnd(calls, 'group.create')).toBeLessThan(firstStart(calls, 'group.update'));
    const members = (target: SlowTarget) =>
      ['Sales', 'Research', 'Support'].map((name) => [...(target.groupByName(name)?.members ?? [])].length);
    expect(members(concurrent)).toEqual(members(sequential));
    expect(concurrent.calls.length).toBe(sequential.calls.length);
    // Planning again on the result: nothing to do.
    expect((await sync('c4', directory(), concurrent, 4)).plan?.ops).toEqual([]);
  });

  it('stops starting writes at one that stops the run, lets those in flight finish, and the next run completes', async () => {
    const target = new SlowTarget();
    target.failCreate = 7;
    const connector = directory();
    const stopped = await sync('stop', connector, target, 4);
    expect(stopped.status).toBe('stopped');
    expect(target.calls.filter((call) => call.what !== 'user.create')).toEqual([]);
    expect(target.calls.every((call) => call.end !== undefined)).toBe(true);
    // At most the writes already in flight went on after the failure.
    expect(target.calls.length).toBeLessThanOrEqual(7 + 3);
    // Ops are marked attempted ahead of their send, in windows; those never sent are unmarked when the run stops.
    const marked = await database.db
      .selectFrom('ops')
      .select(['attempts'])
      .where('connection_id', '=', 'stop')
      .where('kind', '=', 'user.create')
      .execute();
    expect(marked.reduce((sum, row) => sum + row.attempts, 0)).toBe(target.calls.length);
    target.failCreate = undefined;
    const completed = await sync('stop', connector, target, 4);
    expect(completed.status).toBe('succeeded');
    expect(target.users.size).toBe(20);
    expect((await sync('stop', connector, target, 4)).plan?.ops).toEqual([]);
  });

  it('sends invites one per mail server connection at once, each person exactly one invite', async () => {
    const target = new SlowTarget();
    const mailer = new SlowMailer(3);
    expect((await sync('mail', directory(), target, 4, { mailer })).status).toBe('succeeded');
    expect(mailer.maxInFlight).toBe(3);
    const sent = mailer.sent();
    expect(sent).toHaveLength(20);
    expect(new Set(sent.map((message) => message.to)).size).toBe(20);
    expect(new Set(sent.map((message) => message.messageId)).size).toBe(20);
    expect((await sync('mail', directory(), target, 4, { mailer })).plan?.ops).toEqual([]);
    expect(mailer.sent()).toHaveLength(20);
  });

  it("sends invites while the app's group writes go on, each after its person's account, none for an account not made", async () => {
    const clock = { now: 0 };
    const target = new SlowTarget(clock);
    target.groupUpdateMs = 300;
    target.failures.push({ prefix: 'createUser:p09@', error: new TargetError('rejected', 'p09 is refused') });
    const mailer = new SlowMailer(3, clock);
    const outcome = await sync('overlap', directory(), target, 4, { mailer });
    expect(outcome.status).toBe('partial');
    const created = new Map(
      target.calls.filter((call) => call.what === 'user.create').map((call) => [call.detail, call.end ?? Infinity]),
    );
    // p09's create was refused: 19 invites, none to p09.
    expect(mailer.sent().map((message) => message.to)).toHaveLength(19);
    expect(mailer.sent().map((message) => message.to)).not.toContain('p09@example.com');
    for (const message of mailer.sent()) {
      expect(mailer.starts.get(message.to)).toBeGreaterThan(created.get(message.to) ?? Infinity);
    }
    // The mails did not wait for the member changes (300 ms each) to end.
    const firstMail = Math.min(...mailer.starts.values());
    expect(firstMail).toBeLessThan(lastEnd(target.calls, 'group.update'));
    expect((await sync('overlap', directory(), target, 4, { mailer })).status).toBe('succeeded');
    expect(new Set(mailer.sent().map((message) => message.to)).size).toBe(20);
    expect(mailer.sent()).toHaveLength(20);
  });

  it('sends no invite once the app stops the run, and the next run sends each exactly one', async () => {
    const target = new SlowTarget();
    target.failCreate = 7;
    const mailer = new SlowMailer(3);
    expect((await sync('stopped-mail', directory(), target, 4, { mailer })).status).toBe('stopped');
    // The 7th create stopped the run: at most the creates before it and those in flight reached the app; an invite
    // may only have gone to one of them.
    const made = new Set([...target.users.values()].map((user) => user.email));
    for (const message of mailer.sent()) expect(made.has(message.to)).toBe(true);
    target.failCreate = undefined;
    expect((await sync('stopped-mail', directory(), target, 4, { mailer })).status).toBe('succeeded');
    expect(mailer.sent()).toHaveLength(20);
    expect(new Set(mailer.sent().map((message) => message.to)).size).toBe(20);
  });

  it('delivers no invite whose attempt mark the database refused; the next run sends each exactly one', async () => {
    const target = new SlowTarget();
    const mailer = new SlowMailer(3);
    await refuseInviteMarks(database, 'unmarked');
    try {
      const refused = await sync('unmarked', directory(), target, 4, { mailer }).then(
        (outcome) => outcome.status,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      expect(refused).not.toBe('succeeded');
      expect(mailer.sent()).toEqual([]);
    } finally {
      await allowInviteMarks(database);
    }
    expect((await sync('unmarked', directory(), target, 4, { mailer })).status).toBe('succeeded');
    expect(mailer.sent()).toHaveLength(20);
    expect(new Set(mailer.sent().map((message) => message.to)).size).toBe(20);
  });

  it('sends one invite at a time under INVITE_MAX_PER_MINUTE, and still writes to the app N at a time', async () => {
    const target = new SlowTarget();
    const mailer = new SlowMailer(3);
    const outcome = await sync('budget', directory(), target, 4, { mailer, maxInvitesPerMinute: 15 });
    expect(outcome.status).toBe('succeeded');
    expect(mailer.maxInFlight).toBe(1);
    expect(target.maxInFlight).toBeGreaterThanOrEqual(2);
    // The budget holds: 15 sent, 5 stay due for a later run.
    expect(mailer.sent()).toHaveLength(15);
  });
});
