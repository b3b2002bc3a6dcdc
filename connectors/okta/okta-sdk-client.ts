import { createRequire } from 'node:module';
import { platform, release } from 'node:os';
import type { Client } from '@okta/okta-sdk-nodejs';
import type { OktaConfig } from './okta-config.js';
import { OktaNoRedirectExecutor } from './okta-no-redirect-executor.js';
import { OktaTokenHttp } from './okta-token-http.js';
import type { RequestExecutor } from './okta-sdk-parts.js';

/** What dirsync uses of the SDK's `Client`: its authenticated HTTP (`http.http`, with OAuth when configured). */
export interface OktaSdkClient {
  readonly http: Pick<Client['http'], 'http'>;
}

interface SdkModules {
  readonly Http: new (config: {
    requestExecutor: RequestExecutor;
    oauth: unknown;
    cacheMiddleware: null;
  }) => Client['http'];
  readonly OAuth: new (client: OAuthClient) => unknown;
}
/** The fields of a `Client` the SDK's OAuth (and its JWT and DPoP helpers) read. */
interface OAuthClient {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly scopes: string[];
  readonly privateKey: string;
  readonly keyId: string | undefined;
  readonly requestExecutor: RequestExecutor;
}

let modules: SdkModules | undefined;

// Required on first use and once: see okta-sdk-parts.ts for why not from the SDK's index.
function sdk(): SdkModules {
  if (modules === undefined) {
    const require = createRequire(import.meta.url);
    modules = {
      Http: (require('@okta/okta-sdk-nodejs/src/http.js') as { Http: SdkModules['Http'] }).Http,
      OAuth: (require('@okta/okta-sdk-nodejs/src/oauth.js') as { OAuth: SdkModules['OAuth'] }).OAuth,
    };
  }
  return modules;
}

let agentName: string | undefined;

/** The SDK's own User-Agent, as its Client sends it. */
function userAgent(): string {
  if (agentName === undefined) {
    const pkg = createRequire(import.meta.url)('@okta/okta-sdk-nodejs/package.json') as {
      name: string;
      version: string;
    };
    agentName = `${pkg.name}/${pkg.version} node/${process.versions.node} ${platform()}/${release()}`;
  }
  return agentName;
}

/**
 * The SDK's HTTP as every reader of the org (the connector, `dirsync check`) configures it, on `requestExecutor`:
 * what the SDK's `Client` constructor sets up for it (authorization, OAuth with a private key, User-Agent), without
 * the Client's hundred API objects. The configuration is dirsync's own, already validated: unlike the Client, no
 * `okta.yaml` or `OKTA_CLIENT_*` variable is merged into it behind dirsync's back.
 * No request follows a redirect: credentials go only to the org's origin (DESIGN "Safety → Outbound requests").
 */
export function createSdkClient(config: OktaConfig, requestExecutor: RequestExecutor): OktaSdkClient {
  const { credentials } = config;
  const executor = new OktaNoRedirectExecutor(requestExecutor);
  if (credentials.mode === 'SSWS') {
    // An API token needs none of the SDK's OAuth: see OktaTokenHttp for why not the SDK's `Http`.
    const http = new OktaTokenHttp(executor);
    http.defaultHeaders['Authorization'] = `SSWS ${credentials.token}`;
    http.defaultHeaders['User-Agent'] = userAgent();
    return { http };
  }
  const { Http, OAuth } = sdk();
  const oauth = new OAuth({
    baseUrl: config.orgUrl.replace(/\/$/, ''),
    clientId: credentials.clientId,
    scopes: [...credentials.scopes],
    privateKey: credentials.privateKey,
    keyId: credentials.keyId,
    requestExecutor: executor,
  });
  // No cache middleware: the SDK's GET cache would hide changes between two reads of the same list.
  const http = new Http({ requestExecutor: executor, oauth, cacheMiddleware: null });
  http.defaultHeaders['User-Agent'] = userAgent();
  return { http };
}
