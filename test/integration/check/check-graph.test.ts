import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GraphEmulator } from '../../emulators/graph/graph-emulator.js';
import type { GraphEmulatorEndpoints } from '../../emulators/graph/graph-emulator.js';
import { CheckDriverProcess } from './check-driver-process.js';

const TENANT = '5d3c2b1a-0f9e-4d8c-b7a6-958473625140';
const CLIENT = 'e1d2c3b4-a5f6-4e7d-8c9b-0a1b2c3d4e5f';
const USERS_ONLY_CLIENT = 'f0e1d2c3-b4a5-4f6e-8d7c-9b0a1b2c3d4e';
const NOTHING_CLIENT = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const APP_READER_CLIENT = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';
const UNKNOWN_SP = '0f0e0d0c-0b0a-4909-8807-060504030201';
const SECRET = 'Zq8Q~check-test-secret';

let emulator: GraphEmulator;
let endpoints: GraphEmulatorEndpoints;
let driver: CheckDriverProcess;
let groupId = '';
let spId = '';

beforeAll(async () => {
  emulator = new GraphEmulator();
  endpoints = await emulator.start();
  emulator.registerApp({
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SECRET,
    roles: ['User.Read.All', 'GroupMember.Read.All'],
  });
  emulator.registerApp({
    tenantId: TENANT,
    clientId: USERS_ONLY_CLIENT,
    clientSecret: SECRET,
    roles: ['User.Read.All'],
  });
  emulator.registerApp({ tenantId: TENANT, clientId: NOTHING_CLIENT, clientSecret: SECRET, roles: [] });
  emulator.registerApp({
    tenantId: TENANT,
    clientId: APP_READER_CLIENT,
    clientSecret: SECRET,
    roles: ['User.Read.All', 'GroupMember.Read.All', 'Application.Read.All'],
  });
  const ann = emulator.directory.createUser({ userPrincipalName: 'ann@contoso.onmicrosoft.com' });
  groupId = emulator.directory.createGroup({ displayName: 'Staff' }).id;
  emulator.directory.addMember(groupId, ann.id);
  spId = emulator.servicePrincipals.create({ displayName: 'Dovetail' }).id;
  emulator.servicePrincipals.assign(spId, groupId);
  driver = new CheckDriverProcess(endpoints.caPath);
});

afterAll(async () => {
  await driver.close();
  await emulator.stop();
});

beforeEach(() => {
  emulator.clearRequests();
});

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    AZURE_TENANT_ID: TENANT,
    AZURE_CLIENT_ID: CLIENT,
    AZURE_CLIENT_SECRET: SECRET,
    AZURE_AUTHORITY_HOST: endpoints.authorityHost,
    GRAPH_BASE_URL: endpoints.graphBaseUrl,
    ...overrides,
  };
}

