import { createPrivateKey } from 'node:crypto';
import { parseDuration } from '../../src/core/duration.js';
import { ConnectorError } from '../connector-error.js';

/** How dirsync authenticates to the Okta management API. */
export type OktaCredentials =
  | { readonly mode: 'SSWS'; readonly token: string }
  | {
      readonly mode: 'PrivateKey';
      readonly clientId: string;
      readonly scopes: readonly string[];
      /** PEM or JWK JSON, as the SDK accepts it. */
      readonly privateKey: string;
      readonly keyId?: string;
    };

export interface OktaConfig {
  /** `OKTA_CLIENT_ORGURL` without a trailing slash, e.g. `https://example.okta.com`. */
  readonly orgUrl: string;
  readonly credentials: OktaCredentials;
  /** `OKTA_APP_ID`: only users and groups assigned to this app are read. */
  readonly appId?: string;
  /** `OKTA_FULL_SYNC_INTERVAL` in ms (default 24 h): how often the caller should ask for a full read. */
  readonly fullSyncIntervalMs: number;
}

export const DEFAULT_OKTA_FULL_SYNC_INTERVAL_MS = 24 * 3600 * 1000;

/**
 * Reads the Okta settings from the SDK's own variable names. Every bad or missing variable is named in one
 * `ConnectorError('config')`; secret values never appear in it.
 */
export function parseOktaConfig(env: NodeJS.ProcessEnv): OktaConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  const orgUrl = parseOrgUrl(value('OKTA_CLIENT_ORGURL'), problems);
  const credentials = parseCredentials(value, problems);
  const appId = value('OKTA_APP_ID');
  if (appId !== undefined && !/^[A-Za-z0-9]+$/.test(appId)) {
    problems.push('OKTA_APP_ID must be an Okta app id (letters and digits, e.g. 0oa1b2c3d4)');
  }
  const interval = value('OKTA_FULL_SYNC_INTERVAL');
  const fullSyncIntervalMs = interval === undefined ? DEFAULT_OKTA_FULL_SYNC_INTERVAL_MS : parseDuration(interval);
  if (fullSyncIntervalMs === undefined) {
    problems.push(`OKTA_FULL_SYNC_INTERVAL must be a duration such as 24h, 90m or 1d12h (got "${interval ?? ''}")`);
  }

  if (problems.length > 0 || orgUrl === undefined || credentials === undefined || fullSyncIntervalMs === undefined) {
    throw new ConnectorError('config', `Okta configuration is invalid: ${problems.join('; ')}`);
  }
  return Object.freeze({
    orgUrl,
    credentials: Object.freeze(credentials),
    ...(appId === undefined ? {} : { appId }),
    fullSyncIntervalMs,
  });
}

function parseOrgUrl(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined) {
    problems.push('OKTA_CLIENT_ORGURL is missing (your Okta org, e.g. https://example.okta.com)');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push('OKTA_CLIENT_ORGURL is not a URL (expected e.g. https://example.okta.com)');
    return undefined;
  }
  if (url.protocol !== 'https:') {
    problems.push('OKTA_CLIENT_ORGURL must use https:// (e.g. https://example.okta.com)');
    return undefined;
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    problems.push('OKTA_CLIENT_ORGURL must be the bare org URL, without query, fragment or credentials');
    return undefined;
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function parseCredentials(
  value: (name: string) => string | undefined,
  problems: string[],
): OktaCredentials | undefined {
  const mode = value('OKTA_CLIENT_AUTHORIZATIONMODE') ?? 'SSWS';
  if (mode === 'SSWS') {
    const token = value('OKTA_CLIENT_TOKEN');
    if (token === undefined) {
      problems.push(
        'OKTA_CLIENT_TOKEN is missing (an Okta API token; or set OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey for a service app)',
      );
      return undefined;
    }
    if (/\s/.test(token)) {
      problems.push('OKTA_CLIENT_TOKEN contains whitespace (paste the token alone, without "SSWS ")');
      return undefined;
    }
    return { mode: 'SSWS', token };
  }
  if (mode !== 'PrivateKey') {
    problems.push(`OKTA_CLIENT_AUTHORIZATIONMODE must be SSWS or PrivateKey (got "${mode}")`);
    return undefined;
  }
  const clientId = value('OKTA_CLIENT_CLIENTID');
  if (clientId === undefined) problems.push('OKTA_CLIENT_CLIENTID is missing (the service app client id)');
  const scopes = (value('OKTA_CLIENT_SCOPES') ?? '').split(/[\s,]+/).filter((scope) => scope !== '');
  if (scopes.length === 0) {
    problems.push('OKTA_CLIENT_SCOPES is missing (e.g. "okta.users.read okta.groups.read okta.logs.read")');
  }
  const privateKey = parsePrivateKey(value('OKTA_CLIENT_PRIVATEKEY'), problems);
  const keyId = value('OKTA_CLIENT_KEYID');
  if (clientId === undefined || scopes.length === 0 || privateKey === undefined) return undefined;
  return { mode: 'PrivateKey', clientId, scopes, privateKey, ...(keyId === undefined ? {} : { keyId }) };
}

function parsePrivateKey(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined) {
    problems.push('OKTA_CLIENT_PRIVATEKEY is missing (the service app private key, PEM or JWK JSON)');
    return undefined;
  }
  // Env files often carry a PEM on one line with literal "\n".
  const key = raw.includes('\n') || !raw.includes('\\n') ? raw : raw.replaceAll('\\n', '\n');
  try {
    if (key.startsWith('{')) {
      const jwk: unknown = JSON.parse(key);
      if (typeof jwk !== 'object' || jwk === null) throw new Error('not a JWK object');
      createPrivateKey({ key: { ...jwk }, format: 'jwk' });
    } else {
      createPrivateKey(key);
    }
    return key;
  } catch {
    problems.push('OKTA_CLIENT_PRIVATEKEY is not a readable private key (expected a PEM or a private JWK as JSON)');
    return undefined;
  }
}
