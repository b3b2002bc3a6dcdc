import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/connector-error.js';
import type { DirectoryConnector, ReadRequest, ReadResult } from '../../connectors/directory-connector.js';
import { parseOktaConfig } from '../../connectors/okta/okta-config.js';
import { OktaConnector } from '../../connectors/okta/okta-connector.js';
import type { DirectoryPage } from '../../src/core/model/directory-change.js';
import { isQuarantined, NOT_QUARANTINED, type QuarantineState } from '../../src/core/quarantine.js';
import { ConnectionRepository } from '../../src/store/connection-repository.js';
import { syncConnection, type ConnectionRunRequest } from '../../src/sync/sync-connection.js';
import type { CreateOptions, CreateResult, UserWrite } from '../../src/targets/target.js';
import { TargetError } from '../../src/targets/target-error.js';
import { OktaCaTrustingRequestExecutor } from '../emulators/okta/okta-ca-trusting-request-executor.js';
import { OktaOrgEmulator } from '../emulators/okta/okta-org-emulator.js';
import { MemoryAppTarget } from '../support/memory-app-target.js';
import { MemoryConnector } from '../support/memory-connector.js';
import { silentLog } from '../support/silent-log.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { SYNC_DEFAULTS } from '../support/sync-request.js';

const HOUR = 3_600_000;
const API_TOKEN = 'quarantine-okta-token';

