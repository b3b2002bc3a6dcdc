import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { PUBLIC_CLOUD_AUTHORITY, type GraphConfig } from './graph-config.js';

/**
 * The app registration's credential, as every reader of the tenant (the connector, `dirsync check`) builds it:
 * instance discovery is off outside the public cloud (a national or test authority has no discovery endpoint).
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
