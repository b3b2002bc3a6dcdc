import { ConnectorError } from '../connector-error.js';

/** The names an error message may show: identifiers, never credentials. */
export interface GraphFailureContext {
  readonly tenantId: string;
  readonly clientId: string;
  readonly authorityHost: string;
  /** What was being read, e.g. `users/delta`. */
  readonly what: string;
  /** The application permissions this read needs, named on a 403; default `REQUIRED_PERMISSIONS`. */
  readonly permissions?: readonly string[];
}

/** The application permissions dirsync needs (admin-consented): read users, and read group memberships. */
export const REQUIRED_PERMISSIONS = ['User.Read.All', 'GroupMember.Read.All'] as const;

/**
 * The permission `GET /servicePrincipals/{id}/appRoleAssignedTo` needs besides, when GRAPH_SERVICE_PRINCIPAL_ID scopes
 * the read to an enterprise application (least privileged, serviceprincipal-list-approleassignedto).
 */
export const APP_ASSIGNMENTS_PERMISSION = 'Application.Read.All';

const SYNC_RESET_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);

/** The fields of the SDK's `GraphError` (or any error) this module reads, found without casting. */
interface ErrorFacts {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly message: string;
  readonly retryAfterMs: number | undefined;
}

/**
 * A delta token Graph no longer accepts (https://learn.microsoft.com/graph/delta-query-overview#synchronization-reset):
 * 410 Gone, or a 400 with code `syncStateNotFound`. The round is discarded and a full round starts.
 */
export function isGraphSyncReset(error: unknown): boolean {
  const facts = factsOf(error);
  if (facts.status === 410) return true;
  return facts.status === 400 && facts.code !== undefined && SYNC_RESET_CODES.has(facts.code.toLowerCase());
}

/** The HTTP status Graph answered with, if `error` is an answer of Graph (the SDK's `GraphError`). */
export function graphStatusOf(error: unknown): number | undefined {
  return factsOf(error).status;
}

/** Maps what the SDKs throw to a one-line `ConnectorError` that names what the operator should change. */
export function graphFailure(error: unknown, context: GraphFailureContext): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const facts = factsOf(error);
  const options = { cause: error, ...(facts.retryAfterMs === undefined ? {} : { retryAfterMs: facts.retryAfterMs }) };
  const entra = /AADSTS(\d+):?\s*([^\r\n]*)/.exec(facts.message);
  if (entra !== null) return new ConnectorError('auth', entraMessage(entra[1] ?? '', entra[2] ?? '', context), options);
  if (facts.status === 403 || facts.code === 'Authorization_RequestDenied') {
    const permissions = context.permissions ?? REQUIRED_PERMISSIONS;
    return new ConnectorError(
      'auth',
      `Microsoft Graph denied ${context.what} to AZURE_CLIENT_ID=${context.clientId}: grant it the application ` +
        `${permissions.length === 1 ? 'permission' : 'permissions'} ${permissions.join(' and ')} (Microsoft Graph, ` +
        `type Application) and grant admin consent in tenant ${context.tenantId} (${facts.code ?? 'Forbidden'})`,
      options,
    );
  }
  if (facts.status === 401) {
    return new ConnectorError(
      'auth',
      `Microsoft Graph rejected the access token of AZURE_CLIENT_ID=${context.clientId} for ${context.what}: check that ` +
        `AZURE_AUTHORITY_HOST=${context.authorityHost} and GRAPH_BASE_URL belong to the same cloud (${facts.code ?? '401'})`,
      options,
    );
  }
  if (facts.status === 429 || (facts.status !== undefined && facts.status >= 500)) {
    return new ConnectorError(
      'unavailable',
      `Microsoft Graph kept answering ${facts.status} to ${context.what} after its retries: try again later (${facts.code ?? 'no code'})`,
      options,
    );
  }
  if (facts.message.includes('endpoints_resolution_error')) {
    return new ConnectorError(
      'auth',
      `AZURE_TENANT_ID=${context.tenantId} cannot be resolved at AZURE_AUTHORITY_HOST=${context.authorityHost}: check both ` +
        `(endpoints_resolution_error)`,
      options,
    );
  }
  if (facts.status === undefined) {
    return new ConnectorError(
      'unavailable',
      `Microsoft Graph or ${context.authorityHost} could not be reached for ${context.what}: ${firstLine(facts.message)}`,
      options,
    );
  }
  return new ConnectorError(
    'bad_response',
    `Microsoft Graph answered ${facts.status} ${facts.code ?? ''} to ${context.what}: ${firstLine(facts.message)}`,
    options,
  );
}

function entraMessage(code: string, description: string, context: GraphFailureContext): string {
  // The first sentence of Entra's description: the rest repeats ids and adds trace/correlation lines.
  const summary = `AADSTS${code} ${description.split('. ')[0]?.replace(/\.$/, '') ?? ''}`.trim();
  const authority = context.authorityHost;
  switch (code) {
    case '7000215':
      return `AZURE_CLIENT_SECRET is rejected by ${authority} for AZURE_CLIENT_ID=${context.clientId}: ${summary}`;
    case '700027':
    case '7000218':
      return `the credential of AZURE_CLIENT_ID=${context.clientId} (AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH) is rejected by ${authority}: ${summary}`;
    case '700016':
      return `AZURE_CLIENT_ID=${context.clientId} is not an application in AZURE_TENANT_ID=${context.tenantId} at ${authority}: ${summary}`;
    case '90002':
      return `AZURE_TENANT_ID=${context.tenantId} is not a tenant of ${authority} (check it, and AZURE_AUTHORITY_HOST for national clouds): ${summary}`;
    default:
      return `${authority} refused a token to AZURE_CLIENT_ID=${context.clientId} in AZURE_TENANT_ID=${context.tenantId}: ${summary}`;
  }
}

function factsOf(error: unknown): ErrorFacts {
  if (!(error instanceof Error))
    return { status: undefined, code: undefined, message: String(error), retryAfterMs: undefined };
  const statusCode: unknown = Reflect.get(error, 'statusCode');
  const code: unknown = Reflect.get(error, 'code');
  const headers: unknown = Reflect.get(error, 'headers');
  const retryAfter = headers instanceof Headers ? headers.get('retry-after') : null;
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  return {
    // The SDK uses -1 for "no HTTP answer" (e.g. the credential failed before any Graph request).
    status: typeof statusCode === 'number' && statusCode > 0 ? statusCode : undefined,
    code: typeof code === 'string' && code !== '' ? code : undefined,
    message: error.message,
    retryAfterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined,
  };
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/)[0] ?? '').slice(0, 300);
}