/** The test moves time by hand: quarantines last hours. */
class ManualClock {
  private ms = Date.parse('2026-12-07T12:00:00.000Z');
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A directory that fails its reads with `fault` while one is set (credentials revoked, an outage, ...). */
class FaultyConnector extends MemoryConnector {
  fault: ConnectorError | null = null;
  override async *read(request: ReadRequest): AsyncGenerator<DirectoryPage, ReadResult, undefined> {
    if (this.fault !== null) throw this.fault;
    return yield* super.read(request);
  }
}

/** An app that refuses every user whose login starts with `bad` (a required attribute it wants, say). */
class PickyTarget extends MemoryAppTarget {
  override createUser(user: UserWrite, options: CreateOptions): Promise<CreateResult> {
    if (user.userName.startsWith('bad')) {
      return Promise.reject(
        new TargetError('rejected', `the app refused ${user.userName}: attribute "title" is required`, {
          status: 400,
        }),
      );
    }
    return super.createUser(user, options);
  }
}

describe.each(DIALECTS)('quarantine on %s', (dialect) => {
  let database: TestDatabase;
  let connections: ConnectionRepository;
  let clock: ManualClock;
  let connectionId: string;
  let n = 0;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'quarantine');
    connections = new ConnectionRepository(database.db);
  });
  afterAll(async () => {
    await database.destroy();
  });
  beforeEach(() => {
    connectionId = `q-${++n}`;
    clock = new ManualClock();
  });

  const run = (
    connector: DirectoryConnector,
    target: MemoryAppTarget,
    overrides: Partial<ConnectionRunRequest & { dryRun: boolean }> = {},
  ) =>
    syncConnection(
      {
        connectionId,
        ...SYNC_DEFAULTS,
        owner: 'quarantine test',
        leaseMs: 60_000,
        ...overrides,
      },
      { db: database.db, connector, target, invites: null, clock, log: silentLog },
    );

  /** Runs once and returns the stored state after it (checking the run reported the same). */
  const runAndRead = async (...args: Parameters<typeof run>): Promise<QuarantineState> => {
    const result = await run(...args);
    if (result.kind !== 'ran') throw new Error('the connection was busy');
    const stored = await connections.quarantine(connectionId);
    expect(result.quarantine.after).toEqual(stored);
    return stored;
  };

  describe('ConnectionRepository', () => {
    it('a connection that never ran is not quarantined, and resume finds nothing to lift', async () => {
      expect(await connections.find(connectionId)).toBeUndefined();
      expect(await connections.quarantine(connectionId)).toEqual(NOT_QUARANTINED);
      expect(await connections.resume(connectionId, clock.now().toISOString())).toBeUndefined();
      expect(
        await connections.updateQuarantine(connectionId, () => NOT_QUARANTINED, clock.now().toISOString()),
      ).toBeUndefined();
    });

    it('stores and reads back every field of the state, and resume clears it and returns what it replaced', async () => {
      await connections.ensure(connectionId, 'okta', 'https://acme.okta.com', clock.now().toISOString());
      const state: QuarantineState = {
        failingRuns: 4,
        level: 2,
        until: new Date(clock.now().getTime() + 6 * HOUR),
        reason: 'credentials rejected: OKTA_CLIENT_TOKEN is rejected by https://acme.okta.com — “quoted”, ünïcode',
      };
      const change = await connections.updateQuarantine(connectionId, () => state, clock.now().toISOString());
      expect(change).toEqual({ before: NOT_QUARANTINED, after: state });
      expect(await connections.quarantine(connectionId)).toEqual(state);
      expect((await connections.list()).find((record) => record.id === connectionId)?.quarantine).toEqual(state);
      expect(await connections.countQuarantined(clock.now())).toBeGreaterThanOrEqual(1);
      expect(await connections.countQuarantined(new Date(state.until!.getTime()))).toBe(0);

      // ensure() (every run starts with it) leaves the bookkeeping alone.
      await connections.ensure(connectionId, 'okta', 'https://acme.okta.com', clock.now().toISOString());
      expect(await connections.quarantine(connectionId)).toEqual(state);

      expect(await connections.resume(connectionId, clock.now().toISOString())).toEqual(state);
      expect(await connections.quarantine(connectionId)).toEqual(NOT_QUARANTINED);
      expect(await connections.countQuarantined(clock.now())).toBe(0);
    });
  });

  describe('against the Okta emulator (real SDK) with a revoked token', () => {
    const okta = new OktaOrgEmulator({ apiToken: API_TOKEN });
    let connector: OktaConnector;

    beforeAll(async () => {
      const { orgUrl, caPem } = await okta.start();
      for (const name of ['ada', 'bob', 'cyd']) {
        okta.store.createUser({
          profile: { login: `${name}@acme.example`, email: `${name}@acme.example`, firstName: name, lastName: 'Q' },
          status: 'ACTIVE',
        });
      }
      connector = new OktaConnector(parseOktaConfig({ OKTA_CLIENT_ORGURL: orgUrl, OKTA_CLIENT_TOKEN: API_TOKEN }), {
        requestExecutor: new OktaCaTrustingRequestExecutor(caPem),
        retry: { baseDelayMs: 5 },
      });
    });
    afterAll(async () => {
      await okta.stop();
    });
    beforeEach(() => {
      okta.auth.setApiToken(API_TOKEN);
    });

    it('three failing runs quarantine it for 1 h with the reason; a successful run lifts it', async () => {
      const app = new MemoryAppTarget();
      expect(await runAndRead(connector, app)).toEqual(NOT_QUARANTINED);
      expect(app.users.size).toBe(3);

      okta.auth.setApiToken('an-admin-revoked-the-old-one');
      const first = await runAndRead(connector, app);
      expect(first).toMatchObject({ failingRuns: 1, level: 0, until: null });
      expect(first.reason).toMatch(
        /^credentials rejected: OKTA_CLIENT_TOKEN is rejected by https:\/\/127\.0\.0\.1:\d+/,
      );
      clock.advance(15 * 60_000);
      expect(await runAndRead(connector, app)).toMatchObject({ failingRuns: 2, level: 0, until: null });
      clock.advance(15 * 60_000);
      const third = await runAndRead(connector, app);
      expect(third).toMatchObject({ failingRuns: 3, level: 1, until: new Date(clock.now().getTime() + HOUR) });
      expect(third.reason).toMatch(/^credentials rejected: OKTA_CLIENT_TOKEN is rejected/);
      expect(isQuarantined(third, clock.now())).toBe(true);

      // An operator's run during the quarantine still runs, counts, and leaves the end where it was.
      clock.advance(10 * 60_000);
      expect(await runAndRead(connector, app)).toMatchObject({ failingRuns: 4, level: 1, until: third.until });

      // Once it ended, the next failing run quarantines it for 6 h.
      clock.advance(HOUR);
      const fifth = await runAndRead(connector, app);
      expect(fifth).toMatchObject({ failingRuns: 5, level: 2, until: new Date(clock.now().getTime() + 6 * HOUR) });

      // The admin fixed the token: one successful run lifts everything.
      okta.auth.setApiToken(API_TOKEN);
      const result = await run(connector, app);
      expect(result.kind === 'ran' && result.outcome.status).toBe('succeeded');
      expect(result.kind === 'ran' && result.quarantine.before).toEqual(fifth);
      expect(await connections.quarantine(connectionId)).toEqual(NOT_QUARANTINED);
    });

    it('resume lifts the quarantine; the count starts again from zero', async () => {
      const app = new MemoryAppTarget();
      okta.auth.setApiToken('revoked');
      for (let i = 0; i < 3; i++) await runAndRead(connector, app);
      const quarantined = await connections.quarantine(connectionId);
      expect(quarantined).toMatchObject({ failingRuns: 3, level: 1 });

      expect(await connections.resume(connectionId, clock.now().toISOString())).toEqual(quarantined);
      expect(await connections.quarantine(connectionId)).toEqual(NOT_QUARANTINED);
      // Still revoked: it takes three failing runs again, not one.
      expect(await runAndRead(connector, app)).toMatchObject({ failingRuns: 1, level: 0, until: null });
    });

    it('a dry run (plan) is not counted', async () => {
      okta.auth.setApiToken('revoked');
      const app = new MemoryAppTarget();
      await runAndRead(connector, app);
      const result = await run(connector, app, { dryRun: true });
      expect(result.kind === 'ran' && result.outcome.status).toBe('read-failed');
      expect(await connections.quarantine(connectionId)).toMatchObject({ failingRuns: 1 });
    });
  });

  describe('what counts', () => {
    const directory = (people: number, prefix = 'p') => {
      const connector = new FaultyConnector(50);
      for (let i = 0; i < people; i++) connector.user(`${prefix}${i}`);
      return connector;
    };

    it('a run stopped by the app rejecting its token counts as credentials rejected', async () => {
      const app = new MemoryAppTarget();
      app.failures.push({
        prefix: 'createUser:',
        error: new TargetError('auth', 'APP_SCIM_TOKEN is rejected by the app (HTTP 401)', { status: 401 }),
      });
      const state = await runAndRead(directory(3), app);
      expect(state).toMatchObject({
        failingRuns: 1,
        reason: 'credentials rejected: APP_SCIM_TOKEN is rejected by the app (HTTP 401)',
      });
    });

    it('an IdP outage counts, but not while the worker job that saw it will retry it; rejected credentials always count', async () => {
      const connector = directory(3);
      const app = new MemoryAppTarget();
      connector.fault = new ConnectorError('unavailable', 'Okta kept answering 503');
      expect(await runAndRead(connector, app, { retriedOnFailure: true })).toEqual(NOT_QUARANTINED);
      expect(await runAndRead(connector, app)).toMatchObject({
        failingRuns: 1,
        reason: 'unavailable: Okta kept answering 503',
      });
      connector.fault = new ConnectorError('auth', 'OKTA_CLIENT_TOKEN is rejected');
      expect(await runAndRead(connector, app, { retriedOnFailure: true })).toMatchObject({ failingRuns: 2 });
      connector.fault = new ConnectorError('config', 'OKTA_CLIENT_ORGURL cannot be reached (ENOTFOUND)');
      expect(await runAndRead(connector, app)).toMatchObject({
        failingRuns: 3,
        level: 1,
        reason: 'configuration error: OKTA_CLIENT_ORGURL cannot be reached (ENOTFOUND)',
      });
    });

    it('a stopped run (SIGTERM) and a held plan leave the count as it was', async () => {
      const connector = directory(20);
      const app = new MemoryAppTarget();
      await runAndRead(connector, app);
      connector.fault = new ConnectorError('auth', 'OKTA_CLIENT_TOKEN is rejected');
      await runAndRead(connector, app);
      await runAndRead(connector, app);
      const two = await connections.quarantine(connectionId);
      expect(two.failingRuns).toBe(2);

      expect(await runAndRead(connector, app, { signal: AbortSignal.abort() })).toEqual(two);

      // Most of the directory gone: held (a source anomaly or the deactivation guard) for a person to look at.
      connector.fault = null;
      for (let i = 0; i < 16; i++) connector.users.delete(`p${i}`);
      const held = await run(connector, app, { full: true });
      expect(held.kind === 'ran' && held.outcome.status).toBe('held');
      expect(await connections.quarantine(connectionId)).toEqual(two);
    });

    it('more than 40% of the attempted ops failing counts; a run under the line resets the count', async () => {
      const connector = directory(8, 'good');
      const app = new PickyTarget();
      // Every run brings 12 new people the app refuses: 12 failures whatever the per-op retries do.
      for (let round = 1; round <= 3; round++) {
        for (let i = 0; i < 12; i++) connector.user(`bad-${round}-${i}`);
        const state = await runAndRead(connector, app);
        expect(state.failingRuns).toBe(round);
        expect(state.reason).toMatch(/^\d+ of \d+ ops failed \(\d+%\)$/);
      }
      expect(await connections.quarantine(connectionId)).toMatchObject({ level: 1 });

      // 40 new people the app takes: whatever failed ops are retried, they are under the line.
      for (let i = 0; i < 40; i++) connector.user(`fine-${i}`);
      const result = await run(connector, app);
      expect(result.kind === 'ran' && result.outcome.status).toMatch(/^(succeeded|partial)$/);
      expect(await connections.quarantine(connectionId)).toEqual(NOT_QUARANTINED);
    });
  });
});
