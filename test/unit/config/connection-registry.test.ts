import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadRegistry, loadSettings, selectConnection } from '../../../src/config/connection-registry.js';
import { describeConnection } from '../../../src/config/describe-connection.js';

const dir = mkdtempSync(join(tmpdir(), 'dirsync-registry-'));
// The DESIGN example's `policy: { file: policies/acme.yaml }` is read and validated with the connection.
mkdirSync(join(dir, 'policies'));
writeFileSync(join(dir, 'policies', 'acme.yaml'), 'mapping: { userName: email }\n');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
let files = 0;
function file(text: string, extension = 'yaml'): string {
  const path = join(dir, `connections-${++files}.${extension}`);
  writeFileSync(path, text);
  return path;
}
function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const TWO = `
connections:
  - id: acme
    idp: { type: okta, orgUrl: https://acme.okta.com, token: "\${ACME_OKTA_TOKEN}", appId: 0oa1b2c3 }
    target: { type: scim, url: https://app.example.com/scim/v2/t/acme, token: "\${ACME_SCIM_TOKEN}" }
    invites: { smtpUrl: "\${SMTP_URL}", from: "Acme IT <it@acme.com>", loginUrl: https://app.example.com/acme }
    schedule: 15m
    policy: { file: policies/acme.yaml }
  - id: globex
    idp: { type: graph, tenantId: "\${GLOBEX_TENANT}", clientId: "\${GLOBEX_CLIENT}", clientSecret: "\${GLOBEX_SECRET}" }
    target: { type: scim, url: https://app.example.com/scim/v2/t/globex, token: "\${GLOBEX_SCIM_TOKEN}" }
`;
const SECRETS = {
  ACME_OKTA_TOKEN: 'okta-secret-1',
  ACME_SCIM_TOKEN: 'scim-secret-1',
  SMTP_URL: 'smtp://u:smtp-pass@mail.example.com:587',
  GLOBEX_TENANT: 'globex.onmicrosoft.com',
  GLOBEX_CLIENT: 'client-2',
  GLOBEX_SECRET: 'graph-secret-2',
  GLOBEX_SCIM_TOKEN: 'scim-secret-2',
};

