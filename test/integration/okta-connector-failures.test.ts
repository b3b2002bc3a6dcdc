import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/connector-error.js';
import { OktaConnector, type OktaConnectorOptions } from '../../connectors/okta/okta-connector.js';
import { parseOktaConfig } from '../../connectors/okta/okta-config.js';
import { OktaCaTrustingRequestExecutor } from '../emulators/okta/okta-ca-trusting-request-executor.js';
import { OktaOrgEmulator, type OktaOrgEmulatorOptions } from '../emulators/okta/okta-org-emulator.js';
import { fullRead } from '../support/full-read.js';

let emulator: OktaOrgEmulator;
let caPem: string;

async function startEmulator(options: OktaOrgEmulatorOptions = {}): Promise<void> {
  emulator = new OktaOrgEmulator(options);
  ({ caPem } = await emulator.start());
}

afterEach(async () => {
  await emulator.stop();
});

function connector(env: Record<string, string> = {}, options: OktaConnectorOptions = {}): OktaConnector {
  const config = parseOktaConfig({ OKTA_CLIENT_ORGURL: emulator.orgUrl, OKTA_CLIENT_TOKEN: emulator.apiToken, ...env });
  return new OktaConnector(config, {
    requestExecutor: new OktaCaTrustingRequestExecutor(caPem),
    retry: { maxRetries: 3, baseDelayMs: 5 },
    ...options,
  });
}

/** The ConnectorError a read throws (from inside the generator), or a failure when it does not throw one. */
async function failureOf(conn: OktaConnector): Promise<ConnectorError> {
  const caught = await fullRead(conn).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(caught instanceof ConnectorError)) throw new Error(`expected a ConnectorError, got ${String(caught)}`);
  return caught;
}

const person = (name: string) => ({
  login: `${name}@example.test`,
  email: `${name}@example.test`,
  firstName: name,
  lastName: 'Tester',
});

