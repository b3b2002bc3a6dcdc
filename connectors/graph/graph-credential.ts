import { createRequire } from 'node:module';
import type * as AzureIdentity from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { PUBLIC_CLOUD_AUTHORITY, type GraphConfig } from './graph-config.js';

// @azure/identity's CommonJS build, not its ES module build: it requires MSAL Node as one bundled file where the ES
// build imports MSAL Node and MSAL Common as ~115 modules, which Node 20 loads one by one (~0.15 s of every Graph
// start). The types are the package's own. Nothing else loads the ES build, so there is one copy of the library.
const { ClientCertificateCredential, ClientSecretCredential } = createRequire(import.meta.url)(
  '@azure/identity',
) as typeof AzureIdentity;

/**
 * The scope of every Graph token dirsync asks for: the application permissions granted to the app. One scope for
 * every request, so that MSAL's cache answers them all with one token.
 */
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/**
 * The app registration's credential, as every reader of the tenant (the connector, `dirsync check`) builds it:
 * instance discovery is off outside the public cloud (a national or test authority has no discovery endpoint).
 *
 * Build one per reader and keep it: the credential holds MSAL's token cache, so every request of the reader
 * reuses its token until near expiry. A second credential asks the authority for a second token.
 */
export function credentialOf(config: GraphConfig): TokenCredential {
  const publicCloud = config.authorityHost === PUBLIC_CLOUD_AUTHORITY;
  const options = { authorityHost: config.authorityHost, ...(publicCloud ? {} : { disableInstanceDiscovery: true }) };
  return config.credential.kind === 'secret'
    ? new ClientSecretCredential(config.tenantId, config.clientId, config.credential.clientSecret, options)
    : new ClientCertificateCredential(
        config.tenantId,
        config.clientId,
        { certificatePath: config.credential.certificatePath },
        options,
      );
}
