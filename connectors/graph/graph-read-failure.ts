import type { ConnectorError } from '../connector-error.js';
import { diagnoseAuthority } from './graph-authority-diagnosis.js';
import type { GraphConfig } from './graph-config.js';
import { graphFailure } from './graph-failure.js';

/**
 * `graphFailure` for a read of the connector, with Entra asked once more when MSAL hid its AADSTS code behind
 * `endpoints_resolution_error` (an unknown tenant). `permissions`: what a 403 names, when the read needs others than
 * `REQUIRED_PERMISSIONS`.
 */
export async function graphReadFailure(
  error: unknown,
  config: GraphConfig,
  what: string,
  permissions?: readonly string[],
): Promise<ConnectorError> {
  const { tenantId, clientId, authorityHost } = config;
  const context = { tenantId, clientId, authorityHost, what, ...(permissions === undefined ? {} : { permissions }) };
  if (error instanceof Error && error.message.includes('endpoints_resolution_error')) {
    const entra = await diagnoseAuthority(authorityHost, tenantId);
    return graphFailure(entra === undefined ? error : new Error(entra, { cause: error }), context);
  }
  return graphFailure(error, context);
}
