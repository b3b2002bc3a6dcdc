import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/connector-error.js';
import { parseGraphConfig } from '../../connectors/graph/graph-config.js';
import { createGraphSdkHttp } from '../../connectors/graph/graph-sdk-http.js';
import { GraphEmulator } from '../emulators/graph/graph-emulator.js';
import type { GraphEmulatorEndpoints } from '../emulators/graph/graph-emulator.js';
import { CLIENT, SECRET, TENANT, changesOf, ofType } from './graph-connector-support/graph-connector-harness.js';
import type { ReadAnswer } from './graph-connector-support/graph-connector-harness.js';
import { ReadDriverProcess } from './graph-connector-support/read-driver-process.js';
import { RecordingServer } from './outbound-support/recording-server.js';
import { JsonLinesChild } from '../support/json-lines-child.js';

// DESIGN "Safety → Outbound requests": the Graph bearer token goes only to GRAPH_BASE_URL's origin (scheme, host AND
// port). The real GraphConnector (@azure/identity + the Graph client) runs in a child process trusting, through
// NODE_EXTRA_CA_CERTS, both the emulator's CA and the CA of a second HTTPS server on another loopback port: a leak
// would reach that server and be recorded, and every test asserts it received nothing at all.

let emulator: GraphEmulator;
let endpoints: GraphEmulatorEndpoints;
let other: RecordingServer;
let driver: ReadDriverProcess;
let dir: string;
let bundle: string;
let userIds: string[];

beforeAll(async () => {
  emulator = new GraphEmulator();
  endpoints = await emulator.start();
  emulator.registerApp({
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SECRET,
    roles: ['User.Read.All', 'GroupMember.Read.All'],
  });
  userIds = ['ada', 'bob'].map(
    (name) => emulator.directory.createUser({ userPrincipalName: `${name}@contoso.onmicrosoft.com` }).id,
  );
  const staff = emulator.directory.createGroup({ displayName: 'Staff' });
  for (const id of userIds) emulator.directory.addMember(staff.id, id);
  // Answers like a last delta page, with an intruder: were the page followed, it would be taken as directory data.
  other = await RecordingServer.start({
    tls: true,
    answer: (request, origin) => ({
      status: 200,
      body: {
        value: [{ id: 'intruder', userPrincipalName: 'intruder@evil.test', accountEnabled: true }],
        '@odata.deltaLink': `${origin}${request.url.split('?')[0] ?? ''}?$deltatoken=forged`,
      },
    }),
  });
  dir = mkdtempSync(join(tmpdir(), 'dirsync-outbound-graph-'));
  bundle = join(dir, 'trusted.pem');
  writeFileSync(bundle, `${readFileSync(endpoints.caPath, 'utf8')}\n${other.caPem}`);
  driver = new ReadDriverProcess(bundle);
});

afterAll(async () => {
  await driver.close();
  await emulator.stop();
  await other.stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  emulator.clearFaults();
  emulator.clearRequests();
  other.requests.length = 0;
});

async function read(cursor: string | null = null): Promise<ReadAnswer> {
  return (await driver.send({
    env: {
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_CLIENT_SECRET: SECRET,
      AZURE_AUTHORITY_HOST: endpoints.authorityHost,
      GRAPH_BASE_URL: endpoints.graphBaseUrl,
    },
    full: false,
    cursor,
    maxRetries: 0,
  })) as ReadAnswer;
}

const usersDelta = { service: 'graph', url: /^\/v1\.0\/users\/delta/ } as const;
const groupsDelta = { service: 'graph', url: /^\/v1\.0\/groups\/delta/ } as const;

