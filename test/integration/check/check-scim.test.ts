import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkScim } from '../../../src/check/check-scim.js';
import { ScimTestServer } from '../../emulators/scim/scim-test-server.js';
import type { ScimTestServerOptions } from '../../emulators/scim/scim-test-server.js';

const TOKEN = 'scim-tok-7c1e-very-secret';

let server: ScimTestServer | undefined;
let other: Server | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
  const closing = other;
  other = undefined;
  if (closing !== undefined) {
    closing.closeAllConnections();
    await new Promise((resolve) => closing.close(resolve));
  }
});

async function startScim(options: ScimTestServerOptions = {}): Promise<ScimTestServer> {
  server = new ScimTestServer({ token: TOKEN, ...options });
  await server.start();
  return server;
}

/** A port nothing listens on (fetch refuses the well-known low ones such as 1 outright). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A plain HTTP server answering every request with `status` and `headers`; resolves with its origin. */
async function startOther(status: number, headers: Record<string, string>, seen: string[]): Promise<string> {
  const started = createServer((request, response) => {
    seen.push(`${request.method ?? ''} ${request.url ?? ''}`);
    response.writeHead(status, headers);
    response.end();
  });
  other = started;
  await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(started.address() as AddressInfo).port}`;
}

describe('checkScim against the SCIM test server', () => {
  it('says where /Bulk is advertised, with its limits', async () => {
    const scim = await startScim({ bulk: { maxOperations: 200, maxPayloadSize: 1_048_576 } });
    const [config] = await checkScim({ url: scim.baseUrl, token: TOKEN });
    expect(config).toEqual({
      name: 'scim ServiceProviderConfig',
      ok: true,
      detail:
        `${scim.baseUrl}/ServiceProviderConfig: PATCH supported, filter supported (up to 50 results), ` +
        '/Bulk supported (up to 200 operations, 1048576 bytes): user creates go in bulks unless target.dialect.bulk is false',
    });
  });

  it('passes both checks with the provider features and the user count, sending only GETs', async () => {
    const scim = await startScim();
    scim.seedUser({ userName: 'ada@example.com' });
    scim.seedUser({ userName: 'grace@example.com' });

    const results = await checkScim({ url: scim.baseUrl, token: TOKEN });

    expect(results).toEqual([
      {
        name: 'scim ServiceProviderConfig',
        ok: true,
        detail: `${scim.baseUrl}/ServiceProviderConfig: PATCH supported, filter supported (up to 50 results)`,
      },
      {
        name: 'scim users',
        ok: true,
        detail: `${scim.baseUrl}: APP_SCIM_TOKEN may list users (GET /Users?count=1; the app holds 2 users)`,
      },
    ]);
    expect(scim.requests().map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual(
      expect.arrayContaining(['GET /ServiceProviderConfig 200', 'GET /Users 200']),
    );
    expect(scim.requests()).toHaveLength(2);
    expect(scim.requests().find((request) => request.path === '/Users')?.query).toEqual({ count: '1' });
  });

  it('passes an app without /ServiceProviderConfig, saying what dirsync assumes', async () => {
    const scim = await startScim({ serviceProviderConfig: false, mode: 'limited' });

    const [spc, users] = await checkScim({ url: scim.baseUrl, token: TOKEN });

    expect(spc).toEqual({
      name: 'scim ServiceProviderConfig',
      ok: true,
      detail: `${scim.baseUrl} has no /ServiceProviderConfig (HTTP 404): dirsync assumes PATCH and filters work, as on most apps`,
    });
    expect(users?.ok).toBe(true);
  });

  it('fails both on a rejected token, saying "APP_SCIM_TOKEN was rejected", without the token', async () => {
    const scim = await startScim();

    const results = await checkScim({ url: scim.baseUrl, token: 'wrong-token-4711' });

    expect(results.map((result) => result.ok)).toEqual([false, false]);
    expect(results[1]?.detail).toBe(
      `APP_SCIM_TOKEN was rejected by ${scim.baseUrl} for GET /Users?count=1 (HTTP 401: The bearer token is missing or invalid): issue a new token in the app and set APP_SCIM_TOKEN`,
    );
    expect(JSON.stringify(results)).not.toContain('wrong-token-4711');
    expect(JSON.stringify(results)).not.toContain(TOKEN);
  });

  it('fails on an unreachable URL, naming it', async () => {
    const port = await closedPort();
    const results = await checkScim({ url: `http://127.0.0.1:${port}/scim/v2`, token: TOKEN }, { timeoutMs: 2_000 });

    expect(results[0]).toEqual({
      name: 'scim ServiceProviderConfig',
      ok: false,
      detail: `cannot reach http://127.0.0.1:${port}/scim/v2/ServiceProviderConfig (connect ECONNREFUSED 127.0.0.1:${port}): check APP_SCIM_URL and that the app is up`,
    });
    expect(results[1]?.detail).toContain(`cannot reach http://127.0.0.1:${port}/scim/v2/Users?count=1`);
  });

  it('fails on a redirect, naming its Location (without query or credentials) and not following it', async () => {
    const scim = await startScim();
    const seen: string[] = [];
    const location = `${scim.baseUrl.replace('http://', 'http://user:pw@')}/Users?access_token=leaked`;
    const origin = await startOther(302, { location }, seen);

    const results = await checkScim({ url: `${origin}/scim/v2`, token: TOKEN });

    expect(results.map((result) => result.ok)).toEqual([false, false]);
    expect(results[1]?.detail).toBe(
      `${origin}/scim/v2/Users?count=1 redirects to ${scim.baseUrl}/Users (HTTP 302) and dirsync follows no redirects: set APP_SCIM_URL to the SCIM base URL the app answers on`,
    );
    expect(JSON.stringify(results)).not.toContain('leaked');
    expect(JSON.stringify(results)).not.toContain('pw@');
    expect(seen.sort()).toEqual(['GET /scim/v2/ServiceProviderConfig', 'GET /scim/v2/Users?count=1']);
    expect(scim.requests()).toHaveLength(0);
  });

  it('fails when a server answers something that is not SCIM (a web page), pointing at APP_SCIM_URL', async () => {
    const seen: string[] = [];
    const origin = await startOther(200, { 'content-type': 'text/html' }, seen);

    const results = await checkScim({ url: `${origin}/app`, token: TOKEN });

    expect(results.map((result) => result.ok)).toEqual([false, false]);
    expect(results[0]?.detail).toContain('check that APP_SCIM_URL is the SCIM base URL');
    expect(results[1]?.detail).toContain('check that APP_SCIM_URL is the SCIM base URL');
  });

  it('fails when the app does not answer in time, naming the timeout', async () => {
    const seen: string[] = [];
    const silent = createServer((request) => {
      seen.push(request.url ?? '');
    });
    other = silent;
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/scim/v2`;

    const results = await checkScim({ url, token: TOKEN }, { timeoutMs: 300 });

    expect(results[1]).toEqual({
      name: 'scim users',
      ok: false,
      detail: `${url}/Users?count=1 did not answer within 300 ms: check APP_SCIM_URL and that the app is up`,
    });
  });
});
