import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { runSync } from '../../src/sync/run-sync.js';
import type { CreateOptions, CreateResult, UserWrite } from '../../src/targets/target.js';
import { MemoryAppTarget } from '../support/memory-app-target.js';
import { MemoryConnector } from '../support/memory-connector.js';
import { silentLog } from '../support/silent-log.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { SYNC_DEFAULTS } from '../support/sync-request.js';

/** The memory app, keeping the options each create was given (what a target sees of dirsync's knowledge). */
class OptionsRecordingTarget extends MemoryAppTarget {
  readonly creates: { readonly user: UserWrite; readonly options: CreateOptions; result?: CreateResult }[] = [];

  override async createUser(user: UserWrite, options: CreateOptions): Promise<CreateResult> {
    const call: { user: UserWrite; options: CreateOptions; result?: CreateResult } = { user, options };
    this.creates.push(call);
    call.result = await super.createUser(user, options);
    return call.result;
  }
}

// A target tells a recycled identity from an adoption by asking which IdP id dirsync links an app id to: the
// apply loop passes that reverse index on every create, current as of the op (creates earlier in the run count).
describe.each(DIALECTS)('what applyPlan tells the target on %s', (dialect) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'outbox_apply_options');
  });
  afterAll(async () => {
    await database.destroy();
  });

  it('passes the app id → IdP id index of the known app state, kept current as creates apply; no adoptHeld unasked', async () => {
    const connector = new MemoryConnector();
    const target = new OptionsRecordingTarget();
    const sync = () =>
      runSync(
        {
          connectionId: 'options',
          ...SYNC_DEFAULTS,
        },
        { db: database.db, connector, target, invites: null, clock: systemClock, log: silentLog },
      );
    connector.user('ada');
    expect((await sync()).status).toBe('succeeded');
    const adaAppId = target.creates[0]?.result?.appId ?? '';
    expect(adaAppId).not.toBe('');

    connector.user('bob');
    connector.user('cy');
    expect((await sync()).status).toBe('succeeded');
    const [first, second] = target.creates.slice(1);
    expect(first?.options.linkedExternalIdOf?.(adaAppId)).toBe('ada');
    expect(first?.options.linkedExternalIdOf?.(first.result?.appId ?? '')).toBe(first?.user.externalId);
    // The first create of this run is known to the second.
    expect(second?.options.linkedExternalIdOf?.(first?.result?.appId ?? '')).toBe(first?.user.externalId);
    expect(second?.options.linkedExternalIdOf?.('app-unknown')).toBeUndefined();
    expect(target.creates.map((call) => call.options.adoptHeld)).toEqual([undefined, undefined, undefined]);
  });
});
