import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseOktaConfig } from '../../../connectors/okta/okta-config.js';
import { checkOkta } from '../../../src/check/check-okta.js';
import type { CheckResult } from '../../../src/check/check-result.js';
import { OktaCaTrustingRequestExecutor } from '../../emulators/okta/okta-ca-trusting-request-executor.js';
import { OktaOrgEmulator } from '../../emulators/okta/okta-org-emulator.js';

let emulator: OktaOrgEmulator;
let caPem: string;

beforeEach(async () => {
  emulator = new OktaOrgEmulator();
  ({ caPem } = await emulator.start());
  emulator.store.createUser({
    profile: { login: 'ann@example.test', email: 'ann@example.test', firstName: 'Ann', lastName: 'Tester' },
  });
});

afterEach(async () => {
  await emulator.stop();
});

function check(env: Record<string, string> = {}): Promise<CheckResult[]> {
  const config = parseOktaConfig({ OKTA_CLIENT_ORGURL: emulator.orgUrl, OKTA_CLIENT_TOKEN: emulator.apiToken, ...env });
  return checkOkta(config, {
    requestExecutor: new OktaCaTrustingRequestExecutor(caPem, { maxRetries: 0, requestTimeout: 5_000 }),
  });
}

function serviceApp(grantedScopes: string[]): Record<string, string> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  emulator.auth.registerServiceApp({ clientId: '0oaservice', publicKey, grantedScopes });
  return {
    OKTA_CLIENT_TOKEN: '',
    OKTA_CLIENT_AUTHORIZATIONMODE: 'PrivateKey',
    OKTA_CLIENT_CLIENTID: '0oaservice',
    OKTA_CLIENT_PRIVATEKEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}

/** What the emulator was asked, `METHOD path` without the query. */
function requests(): string[] {
  return emulator.requests.entries.map((entry) => `${entry.method} ${entry.path.split('?')[0] ?? ''}`);
}

describe('checkOkta with an API token (SSWS)', () => {
  it("passes users, groups (with a group's members) and the System Log, one GET with limit=1 each", async () => {
    const results = await check();

    const who = 'the admin who owns OKTA_CLIENT_TOKEN';
    expect(results).toEqual([
      { name: 'okta users', ok: true, detail: `${emulator.orgUrl}: ${who} may read users (GET /api/v1/users?limit=1)` },
      {
        name: 'okta groups',
        ok: true,
        detail: `${emulator.orgUrl}: ${who} may read groups and their members (GET /api/v1/groups?limit=1, then /api/v1/groups/{id}/users?limit=1)`,
      },
      {
        name: 'okta system log',
        ok: true,
        detail: `${emulator.orgUrl}: ${who} may read the System Log, where incremental reads find deletions (GET /api/v1/logs?limit=1)`,
      },
    ]);
    expect(requests().sort()).toEqual([
      'GET /api/v1/groups',
      `GET /api/v1/groups/${emulator.store.everyoneGroupId}/users`,
      'GET /api/v1/logs',
      'GET /api/v1/users',
    ]);
    expect(emulator.requests.entries.every((entry) => entry.path.endsWith('?limit=1'))).toBe(true);
  });

  it('fails on a rejected token with E0000011 and what to do, never showing the token, and checks nothing more', async () => {
    const results = await check({ OKTA_CLIENT_TOKEN: 'not-the-token-1234' });

    expect(results.map((result) => [result.name, result.ok])).toEqual([
      ['okta users', false],
      ['okta groups', false],
      ['okta system log', false],
    ]);
    expect(results[0]?.detail).toMatch(
      new RegExp(
        `^OKTA_CLIENT_TOKEN is rejected by ${emulator.orgUrl}: E0000011 Invalid token provided \\(errorId \\S+\\): ` +
          'create a new API token \\(Okta Admin Console → Security → API → Tokens\\) and set OKTA_CLIENT_TOKEN$',
      ),
    );
    expect(results[1]?.detail).toBe('not checked: fix the okta users check first');
    expect(JSON.stringify(results)).not.toContain('not-the-token-1234');
    expect(requests()).toEqual(['GET /api/v1/users']);
  });

  it('checks the app of OKTA_APP_ID instead of the System Log (a scoped read is always full)', async () => {
    const app = emulator.store.createApp('Dashworks');

    const results = await check({ OKTA_APP_ID: app.id });

    expect(results.map((result) => [result.name, result.ok])).toEqual([
      ['okta users', true],
      ['okta groups', true],
      ['okta app', true],
    ]);
    expect(results[2]?.detail).toContain(`read the user and group assignments of OKTA_APP_ID=${app.id}`);
    expect(requests()).toContain(`GET /api/v1/apps/${app.id}/users`);
    expect(requests()).toContain(`GET /api/v1/apps/${app.id}/groups`);
    expect(requests()).not.toContain('GET /api/v1/logs');
  });

  it('fails the app check when OKTA_APP_ID is not an app of the org, naming it', async () => {
    const results = await check({ OKTA_APP_ID: '0oamissing' });

    expect(results.find((result) => result.name === 'okta app')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(
        /^OKTA_APP_ID 0oamissing is not an app of \S+: GET \/api\/v1\/apps\/0oamissing\/users answered E0000007/,
      ) as unknown,
    });
    expect(results.filter((result) => result.ok).map((result) => result.name)).toEqual(['okta users', 'okta groups']);
  });

  it('fails every line on an org URL where nothing listens, naming OKTA_CLIENT_ORGURL', async () => {
    const config = parseOktaConfig({ OKTA_CLIENT_ORGURL: 'https://127.0.0.1:1', OKTA_CLIENT_TOKEN: 'x' });

    const results = await checkOkta(config, { timeoutMs: 2_000 });

    expect(results[0]).toEqual({
      name: 'okta users',
      ok: false,
      detail: 'OKTA_CLIENT_ORGURL https://127.0.0.1:1 cannot be reached (ECONNREFUSED): check the org URL',
    });
    expect(results.slice(1).every((result) => !result.ok)).toBe(true);
  });
});