describe('the connection registry', () => {
  it('without a connections file, the environment defines one connection named `default`', () => {
    const registry = loadRegistry({});
    expect(registry.source).toEqual({ kind: 'environment' });
    expect(registry.connections.map((c) => [c.id, c.idp.kind, c.target.kind])).toEqual([
      ['default', 'sandbox', 'jsonl'],
    ]);
    expect(loadRegistry({ DIRSYNC_CONNECTION_ID: 'acme' }).connections[0]?.id).toBe('acme');
  });

  it('reads the DESIGN example file, with secrets from the environment', () => {
    const path = file(TWO);
    const registry = loadRegistry({ DIRSYNC_CONNECTIONS_FILE: path, SYNC_INTERVAL: '1h', ...SECRETS });
    const [acme, globex] = registry.connections;
    expect(registry.source).toEqual({ kind: 'file', path });
    expect(acme?.idp).toMatchObject({ kind: 'okta', okta: { orgUrl: 'https://acme.okta.com', appId: '0oa1b2c3' } });
    expect(acme?.idp.kind === 'okta' && acme.idp.okta.credentials).toEqual({ mode: 'SSWS', token: 'okta-secret-1' });
    expect(acme?.target).toMatchObject({ kind: 'scim', token: 'scim-secret-1' });
    expect(acme?.invites).toMatchObject({ mode: 'smtp', from: 'Acme IT <it@acme.com>' });
    expect(acme?.schedule).toEqual({ every: 900_000 });
    expect(globex?.idp).toMatchObject({
      kind: 'graph',
      graph: { tenantId: 'globex.onmicrosoft.com', clientId: 'client-2' },
    });
    // No schedule of its own: SYNC_INTERVAL.
    expect(globex?.schedule).toEqual({ every: 3_600_000 });
    expect(globex?.invites.mode).toBe('off');
  });

  it('reads the same file as JSON', () => {
    const path = file(
      JSON.stringify({
        connections: [
          {
            id: 'one',
            idp: { type: 'sandbox' },
            target: { type: 'jsonl', path: 'out/one.jsonl' },
            schedule: '*/5 * * * *',
          },
        ],
      }),
      'json',
    );
    const [one] = loadRegistry({ DIRSYNC_CONNECTIONS_FILE: path }).connections;
    expect(one?.schedule).toEqual({ pattern: '*/5 * * * *' });
    // Relative paths are relative to the connections file.
    expect(one?.target).toEqual({ kind: 'jsonl', path: join(dir, 'out/one.jsonl') });
  });

  it('names the connection and the field of a variable that is not set', () => {
    const { ACME_SCIM_TOKEN: _, ...missing } = SECRETS;
    const message = errorOf(() => loadRegistry({ DIRSYNC_CONNECTIONS_FILE: file(TWO), ...missing }));
    expect(message).toContain('connection acme: target.token: ${ACME_SCIM_TOKEN} is not set in the environment');
    expect(message).not.toContain('globex');
  });

  it('names every bad field of every connection in one message, with the file’s field names', () => {
    const path = file(`
connections:
  - id: acme
    idp: { type: okta, orgUrl: http://acme.okta.com }
    target: { type: scim, url: not-a-url, token: t }
    invites: { smtpUrl: smtp://mail:25, from: "not an address" }
    schedule: "61 * * * *"
  - id: Bad_Id
    idp: { type: graph, tenantId: t, clientSecret: s, tokne: x }
  - id: acme
    idp: { type: sandbox }
`);
    const message = errorOf(() => loadRegistry({ DIRSYNC_CONNECTIONS_FILE: path }));
    expect(message).toContain('connection acme: Okta configuration is invalid: idp.orgUrl must use https://');
    expect(message).toContain('idp.token is missing');
    expect(message).toContain('connection acme: target.url must be a URL');
    expect(message).toContain('connection acme: invites.from: "not an address" is not a single e-mail address');
    expect(message).toContain('connection acme: schedule=61 * * * * is not a valid cron pattern');
    expect(message).toContain('connection Bad_Id: idp: unknown field(s) tokne');
    expect(message).toContain('connection acme: the id is used twice');
  });

  it('refuses a file it cannot read or parse, naming it', () => {
    expect(errorOf(() => loadRegistry({ DIRSYNC_CONNECTIONS_FILE: join(dir, 'missing.yaml') }))).toMatch(
      /DIRSYNC_CONNECTIONS_FILE .*missing.yaml cannot be read \(ENOENT\)/,
    );
    expect(errorOf(() => loadRegistry({ DIRSYNC_CONNECTIONS_FILE: file('connections: [ {') }))).toMatch(
      /is not valid YAML or JSON/,
    );
    expect(errorOf(() => loadRegistry({ DIRSYNC_CONNECTIONS_FILE: file('tenants: []') }))).toMatch(
      /must hold \{ "connections": \[ \.\.\. \] \}/,
    );
  });

  it('selects the only connection, or the one named by -c, and lists the ids otherwise', () => {
    const registry = loadRegistry({ DIRSYNC_CONNECTIONS_FILE: file(TWO), ...SECRETS });
    expect(selectConnection(registry, 'globex').id).toBe('globex');
    expect(errorOf(() => selectConnection(registry, undefined))).toBe(
      '2 connections are configured: pick one with -c ID (acme, globex)',
    );
    expect(errorOf(() => selectConnection(registry, 'initech'))).toMatch(
      /no connection "initech" in the connections file .*; known: acme, globex/,
    );
    expect(selectConnection(loadRegistry({}), undefined).id).toBe('default');
  });

  it('describes a connection without any of its secrets', () => {
    const registry = loadRegistry({ DIRSYNC_CONNECTIONS_FILE: file(TWO), ...SECRETS });
    const text = JSON.stringify(registry.connections.map(describeConnection));
    for (const secret of ['okta-secret-1', 'scim-secret-1', 'smtp-pass', 'graph-secret-2', 'scim-secret-2']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('https://acme.okta.com (app 0oa1b2c3)');
  });
});

describe('start-up checks of the process settings', () => {
  it('names every bad variable, of the process and of the connection, in one message', () => {
    const message = errorOf(() =>
      loadSettings({
        METRICS_PORT: '70000',
        WORKER_CONCURRENCY: '0',
        REDIS_URL: 'http://localhost',
        INVITE_FROM: 'it@',
        SMTP_URL: 'smtp://mail:25',
        SYNC_INTERVAL: '*/15 * * *',
        OKTA_FULL_SYNC_INTERVAL: 'daily',
        OKTA_CLIENT_ORGURL: 'https://acme.okta.com',
        OKTA_CLIENT_TOKEN: 't',
      }),
    );
    expect(message).toContain('METRICS_PORT must be a port number from 1 to 65535');
    expect(message).toContain('WORKER_CONCURRENCY must be a whole number from 1 to 256');
    expect(message).toContain('REDIS_URL must be a URL like');
    expect(message).toContain('INVITE_FROM: "it@" is not a single e-mail address');
    expect(message).toContain('SYNC_INTERVAL=*/15 * * * is neither a duration');
    expect(message).toContain('OKTA_FULL_SYNC_INTERVAL must be a duration');
  });

  it('keeps the database number of REDIS_URL and applies defaults', () => {
    const { service } = loadSettings({ REDIS_URL: 'redis://127.0.0.1:6379/7' });
    expect(service).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379/7',
      databaseUrl: 'sqlite:./dirsync.db',
      workerConcurrency: 4,
      metricsPort: null,
      leaseMs: 30_000,
    });
  });
});