describe('Graph outbound requests stay on the GRAPH_BASE_URL origin', () => {
  it('a child process with the same CA bundle reaches the other server, so a leak would be recorded', async () => {
    const probe = new JsonLinesChild(join(import.meta.dirname, 'outbound-support', 'fetch-probe.ts'), bundle, 'probe');
    try {
      expect(await probe.send({ url: `${other.origin}/probe` })).toEqual({ status: 200 });
    } finally {
      await probe.close();
    }
    expect(other.requests.map((request) => request.url)).toEqual(['/probe']);
  });

  it('fails the read on an @odata.nextLink to another port, naming the link, with no request there', async () => {
    emulator.forgeLinksNext({ match: usersDelta, nextLink: `${other.origin}/v1.0/users/delta?$skiptoken=forged` });

    const answer = await read();

    expect(other.requests).toEqual([]);
    expect(answer.ok).toBe(false);
    expect(answer.error?.kind).toBe('bad_response');
    expect(answer.error?.message).toContain(`@odata.nextLink points at ${other.origin}/v1.0/users/delta`);
    expect(answer.error?.message).toContain('GRAPH_BASE_URL');
    expect(answer.error?.message).not.toContain('skiptoken=forged');
    expect(answer.result).toBeUndefined();
  });

  it('fails the read on an @odata.deltaLink to another port: no cursor on another origin is ever returned', async () => {
    emulator.forgeLinksNext({ match: groupsDelta, deltaLink: `${other.origin}/v1.0/groups/delta?$deltatoken=forged` });

    const answer = await read();

    expect(other.requests).toEqual([]);
    expect(answer.ok).toBe(false);
    expect(answer.error?.kind).toBe('bad_response');
    expect(answer.error?.message).toContain(`@odata.deltaLink points at ${other.origin}/v1.0/groups/delta`);
    expect(answer.result).toBeUndefined();
  });

  it('never follows a stored cursor on another origin: the read is a full round on GRAPH_BASE_URL', async () => {
    const cursor = JSON.stringify({
      users: `${other.origin}/v1.0/users/delta?$deltatoken=stored`,
      groups: `${other.origin}/v1.0/groups/delta?$deltatoken=stored`,
    });

    const answer = await read(cursor);

    expect(other.requests).toEqual([]);
    expect(answer.error).toBeUndefined();
    expect(answer.result?.full).toBe(true);
    expect(ofType(changesOf(answer), 'user').map((change) => change.user.id)).toEqual(userIds);
    const stored = JSON.parse(answer.result?.cursor ?? '{}') as Record<string, string>;
    expect(new URL(stored['users'] ?? '').origin).toBe(new URL(endpoints.graphBaseUrl).origin);
  });

  it.each([301, 302, 303, 307, 308] as const)(
    'does not follow a %i from the Graph API to another port of the same host: the bearer token stays',
    async (status) => {
      emulator.redirectNext({
        match: usersDelta,
        status,
        location: `${other.origin}/v1.0/users/delta?$select=id&token=x`,
      });

      const answer = await read();

      expect(other.requests).toEqual([]);
      expect(answer.ok).toBe(false);
      expect(answer.error?.kind).toBe('config');
      expect(answer.error?.message).toContain(`redirect (HTTP ${status}) to ${other.origin}/v1.0/users/delta`);
      expect(answer.error?.message).toContain('GRAPH_BASE_URL');
      expect(answer.error?.message).not.toContain('token=x');
      expect(answer.pages).toEqual([]);
    },
  );

  it('still follows a redirect within the GRAPH_BASE_URL origin', async () => {
    emulator.redirectNext({ match: usersDelta, status: 307, location: `${endpoints.graphBaseUrl}/users/delta` });

    const answer = await read();

    expect(answer.error).toBeUndefined();
    expect(ofType(changesOf(answer), 'user').map((change) => change.user.id)).toEqual(userIds);
    expect(emulator.requests({ service: 'graph', url: /^\/v1\.0\/users\/delta/ }).map((r) => r.status)).toEqual([
      307, 200,
    ]);
  });

  it('the Graph HTTP layer refuses an absolute URL on another origin before any request, whoever asks', async () => {
    const http = createGraphSdkHttp(
      parseGraphConfig({
        AZURE_TENANT_ID: TENANT,
        AZURE_CLIENT_ID: CLIENT,
        AZURE_CLIENT_SECRET: SECRET,
        AZURE_AUTHORITY_HOST: endpoints.authorityHost,
        GRAPH_BASE_URL: endpoints.graphBaseUrl,
      }),
    );

    const refused = await http.get(`${other.origin}/v1.0/users?$skiptoken=x`).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(ConnectorError);
    expect((refused as ConnectorError).message).toContain(`to ${other.origin}/v1.0/users:`);
    expect(other.requests).toEqual([]);
    expect(emulator.countRequests()).toBe(0);
  });
});
