import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../src/check/check-result.js';
import { runChecks } from '../../../src/check/run-checks.js';
import type { RunChecksInput } from '../../../src/check/run-checks.js';
import { GraphEmulator } from '../../emulators/graph/graph-emulator.js';
import { OktaOrgEmulator } from '../../emulators/okta/okta-org-emulator.js';
import { ScimTestServer } from '../../emulators/scim/scim-test-server.js';
import { SmtpTestServer } from '../../emulators/smtp/smtp-test-server.js';
import type { SmtpTestServerAddress } from '../../emulators/smtp/smtp-test-server.js';
import { createTestDatabase } from '../../support/test-databases.js';
import type { TestDatabase } from '../../support/test-databases.js';
import { CheckDriverProcess } from './check-driver-process.js';

import { TEST_REDIS_URL as REDIS_URL } from '../../support/test-redis.js';
const SCIM_TOKEN = 'scim-run-checks-token-5150';
const SMTP_USER = 'dirsync';
const SMTP_PASSWORD = 'smtp-run-checks-p@ss';
const FROM = 'Acme IT <it@acme.example>';

let dir: string;
let migrated: TestDatabase;
let scim: ScimTestServer;
const smtp = new SmtpTestServer({ auth: { user: SMTP_USER, pass: SMTP_PASSWORD } });
let smtpAddress: SmtpTestServerAddress;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dirsync-run-checks-'));
  migrated = await createTestDatabase('sqlite', 'run-checks');
  await migrated.db.destroy();
});

afterAll(async () => {
  await migrated.destroy().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  scim = new ScimTestServer({ token: SCIM_TOKEN });
  await scim.start();
  scim.seedUser({ userName: 'ada@example.com' });
  smtpAddress = await smtp.start();
});

afterEach(async () => {
  await scim.stop();
  smtp.clear();
  await smtp.stop();
});

/** Everything but the IdP, all pointing at the servers of this file. */
function rest(overrides: Partial<Omit<RunChecksInput, 'idp'>> = {}): Omit<RunChecksInput, 'idp'> {
  return {
    databaseUrl: migrated.url,
    redisUrl: REDIS_URL,
    target: { kind: 'scim', url: scim.baseUrl, token: SCIM_TOKEN, maxMembersPerPatch: 100 },
    invites: { mode: 'smtp', smtpUrl: smtpAddress.url, from: FROM, appName: undefined, appLoginUrl: undefined },
    ...overrides,
  };
}

/** The SHA-256 of the migrated SQLite file: the same before and after a check that wrote nothing. */
function databaseDigest(): string {
  return createHash('sha256')
    .update(readFileSync(migrated.url.slice('sqlite:'.length)))
    .digest('hex');
}

const lines = (results: CheckResult[]) => results.map((result) => [result.name, result.ok]);

/** Nothing was written: the app saw only GETs, no mail was accepted, and no secret is in any line. */
function expectNothingWritten(results: CheckResult[], secrets: string[]): void {
  expect(scim.requests().every((request) => request.method === 'GET')).toBe(true);
  expect(scim.users().map((user) => user.userName)).toEqual(['ada@example.com']);
  expect(smtp.messages()).toHaveLength(0);
  const text = JSON.stringify(results);
  for (const secret of [SCIM_TOKEN, SMTP_PASSWORD, encodeURIComponent(SMTP_PASSWORD), ...secrets]) {
    expect(text).not.toContain(secret);
  }
}

