import { generateKeyPairSync } from 'node:crypto';
import { Agent, get } from 'node:https';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/connector-error.js';
import { OktaConnector } from '../../connectors/okta/okta-connector.js';
import { parseOktaConfig } from '../../connectors/okta/okta-config.js';
import { systemClock } from '../../src/clock.js';
import { MemoryMailer } from '../../src/invites/memory-mailer.js';
import { runSync } from '../../src/sync/run-sync.js';
import { OktaCaTrustingRequestExecutor } from '../emulators/okta/okta-ca-trusting-request-executor.js';
import { OktaOrgEmulator } from '../emulators/okta/okta-org-emulator.js';
import { MemoryAppTarget } from '../support/memory-app-target.js';
import { silentLog } from '../support/silent-log.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';
import { RecordingServer } from './outbound-support/recording-server.js';
import { SYNC_DEFAULTS } from '../support/sync-request.js';

// DESIGN "Safety → Outbound requests": the Okta token goes only to the org's origin (scheme, host AND port). The
// other origin is a second HTTPS server on another loopback port whose certificate the client trusts, so a leak
// would reach it and be recorded: every test asserts it received nothing at all.

let emulator: OktaOrgEmulator;
let other: RecordingServer;
/** Both CAs: the emulator's and the other server's. */
let trusted: string;

beforeAll(async () => {
  emulator = new OktaOrgEmulator();
  const { caPem } = await emulator.start();
  // Answers like an Okta list, so a followed redirect or link would be taken as directory data.
  other = await RecordingServer.start({ tls: true, answer: () => ({ status: 200, body: [] }) });
  trusted = `${caPem}\n${other.caPem}`;
  for (const name of ['ada', 'bob', 'cyd']) {
    emulator.store.createUser({
      profile: { login: `${name}@example.test`, email: `${name}@example.test`, firstName: name, lastName: 'Tester' },
    });
  }
});

afterAll(async () => {
  await emulator.stop();
  await other.stop();
});

beforeEach(() => {
  emulator.faults.clear();
  other.requests.length = 0;
});

function connector(env: Record<string, string> = {}): OktaConnector {
  const config = parseOktaConfig({ OKTA_CLIENT_ORGURL: emulator.orgUrl, OKTA_CLIENT_TOKEN: emulator.apiToken, ...env });
  return new OktaConnector(config, {
    requestExecutor: new OktaCaTrustingRequestExecutor(trusted),
    retry: { maxRetries: 1, baseDelayMs: 5 },
  });
}

/** What a full read throws; undefined when it completes. */
async function readError(conn: OktaConnector): Promise<unknown> {
  const generator = conn.read({ full: true, cursor: null });
  try {
    for (;;) {
      const next = await generator.next();
      if (next.done === true) return undefined;
    }
  } catch (error) {
    return error;
  }
}

function connectorError(error: unknown): ConnectorError {
  if (!(error instanceof ConnectorError)) throw new Error(`expected a ConnectorError, got ${String(error)}`);
  return error;
}