function serviceApp(grantedScopes: string[]): { clientId: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  emulator.auth.registerServiceApp({ clientId: '0oaservice', publicKey, grantedScopes });
  return { clientId: '0oaservice', privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
}

const privateKeyEnv = (clientId: string, privateKeyPem: string, scopes: string) => ({
  OKTA_CLIENT_TOKEN: '',
  OKTA_CLIENT_AUTHORIZATIONMODE: 'PrivateKey',
  OKTA_CLIENT_CLIENTID: clientId,
  OKTA_CLIENT_SCOPES: scopes,
  OKTA_CLIENT_PRIVATEKEY: privateKeyPem,
});

describe('OktaConnector under rate limits and faults', () => {
  it('slows down before the limit: a read past the per-minute budget completes without a 429 storm', async () => {
    await startEmulator({ rateLimit: { windowMs: 1000, perFamily: { '/api/v1/users': 2 } } });
    for (let i = 0; i < 450; i += 1) emulator.store.createUser({ profile: person(`user${i}`) });
    const events: { status: number | undefined; throttled: boolean }[] = [];
    const started = Date.now();

    const { changes } = await fullRead(connector({}, { onRequest: (event) => events.push(event) }));

    expect(changes.filter((change) => change.type === 'user')).toHaveLength(450);
    const throttled = emulator.requests.entries.filter((entry) => entry.status === 429).length;
    expect(throttled).toBeLessThanOrEqual(1);
    expect(events.filter((event) => event.throttled)).toHaveLength(throttled);
    expect(events).toHaveLength(emulator.requests.entries.length);
    // Four user requests at two a window: it waited for at least one reset.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('retries a burst of 500s and a reset connection, and the read completes', async () => {
    await startEmulator();
    emulator.store.createUser({ profile: person('ann') });
    emulator.faults.inject({ path: /^\/api\/v1\/groups$/, kind: { type: 'status', status: 500 }, times: 2 });
    emulator.faults.inject({ path: '/api/v1/users', kind: { type: 'reset' } });
    const events: (number | undefined)[] = [];

    const { result } = await fullRead(connector({}, { onRequest: (event) => events.push(event.status) }));

    expect(result.full).toBe(true);
    // The first list is read alone until its first answer; the others then go side by side.
    const served = emulator.requests.entries.map((entry) => `${entry.path.split('?')[0]} ${entry.status}`);
    expect(served.slice(0, 2)).toEqual(['/api/v1/users 0', '/api/v1/users 200']);
    expect(served.slice(2).sort()).toEqual([
      '/api/v1/groups 200',
      '/api/v1/groups 500',
      '/api/v1/groups 500',
      `/api/v1/groups/${emulator.store.everyoneGroupId}/users 200`,
      '/api/v1/users 200',
    ]);
    expect(events.slice(0, 2)).toEqual([undefined, 200]);
    expect(events.slice(2).sort()).toEqual([200, 200, 200, 500, 500]);
  });

  it('gives up on a page slower than the request timeout and retries it', async () => {
    await startEmulator();
    emulator.store.createUser({ profile: person('ann') });
    emulator.faults.inject({ path: /^\/api\/v1\/groups$/, kind: { type: 'delay', ms: 1_500 } });
    const slowTolerant = connector(
      {},
      { requestExecutor: new OktaCaTrustingRequestExecutor(caPem, { maxRetries: 2, requestTimeout: 500 }) },
    );

    const { result, changes } = await fullRead(slowTolerant);

    expect(result.full).toBe(true);
    expect(changes.filter((change) => change.type === 'user')).toHaveLength(1);
    expect(emulator.requests.count('GET', '/api/v1/groups')).toBeGreaterThanOrEqual(2);
  });

  it('throws ConnectorError(unavailable) from the generator when a fault outlasts the retries', async () => {
    await startEmulator();
    emulator.faults.inject({ path: '/api/v1/groups', kind: { type: 'status', status: 503 }, times: 100 });

    const error = await failureOf(connector());

    expect(error.kind).toBe('unavailable');
    expect(error.message).toBe(
      `Okta at ${emulator.orgUrl} did not answer GET /api/v1/groups: HTTP 503 E0000009 Internal Server Error — retried 3 times`,
    );
    expect(emulator.requests.count('GET', '/api/v1/groups')).toBe(4);
  });
});

describe('OktaConnector errors name what to fix', () => {
  it('names OKTA_CLIENT_TOKEN with the Okta error and its errorId when the token is rejected', async () => {
    await startEmulator();

    const error = await failureOf(connector({ OKTA_CLIENT_TOKEN: 'not-the-token' }));

    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(
      new RegExp(
        `^OKTA_CLIENT_TOKEN is rejected by ${emulator.orgUrl}: E0000011 Invalid token provided \\(errorId oae\\S+\\)$`,
      ),
    );
    expect(error.message).not.toContain('not-the-token');
  });

  it('names OKTA_CLIENT_ORGURL when nothing listens there or it is not an Okta org', async () => {
    await startEmulator();
    const refused = await failureOf(connector({ OKTA_CLIENT_ORGURL: 'https://127.0.0.1:1' }));
    const notOkta = await failureOf(connector({ OKTA_CLIENT_ORGURL: `${emulator.orgUrl}/not-okta` }));

    expect(refused).toMatchObject({ kind: 'config' });
    expect(refused.message).toBe(
      'OKTA_CLIENT_ORGURL https://127.0.0.1:1 cannot be reached (ECONNREFUSED): check the org URL',
    );
    expect(notOkta).toMatchObject({ kind: 'config' });
    expect(notOkta.message).toMatch(
      /^OKTA_CLIENT_ORGURL \S+\/not-okta does not look like an Okta org: GET \/api\/v1\/users answered E0000007/,
    );
  });

  it('reads with an OAuth service app whose public key is registered (PrivateKey mode)', async () => {
    await startEmulator();
    emulator.store.createUser({ profile: person('ann') });
    const app = serviceApp(['okta.users.read', 'okta.groups.read', 'okta.logs.read']);

    const { changes } = await fullRead(
      connector(privateKeyEnv(app.clientId, app.privateKeyPem, 'okta.users.read,okta.groups.read okta.logs.read')),
    );

    expect(changes.filter((change) => change.type === 'user')).toHaveLength(1);
    expect(emulator.requests.count('POST', '/oauth2/v1/token')).toBe(1);
  });

  it('names the missing scope and OKTA_CLIENT_SCOPES on a 403 insufficient_scope', async () => {
    await startEmulator();
    const app = serviceApp(['okta.users.read', 'okta.groups.read']);

    const error = await failureOf(connector(privateKeyEnv(app.clientId, app.privateKeyPem, 'okta.users.read')));

    expect(error.kind).toBe('auth');
    expect(error.message).toContain('lacks okta.groups.read');
    expect(error.message).toContain('add it to OKTA_CLIENT_SCOPES');
  });

  it('names OKTA_CLIENT_CLIENTID and OKTA_CLIENT_PRIVATEKEY when the token request is refused', async () => {
    await startEmulator();
    serviceApp(['okta.users.read']);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const otherPem = other.export({ type: 'pkcs1', format: 'pem' }).toString();

    const error = await failureOf(connector(privateKeyEnv('0oaservice', otherPem, 'okta.users.read')));
    const scopes = await failureOf(
      connector(privateKeyEnv('0oaservice', serviceApp(['okta.users.read']).privateKeyPem, 'okta.apps.read')),
    );

    expect(error.kind).toBe('auth');
    expect(error.message).toContain('OKTA_CLIENT_CLIENTID=0oaservice');
    expect(error.message).toContain('OKTA_CLIENT_PRIVATEKEY');
    expect(error.message).not.toContain('PRIVATE KEY-----');
    expect(error.message).toContain('invalid_client: The client_assertion signature is invalid.');
    expect(scopes.kind).toBe('auth');
    expect(scopes.message).toContain(
      'refused the scopes in OKTA_CLIENT_SCOPES (okta.apps.read) to the service app OKTA_CLIENT_CLIENTID=0oaservice ' +
        '(invalid_scope: The following scopes are not granted: okta.apps.read)',
    );
  });

  it('names OKTA_APP_ID when the app does not exist', async () => {
    await startEmulator();

    const error = await failureOf(connector({ OKTA_APP_ID: '0oanosuchapp' }));

    expect(error.kind).toBe('config');
    expect(error.message).toMatch(/^OKTA_APP_ID 0oanosuchapp is not an app of /);
  });
});
