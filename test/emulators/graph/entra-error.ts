import { randomUUID } from 'node:crypto';
import type { JsonObject } from './graph-json.js';

/** An error of the Entra ID token service: OAuth 2.0 `error` plus Entra's AADSTS details. */
export interface EntraError {
  readonly status: number;
  readonly error: string;
  readonly code: number;
  readonly message: string;
}

/**
 * The body Entra sends with an error, as shown in
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes#handling-error-codes-in-your-application:
 * `error_description` starts with `AADSTS<code>:` and ends with the trace id, correlation id and timestamp lines.
 */
export function entraErrorBody(error: EntraError, correlationId: string | undefined, now: Date): JsonObject {
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  const timestamp = `${now.toISOString().slice(0, 19).replace('T', ' ')}Z`;
  return {
    error: error.error,
    error_description: `AADSTS${error.code}: ${error.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
    error_codes: [error.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${error.code}`,
  };
}

export const entraErrors = {
  tenantNotFound: (tenant: string): EntraError => ({
    status: 400,
    error: 'invalid_tenant',
    code: 90002,
    message: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  }),
  unknownApplication: (clientId: string, tenant: string): EntraError => ({
    status: 400,
    error: 'unauthorized_client',
    code: 700016,
    message: `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  }),
  invalidSecret: (clientId: string): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000215,
    message: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
  }),
  missingCredential: (): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000218,
    message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  }),
  badAssertion: (detail: string): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 700027,
    message: `Client assertion failed signature validation. ${detail}`,
  }),
  unsupportedGrant: (grant: string): EntraError => ({
    status: 400,
    error: 'unsupported_grant_type',
    code: 70003,
    message: `The app requested an unsupported grant type '${grant}'.`,
  }),
  badScope: (scope: string): EntraError => ({
    status: 400,
    error: 'invalid_scope',
    code: 1002012,
    message: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  }),
};
