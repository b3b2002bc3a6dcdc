import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphEmulator } from '../emulators/graph/graph-emulator.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { startGraphForDirsync } from '../emulators/graph/graph-dirsync-env.js';

const TENANT = '6f0c4a3e-0000-4000-8000-0000000070c1';
const CLIENT = '0b8f7d2c-0000-4000-8000-0000000070c2';
const SECRET = 'token-count-secret';

/**
 * What one CLI process asked Entra's endpoints, apart: client-credentials token requests, and the OpenID discovery
 * that MSAL sends first for an authority it has no built-in metadata for (the emulator's; not login.microsoftonline.com).
 */
function entraRequests(emulator: GraphEmulator): { tokens: number; discovery: number } {
  const token = emulator.requests({ service: 'token' });
  return {
    tokens: token.filter((r) => r.method === 'POST' && /\/oauth2\/v2\.0\/token(\?|$)/.test(r.url)).length,
    discovery: token.filter((r) => r.method === 'GET' && r.url.endsWith('/.well-known/openid-configuration')).length,
  };
}

// The credential's token serves every Graph request of a run until near its expiry (MSAL's cache in the one
// credential): a second token request per run means a second credential, client or scope somewhere.
describe('Entra token requests of one dirsync process (built CLI, Graph emulator)', () => {
  const emulator = new GraphEmulator();
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    assertBuilt();
    const { env: graphEnv } = await startGraphForDirsync(emulator, {
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
    });
    dir = mkdtempSync(join(tmpdir(), 'dirsync-graph-tokens-'));
    env = {
      DATABASE_URL: `sqlite:${join(dir, 'dirsync.db')}`,
      ...graphEnv,
      APP_JSONL_PATH: join(dir, 'changes.jsonl'),
    };
    const d = emulator.directory;
    const staff = d.createGroup({ displayName: 'Staff' });
    for (const name of ['ada', 'bob', 'cyd']) {
      d.addMember(staff.id, d.createUser({ userPrincipalName: `${name}@contoso.example`, givenName: name }).id);
    }
    expect((await runCli(['migrate'], env)).code).toBe(0);
  });

  afterAll(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const sync = async (expected: RegExp) => {
    emulator.clearRequests();
    const result = await runCli(['sync'], env);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(expected);
    return { entra: entraRequests(emulator), graph: emulator.countRequests({ service: 'graph' }) };
  };

  it('a first sync (full delta rounds of users and groups) asks for one token', async () => {
    const { entra, graph } = await sync(/full read/);
    expect(graph).toBeGreaterThanOrEqual(2);
    expect(entra).toEqual({ tokens: 1, discovery: 1 });
  });

  it('an incremental sync that finds changes asks for one token for all its Graph requests', async () => {
    const d = emulator.directory;
    const staff = d.groups().find((g) => g.displayName === 'Staff')!;
    d.addMember(staff.id, d.createUser({ userPrincipalName: 'dee@contoso.example', givenName: 'Dee' }).id);
    d.updateUser(d.users().find((u) => u.userPrincipalName === 'ada@contoso.example')!.id, { accountEnabled: false });
    const { entra, graph } = await sync(/changes only/);
    expect(graph).toBeGreaterThanOrEqual(2);
    expect(entra).toEqual({ tokens: 1, discovery: 1 });
  });

  it('a no-op sync asks for one token', async () => {
    const { entra, graph } = await sync(/changes only/);
    expect(graph).toBe(2);
    expect(entra).toEqual({ tokens: 1, discovery: 1 });
  });

  it('dirsync check asks for one token: its Graph reads, started together, go out with the token it checked', async () => {
    emulator.clearRequests();
    const result = await runCli(['check'], env);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/graph groups/);
    expect(emulator.countRequests({ service: 'graph' })).toBeGreaterThanOrEqual(3);
    expect(entraRequests(emulator)).toEqual({ tokens: 1, discovery: 1 });
  });
});