describe('checkGraph against the Graph emulator (real @azure/identity and Graph client)', () => {
  it('passes the token, users and groups with members, one small GET each, naming the granted permissions', async () => {
    const results = await driver.check({ check: 'graph', idp: 'graph', env: env() });

    expect(results).toEqual([
      {
        name: 'graph token',
        ok: true,
        detail: `${endpoints.authorityHost} issued AZURE_CLIENT_ID=${CLIENT} a token for tenant ${TENANT}; application permissions: User.Read.All, GroupMember.Read.All`,
      },
      {
        name: 'graph users',
        ok: true,
        detail: `AZURE_CLIENT_ID=${CLIENT} may read users (GET /users?$top=1&$select=id)`,
      },
      {
        name: 'graph groups',
        ok: true,
        detail: `AZURE_CLIENT_ID=${CLIENT} may read groups and their members (GET /groups?$top=1&$select=id, GET /groups/${groupId}/members?$top=1&$select=id)`,
      },
    ]);
    const graph = emulator
      .requests({ service: 'graph' })
      .map((request) => `${request.method} ${request.status} ${request.url}`);
    expect(graph.sort()).toEqual(
      [
        `GET 200 /v1.0/groups/${groupId}/members?$top=1&$select=id`,
        'GET 200 /v1.0/groups?$top=1&$select=id',
        'GET 200 /v1.0/users?$top=1&$select=id',
      ].sort(),
    );
  });

  it('fails the token on a bad secret, naming AZURE_CLIENT_SECRET without it, and checks no read', async () => {
    const results = await driver.check({
      check: 'graph',
      idp: 'graph',
      env: env({ AZURE_CLIENT_SECRET: 'not-the-secret-42' }),
    });

    expect(results).toEqual([
      {
        name: 'graph token',
        ok: false,
        detail: `AZURE_CLIENT_SECRET is rejected by ${endpoints.authorityHost} for AZURE_CLIENT_ID=${CLIENT}: AADSTS7000215 Invalid client secret provided`,
      },
      { name: 'graph users', ok: false, detail: 'not checked: fix the graph token check first' },
      { name: 'graph groups', ok: false, detail: 'not checked: fix the graph token check first' },
    ]);
    expect(JSON.stringify(results)).not.toContain('not-the-secret-42');
    expect(emulator.countRequests({ service: 'graph' })).toBe(0);
  });

  it('fails groups when GroupMember.Read.All is missing, naming the permission and admin consent', async () => {
    const results = await driver.check({
      check: 'graph',
      idp: 'graph',
      env: env({ AZURE_CLIENT_ID: USERS_ONLY_CLIENT }),
    });

    expect(results.map((result) => [result.name, result.ok])).toEqual([
      ['graph token', true],
      ['graph users', true],
      ['graph groups', false],
    ]);
    expect(results[0]?.detail).toContain('application permissions: User.Read.All');
    expect(results[2]?.detail).toBe(
      `Microsoft Graph denied GET /groups?$top=1&$select=id to AZURE_CLIENT_ID=${USERS_ONLY_CLIENT}: grant it the application ` +
        `permission GroupMember.Read.All (Microsoft Graph, type Application) and grant admin consent in tenant ${TENANT} (Authorization_RequestDenied)`,
    );
  });

  it('fails users and groups when no permission is consented, saying the token carries none', async () => {
    const results = await driver.check({ check: 'graph', idp: 'graph', env: env({ AZURE_CLIENT_ID: NOTHING_CLIENT }) });

    expect(results.map((result) => [result.name, result.ok])).toEqual([
      ['graph token', true],
      ['graph users', false],
      ['graph groups', false],
    ]);
    expect(results[0]?.detail).toContain('the token carries no application permissions yet');
    expect(results[1]?.detail).toContain('grant it the application permission User.Read.All');
    expect(results[1]?.detail).toContain('admin consent');
  });

  it('fails a Graph read that does not answer in time (the SDK has no timeout of its own), naming it', async () => {
    emulator.slowNext({ delayMs: 3_000, match: { service: 'graph', url: /^\/v1\.0\/users\?/ } });

    const results = await driver.check({ check: 'graph', idp: 'graph', env: env(), timeoutMs: 1_000 });

    expect(results.map((result) => [result.name, result.ok])).toEqual([
      ['graph token', true],
      ['graph users', false],
      ['graph groups', true],
    ]);
    expect(results[1]?.detail).toBe(
      'Microsoft Graph did not answer GET /users?$top=1&$select=id within 1 s: check GRAPH_BASE_URL and the network',
    );
    emulator.clearFaults();
  });

  it('throttled by Graph (429), says to try again later instead of waiting', async () => {
    emulator.throttleNext({
      status: 429,
      retryAfterSeconds: 30,
      match: { service: 'graph', url: /^\/v1\.0\/groups\?/ },
    });

    const results = await driver.check({ check: 'graph', idp: 'graph', env: env() });

    expect(results[2]).toMatchObject({ name: 'graph groups', ok: false });
    expect(results[2]?.detail).toContain('try again later');
    emulator.clearFaults();
  });

  it('fails the token for an unknown tenant, naming AZURE_TENANT_ID', async () => {
    const results = await driver.check({
      check: 'graph',
      idp: 'graph',
      env: env({ AZURE_TENANT_ID: 'contoso-unknown.onmicrosoft.com' }),
    });

    expect(results[0]?.ok).toBe(false);
    expect(results[0]?.detail).toMatch(
      /^AZURE_TENANT_ID=contoso-unknown\.onmicrosoft\.com is not a tenant of .*AADSTS90002/,
    );
  });

  describe('with GRAPH_SERVICE_PRINCIPAL_ID (the read scoped to an enterprise application)', () => {
    const assignmentsUrl = (id: string) => `/servicePrincipals/${id}/appRoleAssignedTo?$top=1`;

    it('also reads the first page of the assignments, naming the enterprise application', async () => {
      const results = await driver.check({
        check: 'graph',
        idp: 'graph',
        env: env({ AZURE_CLIENT_ID: APP_READER_CLIENT, GRAPH_SERVICE_PRINCIPAL_ID: spId }),
      });

      expect(results.map((result) => [result.name, result.ok])).toEqual([
        ['graph token', true],
        ['graph users', true],
        ['graph groups', true],
        ['graph app assignments', true],
      ]);
      expect(results[3]?.detail).toBe(
        `AZURE_CLIENT_ID=${APP_READER_CLIENT} may read the users and groups assigned to enterprise application ${spId} ` +
          `(GET ${assignmentsUrl(spId)})`,
      );
      expect(emulator.countRequests({ service: 'graph', url: `/v1.0${assignmentsUrl(spId)}` })).toBe(1);
    });

    it('names Application.Read.All and admin consent when the permission is missing (403)', async () => {
      const results = await driver.check({
        check: 'graph',
        idp: 'graph',
        env: env({ GRAPH_SERVICE_PRINCIPAL_ID: spId }),
      });

      expect(results[3]).toEqual({
        name: 'graph app assignments',
        ok: false,
        detail:
          `Microsoft Graph denied GET ${assignmentsUrl(spId)} to AZURE_CLIENT_ID=${CLIENT}: grant it the application ` +
          `permission Application.Read.All (Microsoft Graph, type Application) and grant admin consent in tenant ${TENANT} ` +
          '(Authorization_RequestDenied)',
      });
      expect(results.slice(0, 3).every((result) => result.ok)).toBe(true);
    });

    it('names GRAPH_SERVICE_PRINCIPAL_ID when no service principal has that Object ID (404)', async () => {
      const results = await driver.check({
        check: 'graph',
        idp: 'graph',
        env: env({ AZURE_CLIENT_ID: APP_READER_CLIENT, GRAPH_SERVICE_PRINCIPAL_ID: UNKNOWN_SP }),
      });

      expect(results[3]).toEqual({
        name: 'graph app assignments',
        ok: false,
        detail:
          `GRAPH_SERVICE_PRINCIPAL_ID=${UNKNOWN_SP} is not a service principal in tenant ${TENANT} (GET ` +
          `${assignmentsUrl(UNKNOWN_SP)} answered 404): set it to the enterprise application's Object ID (Entra admin ` +
          'center → Enterprise applications → the app → Overview → Object ID), not its Application (client) ID',
      });
    });

    it('does not check the assignments when the token failed', async () => {
      const results = await driver.check({
        check: 'graph',
        idp: 'graph',
        env: env({ AZURE_CLIENT_SECRET: 'not-the-secret-42', GRAPH_SERVICE_PRINCIPAL_ID: spId }),
      });

      expect(results.map((result) => [result.name, result.ok])).toEqual([
        ['graph token', false],
        ['graph users', false],
        ['graph groups', false],
        ['graph app assignments', false],
      ]);
      expect(results[3]?.detail).toBe('not checked: fix the graph token check first');
      expect(emulator.countRequests({ service: 'graph' })).toBe(0);
    });
  });
});
