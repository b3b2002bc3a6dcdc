import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from '../support/cli-process.js';

const DIST = resolve(dirname(CLI), '..');

/** Runs `script` (ESM) in a fresh node on the built dist and returns the CommonJS files it loaded. */
async function loadedFiles(script: string): Promise<string[]> {
  const program = `${script}
import { createRequire } from 'node:module';
process.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', program], {
    cwd: DIST,
  });
  return JSON.parse(stdout) as string[];
}

// What a CLI start loads decides most of a no-op run's wall time: these stay out until something needs them.
describe('modules a start loads (built dist)', () => {
  beforeAll(() => {
    assertBuilt();
  });

  it('SQLite opens without the PostgreSQL driver', async () => {
    const files = await loadedFiles(`
import { createDb } from '${DIST}/src/store/create-db.js';
await createDb({ dialect: 'sqlite', path: ':memory:' }).destroy();`);
    expect(files.some((file) => file.includes('better-sqlite3'))).toBe(true);
    expect(files.filter((file) => /node_modules\/pg\//.test(file))).toEqual([]);
  });

  it('the composition root loads neither the mail library, the template library nor the SCIM client', async () => {
    const files = await loadedFiles(`await import('${DIST}/src/app.js');`);
    expect(files.filter((file) => /node_modules\/(nodemailer|liquidjs|undici)\//.test(file))).toEqual([]);
  });

  it('a SCIM target is set up without the HTTP client: a run with nothing to write never loads it', async () => {
    const files = await loadedFiles(`
import { ScimTarget } from '${DIST}/src/targets/scim/scim-target.js';
new ScimTarget({ baseUrl: 'https://app.example/scim/v2', token: 't' });`);
    expect(files.filter((file) => /node_modules\/undici\//.test(file))).toEqual([]);
  });

  it('a configuration from the environment alone loads neither the YAML library nor the cron parser', async () => {
    const files = await loadedFiles(`
import { loadRegistry } from '${DIST}/src/config/connection-registry.js';
loadRegistry({ SYNC_INTERVAL: '15m' });`);
    expect(files.filter((file) => /node_modules\/(yaml|cron-parser)\//.test(file))).toEqual([]);
  });

  it("an API token reads through the SDK's request executor without the SDK's OAuth and JOSE modules", async () => {
    const files = await loadedFiles(`
import { createSdkClient } from '${DIST}/connectors/okta/okta-sdk-client.js';
import { DefaultRequestExecutor } from '${DIST}/connectors/okta/okta-sdk-parts.js';
const client = createSdkClient(
  { orgUrl: 'https://acme.okta.example', credentials: { mode: 'SSWS', token: 't' } },
  new DefaultRequestExecutor(),
);
if (typeof client.http.http !== 'function') throw new Error('no http');`);
    expect(files.some((file) => file.includes('okta-sdk-nodejs/src/default-request-executor.js'))).toBe(true);
    expect(files.filter((file) => /okta-sdk-nodejs\/src\/(http|oauth|dpop|jwt|client|index)\.js$/.test(file))).toEqual(
      [],
    );
    expect(files.filter((file) => /node_modules\/(node-jose|node-forge|njwt)\//.test(file))).toEqual([]);
  });

  it("OAuth sets up the SDK's HTTP without its generated API classes and models", async () => {
    const files = await loadedFiles(`
import { generateKeyPairSync } from 'node:crypto';
import { createSdkClient } from '${DIST}/connectors/okta/okta-sdk-client.js';
import { DefaultRequestExecutor } from '${DIST}/connectors/okta/okta-sdk-parts.js';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const client = createSdkClient(
  {
    orgUrl: 'https://acme.okta.example',
    credentials: {
      mode: 'PrivateKey',
      clientId: '0oa1',
      scopes: ['okta.users.read'],
      privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      keyId: undefined,
    },
  },
  new DefaultRequestExecutor(),
);
if (typeof client.http.http !== 'function') throw new Error('no http');`);
    expect(files.some((file) => file.includes('okta-sdk-nodejs/src/http.js'))).toBe(true);
    expect(files.filter((file) => /okta-sdk-nodejs\/src\/(client|index)\.js$/.test(file))).toEqual([]);
    expect(files.filter((file) => /okta-sdk-nodejs\/src\/generated\/models\//.test(file))).toEqual([]);
  });
});
