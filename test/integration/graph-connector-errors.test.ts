import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT,
  GraphConnectorHarness,
  SECRET,
  TENANT,
  changesOf,
  ofType,
} from './graph-connector-support/graph-connector-harness.js';

const USERS_ONLY_CLIENT = 'f0e1d2c3-b4a5-4f6e-8d7c-9b0a1b2c3d4e';
const CERT_CLIENT = 'a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d';
const USERS = 3;

let h: GraphConnectorHarness;

beforeAll(async () => {
  h = await GraphConnectorHarness.start();
  h.emulator.registerApp({
    tenantId: TENANT,
    clientId: USERS_ONLY_CLIENT,
    clientSecret: SECRET,
    roles: ['User.Read.All'],
  });
  for (let i = 1; i <= USERS; i += 1)
    h.emulator.directory.createUser({ userPrincipalName: `user${i}@contoso.onmicrosoft.com` });
  h.emulator.directory.createGroup({ displayName: 'Staff' });
});

afterAll(async () => {
  await h.stop();
});

/** A throwaway app certificate: the PEM `AZURE_CLIENT_CERTIFICATE_PATH` points at holds the key and the certificate. */
function appCertificate(dir: string): { pemPath: string; certificatePem: string } {
  const key = join(dir, 'app.key');
  const cert = join(dir, 'app.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=dirsync',
    ],
    {
      stdio: 'pipe',
    },
  );
  const certificatePem = readFileSync(cert, 'utf8');
  const pemPath = join(dir, 'app.pem');
  writeFileSync(pemPath, `${readFileSync(key, 'utf8')}${certificatePem}`);
  return { pemPath, certificatePem };
}

describe('GraphConnector credentials', () => {
  it('reads with a certificate credential (AZURE_CLIENT_CERTIFICATE_PATH)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dirsync-graph-cert-'));
    try {
      const { pemPath, certificatePem } = appCertificate(dir);
      h.emulator.registerApp({
        tenantId: TENANT,
        clientId: CERT_CLIENT,
        certificatePem,
        roles: ['User.Read.All', 'GroupMember.Read.All'],
      });
      const { AZURE_CLIENT_SECRET: _secret, ...withoutSecret } = h.env({ AZURE_CLIENT_ID: CERT_CLIENT });
      const answer = await h.read({ env: { ...withoutSecret, AZURE_CLIENT_CERTIFICATE_PATH: pemPath } });
      expect(answer.error).toBeUndefined();
      expect(answer.result?.full).toBe(true);
      expect(ofType(changesOf(answer), 'user')).toHaveLength(USERS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('GraphConnector errors name what to fix', () => {
  it('names AZURE_CLIENT_SECRET for a rejected secret, without the secret', async () => {
    const answer = await h.read({ env: h.env({ AZURE_CLIENT_SECRET: 'not-the-secret' }) });
    expect(answer.error).toEqual({
      kind: 'auth',
      message: `AZURE_CLIENT_SECRET is rejected by ${h.endpoints.authorityHost} for AZURE_CLIENT_ID=${CLIENT}: AADSTS7000215 Invalid client secret provided`,
    });
  });

  it('never puts the secret in a message', async () => {
    const answer = await h.read({ env: h.env({ AZURE_CLIENT_SECRET: 'not-the-secret' }) });
    expect(answer.error?.message).not.toContain('not-the-secret');
    const denied = await h.read({ env: h.env({ AZURE_CLIENT_ID: USERS_ONLY_CLIENT }) });
    expect(denied.error?.message).not.toContain(SECRET);
  });

  it('names AZURE_TENANT_ID for an unknown tenant', async () => {
    const answer = await h.read({ env: h.env({ AZURE_TENANT_ID: 'contoso-unknown.onmicrosoft.com' }) });
    expect(answer.error?.kind).toBe('auth');
    expect(answer.error?.message).toMatch(
      /^AZURE_TENANT_ID=contoso-unknown\.onmicrosoft\.com is not a tenant of .*AADSTS90002 Tenant/,
    );
  });

  it('names AZURE_CLIENT_ID for an unknown application', async () => {
    const answer = await h.read({ env: h.env({ AZURE_CLIENT_ID: '00000000-0000-0000-0000-00000000000a' }) });
    expect(answer.error?.kind).toBe('auth');
    expect(answer.error?.message).toMatch(
      /^AZURE_CLIENT_ID=00000000-0000-0000-0000-00000000000a is not an application in AZURE_TENANT_ID=.*AADSTS700016/,
    );
  });

  it('names the application permissions to grant when GroupMember.Read.All is missing', async () => {
    const answer = await h.read({ env: h.env({ AZURE_CLIENT_ID: USERS_ONLY_CLIENT }) });
    expect(answer.result).toBeUndefined();
    expect(answer.error?.kind).toBe('auth');
    expect(answer.error?.message).toContain(
      `Microsoft Graph denied groups/delta to AZURE_CLIENT_ID=${USERS_ONLY_CLIENT}`,
    );
    expect(answer.error?.message).toContain('User.Read.All and GroupMember.Read.All');
    expect(answer.error?.message).toContain('admin consent');
  });

  it('names every missing variable at once', async () => {
    const answer = await h.read({ env: { GRAPH_BASE_URL: 'http://graph.example' } });
    expect(answer.error?.kind).toBe('config');
    expect(answer.error?.message).toContain('AZURE_TENANT_ID is missing');
    expect(answer.error?.message).toContain('AZURE_CLIENT_ID is missing');
    expect(answer.error?.message).toContain('GRAPH_BASE_URL must be an https:// URL');
  });
});
