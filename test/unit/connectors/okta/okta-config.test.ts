import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../connectors/connector-error.js';
import { parseOktaConfig } from '../../../../connectors/okta/okta-config.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));

function configError(env: NodeJS.ProcessEnv): ConnectorError {
  try {
    parseOktaConfig(env);
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('expected a ConnectorError');
}

describe('parseOktaConfig', () => {
  it('reads an SSWS token config with the default full-sync interval of 24 h, frozen', () => {
    const config = parseOktaConfig({ OKTA_CLIENT_ORGURL: 'https://example.okta.com/', OKTA_CLIENT_TOKEN: 'tok' });

    expect(config).toEqual({
      orgUrl: 'https://example.okta.com',
      credentials: { mode: 'SSWS', token: 'tok' },
      fullSyncIntervalMs: 24 * 3600 * 1000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads PrivateKey mode with space- or comma-separated scopes, a PEM or a JWK, a key id and an app scope', () => {
    const base = {
      OKTA_CLIENT_ORGURL: 'https://example.okta.com',
      OKTA_CLIENT_AUTHORIZATIONMODE: 'PrivateKey',
      OKTA_CLIENT_CLIENTID: '0oaclient',
      OKTA_CLIENT_SCOPES: 'okta.users.read, okta.groups.read okta.logs.read',
      OKTA_APP_ID: '0oaapp123',
      OKTA_FULL_SYNC_INTERVAL: '1d12h',
    };

    const withPem = parseOktaConfig({ ...base, OKTA_CLIENT_PRIVATEKEY: pem, OKTA_CLIENT_KEYID: 'kid-1' });
    const withJwk = parseOktaConfig({ ...base, OKTA_CLIENT_PRIVATEKEY: jwk });
    const withEscapedPem = parseOktaConfig({ ...base, OKTA_CLIENT_PRIVATEKEY: pem.replaceAll('\n', '\\n') });

    expect(withPem).toMatchObject({
      appId: '0oaapp123',
      fullSyncIntervalMs: 36 * 3600 * 1000,
      credentials: {
        mode: 'PrivateKey',
        clientId: '0oaclient',
        scopes: ['okta.users.read', 'okta.groups.read', 'okta.logs.read'],
        privateKey: pem.trim(),
        keyId: 'kid-1',
      },
    });
    expect(withJwk.credentials).toMatchObject({ privateKey: jwk });
    expect(withJwk.credentials).not.toHaveProperty('keyId');
    expect(withEscapedPem.credentials).toMatchObject({ privateKey: pem });
  });

  it('names every bad or missing variable in one config error, without secret values', () => {
    const error = configError({
      OKTA_CLIENT_ORGURL: 'http://example.okta.com',
      OKTA_CLIENT_AUTHORIZATIONMODE: 'PrivateKey',
      OKTA_CLIENT_PRIVATEKEY: 'secret-not-a-key',
      OKTA_APP_ID: 'no/such app',
      OKTA_FULL_SYNC_INTERVAL: 'daily',
    });

    expect(error.kind).toBe('config');
    for (const name of [
      'OKTA_CLIENT_ORGURL must use https://',
      'OKTA_CLIENT_CLIENTID is missing',
      'OKTA_CLIENT_SCOPES is missing',
      'OKTA_CLIENT_PRIVATEKEY is not a readable private key',
      'OKTA_APP_ID must be',
      'OKTA_FULL_SYNC_INTERVAL must be a duration',
    ]) {
      expect(error.message).toContain(name);
    }
    expect(error.message).not.toContain('secret-not-a-key');
  });

  it('asks for the org URL and a token when nothing is set, and rejects an unknown mode', () => {
    expect(configError({}).message).toMatch(/OKTA_CLIENT_ORGURL is missing.*OKTA_CLIENT_TOKEN is missing/);
    expect(configError({ OKTA_CLIENT_ORGURL: 'not a url', OKTA_CLIENT_TOKEN: 'tok' }).message).toContain(
      'OKTA_CLIENT_ORGURL is not a URL',
    );
    expect(
      configError({ OKTA_CLIENT_ORGURL: 'https://x.okta.com', OKTA_CLIENT_AUTHORIZATIONMODE: 'Bearer' }).message,
    ).toContain('OKTA_CLIENT_AUTHORIZATIONMODE must be SSWS or PrivateKey');
    const spaced = configError({ OKTA_CLIENT_ORGURL: 'https://x.okta.com', OKTA_CLIENT_TOKEN: 'SSWS abc' });
    expect(spaced.message).toContain('OKTA_CLIENT_TOKEN contains whitespace');
    expect(spaced.message).not.toContain('abc');
  });
});