describe('runChecks in this process (sandbox IdP)', () => {
  it('reports one line per check in a fixed order, and a missing SQLite database without creating it', async () => {
    const fresh = join(dir, 'fresh.db');

    const results = await runChecks({
      ...rest({ databaseUrl: `sqlite:${fresh}` }),
      idp: { kind: 'sandbox', file: undefined },
    });

    expect(lines(results)).toEqual([
      ['database', false],
      ['redis', true],
      ['sandbox file', true],
      ['scim ServiceProviderConfig', true],
      ['scim users', true],
      ['smtp', true],
    ]);
    expect(results[0]?.detail).toContain('run `dirsync migrate`');
    expect(existsSync(fresh)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    expect(results[5]?.detail).toContain(`invites will come from ${FROM}`);
    expectNothingWritten(results, []);
    expect(
      scim
        .requests()
        .map((request) => request.path)
        .sort(),
    ).toEqual(['/ServiceProviderConfig', '/Users']);
  });

  it('skips Redis without a worker, says invites are off, and leaves the JSONL file uncreated', async () => {
    const jsonl = join(dir, 'out', 'changes.jsonl');

    const results = await runChecks({
      ...rest({
        redisUrl: null,
        target: { kind: 'jsonl', path: jsonl },
        invites: { mode: 'off', reason: 'SMTP_URL is not set' },
      }),
      idp: { kind: 'sandbox', file: undefined },
    });

    expect(results).toEqual([
      { name: 'database', ok: true, detail: `${migrated.url}: connected, schema up to date` },
      expect.objectContaining({ name: 'sandbox file', ok: true }),
      expect.objectContaining({ name: 'jsonl file', ok: true }),
      { name: 'smtp', ok: true, detail: 'invites are off (SMTP_URL is not set): no mail server to check' },
    ]);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('fails a dependency that does not answer within the timeout, and still reports every other line', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/scim/v2`;
    try {
      const results = await runChecks({
        ...rest({ target: { kind: 'scim', url, token: SCIM_TOKEN, maxMembersPerPatch: 100 } }),
        idp: { kind: 'sandbox', file: undefined },
        timeoutMs: 500,
      });

      expect(lines(results)).toEqual([
        ['database', true],
        ['redis', true],
        ['sandbox file', true],
        ['scim ServiceProviderConfig', false],
        ['scim users', false],
        ['smtp', true],
      ]);
      expect(results[4]?.detail).toBe(
        `${url}/Users?count=1 did not answer within 500 ms: check APP_SCIM_URL and that the app is up`,
      );
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('runChecks in a child process trusting the Okta emulator (as `dirsync check` runs)', () => {
  let okta: OktaOrgEmulator;
  let driver: CheckDriverProcess;

  beforeAll(async () => {
    okta = new OktaOrgEmulator({ apiToken: 'okta-run-checks-token-8086' });
    const { caPath } = await okta.start();
    driver = new CheckDriverProcess(caPath);
  });

  afterAll(async () => {
    await driver.close();
    await okta.stop();
  });

  it('passes every check and writes nothing: only GETs to Okta and the app, no mail, no database change', async () => {
    const env = { OKTA_CLIENT_ORGURL: okta.orgUrl, OKTA_CLIENT_TOKEN: okta.apiToken };

    const before = databaseDigest();

    const results = await driver.check({ check: 'all', idp: 'okta', env, rest: rest() });

    expect(databaseDigest()).toBe(before);
    expect(lines(results)).toEqual([
      ['database', true],
      ['redis', true],
      ['okta users', true],
      ['okta groups', true],
      ['okta system log', true],
      ['scim ServiceProviderConfig', true],
      ['scim users', true],
      ['smtp', true],
    ]);
    expect(okta.requests.entries.every((entry) => entry.method === 'GET')).toBe(true);
    expectNothingWritten(results, [okta.apiToken]);
  });

  it('fails the Okta lines on a bad token and the SCIM lines on a bad token, the others still passing', async () => {
    const env = { OKTA_CLIENT_ORGURL: okta.orgUrl, OKTA_CLIENT_TOKEN: 'okta-bad-token-1999' };
    const target = { kind: 'scim' as const, url: scim.baseUrl, token: 'scim-bad-token-2001', maxMembersPerPatch: 100 };

    const results = await driver.check({ check: 'all', idp: 'okta', env, rest: rest({ target }) });

    expect(lines(results)).toEqual([
      ['database', true],
      ['redis', true],
      ['okta users', false],
      ['okta groups', false],
      ['okta system log', false],
      ['scim ServiceProviderConfig', false],
      ['scim users', false],
      ['smtp', true],
    ]);
    expect(results[2]?.detail).toContain('OKTA_CLIENT_TOKEN is rejected');
    expect(results[6]?.detail).toContain('APP_SCIM_TOKEN was rejected');
    expectNothingWritten(results, ['okta-bad-token-1999', 'scim-bad-token-2001']);
  });
});

describe('runChecks in a child process trusting the Graph emulator', () => {
  const TENANT = '5d3c2b1a-0f9e-4d8c-b7a6-958473625140';
  const CLIENT = 'e1d2c3b4-a5f6-4e7d-8c9b-0a1b2c3d4e5f';
  const SECRET = 'Zq8Q~run-checks-graph-secret';
  let graph: GraphEmulator;
  let driver: CheckDriverProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    graph = new GraphEmulator();
    const endpoints = await graph.start();
    graph.registerApp({
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
      roles: ['User.Read.All', 'GroupMember.Read.All'],
    });
    env = {
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_CLIENT_SECRET: SECRET,
      AZURE_AUTHORITY_HOST: endpoints.authorityHost,
      GRAPH_BASE_URL: endpoints.graphBaseUrl,
    };
    driver = new CheckDriverProcess(endpoints.caPath);
  });

  afterAll(async () => {
    await driver.close();
    await graph.stop();
  });

  it('passes every check with only GETs to Graph, and fails SMTP on a wrong password without showing it', async () => {
    const badSmtp = `smtp://${SMTP_USER}:${encodeURIComponent('smtp-wrong-3141')}@127.0.0.1:${smtpAddress.port}`;
    const invites = { mode: 'smtp' as const, smtpUrl: badSmtp, from: FROM, appName: undefined, appLoginUrl: undefined };

    const results = await driver.check({ check: 'all', idp: 'graph', env, rest: rest({ invites }) });

    expect(lines(results)).toEqual([
      ['database', true],
      ['redis', true],
      ['graph token', true],
      ['graph users', true],
      ['graph groups', true],
      ['scim ServiceProviderConfig', true],
      ['scim users', true],
      ['smtp', false],
    ]);
    expect(results[7]?.detail).toContain('refused the SMTP login: check the user and password in SMTP_URL');
    expect(graph.requests({ service: 'graph' }).every((request) => request.method === 'GET')).toBe(true);
    expectNothingWritten(results, [SECRET, 'smtp-wrong-3141']);
  });
});