describe('checkOkta with an OAuth service app (PrivateKey)', () => {
  it('passes when every read scope is granted and asked for', async () => {
    const env = serviceApp(['okta.users.read', 'okta.groups.read', 'okta.logs.read']);

    const results = await check({ ...env, OKTA_CLIENT_SCOPES: 'okta.users.read okta.groups.read okta.logs.read' });

    expect(results.every((result) => result.ok)).toBe(true);
    expect(results[0]?.detail).toContain('the service app OKTA_CLIENT_CLIENTID=0oaservice may read users');
    // The token request is the only POST: it asks Okta for a token, it changes nothing in the org.
    expect(requests().filter((request) => !request.startsWith('GET '))).toEqual(['POST /oauth2/v1/token']);
  });

  it('fails only the System Log when okta.logs.read is not among the scopes, naming the scope to add', async () => {
    const env = serviceApp(['okta.users.read', 'okta.groups.read', 'okta.logs.read']);

    const results = await check({ ...env, OKTA_CLIENT_SCOPES: 'okta.users.read okta.groups.read' });

    expect(results.map((result) => [result.name, result.ok])).toEqual([
      ['okta users', true],
      ['okta groups', true],
      ['okta system log', false],
    ]);
    expect(results[2]?.detail).toContain(
      'the access token lacks okta.logs.read: grant okta.logs.read to the service app',
    );
    expect(results[2]?.detail).toContain('add it to OKTA_CLIENT_SCOPES');
  });

  it('goes on past a users read the token may not make: each read has its own scope', async () => {
    const env = serviceApp(['okta.groups.read', 'okta.logs.read']);

    const results = await check({ ...env, OKTA_CLIENT_SCOPES: 'okta.groups.read okta.logs.read' });

    expect(results.map((result) => [result.name, result.ok])).toEqual([
      ['okta users', false],
      ['okta groups', true],
      ['okta system log', true],
    ]);
    expect(results[0]?.detail).toContain('lacks okta.users.read');
  });

  it('fails with the refused scopes when the app was not granted one it asks for', async () => {
    const env = serviceApp(['okta.users.read', 'okta.groups.read']);

    const results = await check({ ...env, OKTA_CLIENT_SCOPES: 'okta.users.read okta.groups.read okta.logs.read' });

    expect(results.every((result) => !result.ok)).toBe(true);
    expect(results[0]?.detail).toContain('refused the scopes in OKTA_CLIENT_SCOPES');
    expect(results[0]?.detail).toContain('OKTA_CLIENT_CLIENTID=0oaservice');
    expect(JSON.stringify(results)).not.toContain('PRIVATE KEY');
  });
});
