import { Client, type RequestExecutor } from '@okta/okta-sdk-nodejs';
import type { OktaConfig } from './okta-config.js';
import { OktaNoRedirectExecutor } from './okta-no-redirect-executor.js';

/**
 * The SDK client as every reader of the org (the connector, `dirsync check`) configures it, on `requestExecutor`.
 * No request follows a redirect: credentials go only to the org's origin (DESIGN "Safety → Outbound requests").
 */
export function createSdkClient(config: OktaConfig, requestExecutor: RequestExecutor): Client {
  const { credentials } = config;
  // The SDK's GET cache would hide changes between two reads of the same list.
  const common = {
    orgUrl: config.orgUrl,
    requestExecutor: new OktaNoRedirectExecutor(requestExecutor),
    cacheMiddleware: null,
  };
  if (credentials.mode === 'SSWS') {
    return new Client({ ...common, authorizationMode: 'SSWS', token: credentials.token });
  }
  return new Client({
    ...common,
    authorizationMode: 'PrivateKey',
    clientId: credentials.clientId,
    scopes: [...credentials.scopes],
    privateKey: credentials.privateKey,
    ...(credentials.keyId === undefined ? {} : { keyId: credentials.keyId }),
  });
}