describe('Okta outbound requests stay on the org origin', () => {
  it('the other server answers a client that trusts both CAs, so a leak would be recorded', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      get(`${other.origin}/probe`, { agent: new Agent({ ca: trusted }) }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(200);
    expect(other.requests.map((request) => request.url)).toEqual(['/probe']);
  });

  it.each([301, 302, 303, 307, 308] as const)(
    'does not follow a %i from the org to another port of the same host: the SSWS token never leaves the org',
    async (status) => {
      emulator.faults.inject({
        path: '/api/v1/users',
        kind: { type: 'redirect', status, location: `${other.origin}/api/v1/users?limit=200&token=x` },
      });

      const caught = await readError(connector());

      expect(other.requests).toEqual([]);
      const error = connectorError(caught);
      expect(error.kind).toBe('config');
      expect(error.message).toContain(`redirect (HTTP ${status}) to ${other.origin}/api/v1/users`);
      expect(error.message).toContain('dirsync follows no redirects');
      expect(error.message).toContain('OKTA_CLIENT_ORGURL');
      // The Location is named without its query, and no credential is in the message.
      expect(error.message).not.toContain('token=x');
      expect(error.message).not.toContain(emulator.apiToken);
    },
  );

  it('does not follow a 307 of the OAuth token request: the signed client assertion never leaves the org', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    emulator.auth.registerServiceApp({ clientId: '0oaservice', publicKey, grantedScopes: ['okta.users.read'] });
    emulator.faults.inject({
      path: '/oauth2/v1/token',
      kind: { type: 'redirect', status: 307, location: `${other.origin}/oauth2/v1/token` },
      // The SDK asks for a new token once after a 401.
      times: 2,
    });

    const caught = await readError(
      connector({
        OKTA_CLIENT_TOKEN: '',
        OKTA_CLIENT_AUTHORIZATIONMODE: 'PrivateKey',
        OKTA_CLIENT_CLIENTID: '0oaservice',
        OKTA_CLIENT_SCOPES: 'okta.users.read',
        OKTA_CLIENT_PRIVATEKEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      }),
    );

    expect(other.requests).toEqual([]);
    const error = connectorError(caught);
    expect(error.kind).toBe('config');
    expect(error.message).toContain(`redirect (HTTP 307) to ${other.origin}/oauth2/v1/token`);
  });

  it('fails the read on a Link rel="next" to another port, naming the link, and requests nothing there', async () => {
    emulator.faults.inject({
      path: '/api/v1/users',
      kind: { type: 'link', next: `${other.origin}/api/v1/users?after=00u1&limit=200` },
    });

    const caught = await readError(connector());

    expect(other.requests).toEqual([]);
    const error = connectorError(caught);
    expect(error.kind).toBe('bad_response');
    expect(error.message).toContain(`${other.origin}/api/v1/users`);
    expect(error.message).toContain('rel="next"');
    expect(error.message).not.toContain('after=00u1');
  });

  it('fails the read on a Link rel="next" to another scheme of the org host (https → http)', async () => {
    const plain = emulator.orgUrl.replace(/^https:/, 'http:');
    emulator.faults.inject({ path: '/api/v1/users', kind: { type: 'link', next: `${plain}/api/v1/users?after=00u1` } });

    const error = connectorError(await readError(connector()));

    expect(error.kind).toBe('bad_response');
    expect(error.message).toContain(`${plain}/api/v1/users`);
  });
});

describe.each(DIALECTS)('a forged Okta next link during a sync on %s', (dialect) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'outbound_okta');
  });
  afterAll(async () => {
    await database.destroy();
  });

  it('fails the run before planning: nobody is deactivated, the cursor does not move, the next run goes on', async () => {
    for (const user of emulator.store.users.values()) emulator.store.setStatus(user.id, 'ACTIVE');
    const app = new MemoryAppTarget();
    const sync = () =>
      runSync(
        {
          connectionId: `okta-${dialect}`,
          ...SYNC_DEFAULTS,
        },
        {
          db: database.db,
          connector: connector(),
          target: app,
          invites: { mailer: new MemoryMailer(), from: 'IT <it@example.com>', appName: 'App', appLoginUrl: undefined },
          clock: systemClock,
          log: silentLog,
        },
      );
    expect((await sync()).status).toBe('succeeded');
    expect(app.users.size).toBe(3);
    const cursor = await database.db.selectFrom('cursors').selectAll().execute();
    const writes = app.writes.length;

    const [ada] = [...emulator.store.users.values()];
    emulator.store.setStatus(ada!.id, 'SUSPENDED');
    emulator.faults.inject({ path: '/api/v1/users', kind: { type: 'link', next: `${other.origin}/api/v1/users` } });
    const refused = await sync();

    expect(refused.status).toBe('read-failed');
    expect(refused.error?.message).toContain(`${other.origin}/api/v1/users`);
    expect(other.requests).toEqual([]);
    expect(app.writes).toHaveLength(writes);
    expect(await database.db.selectFrom('cursors').selectAll().execute()).toEqual(cursor);

    const next = await sync();
    expect(next.status).toBe('succeeded');
    expect([...app.users.values()].find((user) => user.externalId === ada!.id)?.active).toBe(false);
  });
});
