import { ConnectorError } from '../connector-error.js';

/** Entra ID's public cloud authority, the default of `AZURE_AUTHORITY_HOST`. */
export const PUBLIC_CLOUD_AUTHORITY = 'https://login.microsoftonline.com';
export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';

/** How the app registration proves who it is: a client secret or a PEM holding its private key and certificate. */
export type GraphCredentialConfig =
  | { readonly kind: 'secret'; readonly clientSecret: string }
  | { readonly kind: 'certificate'; readonly certificatePath: string };

/** The Entra app registration and the endpoints to read (DESIGN "Environment"). Frozen; holds a secret: never log it. */
export interface GraphConfig {
  readonly tenantId: string;
  readonly clientId: string;
  readonly credential: GraphCredentialConfig;
  /** Origin of the token authority, without a trailing slash (default the public cloud). */
  readonly authorityHost: string;
  /** E.g. `https://graph.microsoft.com/v1.0`, without a trailing slash. */
  readonly graphBaseUrl: string;
  /**
   * `GRAPH_SERVICE_PRINCIPAL_ID`: the Object ID of the enterprise application (its service principal) whose assigned
   * users and groups are the directory; absent: every user and group of the tenant.
   */
  readonly servicePrincipalId?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` or `AZURE_CLIENT_CERTIFICATE_PATH`,
 * `AZURE_AUTHORITY_HOST`, `GRAPH_BASE_URL` and the optional `GRAPH_SERVICE_PRINCIPAL_ID`. Throws one `ConnectorError('config')` naming every missing or
 * malformed variable; values of secrets never appear in it.
 */
export function parseGraphConfig(env: NodeJS.ProcessEnv): GraphConfig {
  const problems: string[] = [];
  const tenantId = required(env, 'AZURE_TENANT_ID', problems);
  const clientId = required(env, 'AZURE_CLIENT_ID', problems);
  const secret = optional(env, 'AZURE_CLIENT_SECRET');
  const certificatePath = optional(env, 'AZURE_CLIENT_CERTIFICATE_PATH');
  if (secret !== undefined && certificatePath !== undefined) {
    problems.push('set only one of AZURE_CLIENT_SECRET and AZURE_CLIENT_CERTIFICATE_PATH');
  } else if (secret === undefined && certificatePath === undefined) {
    problems.push('AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH (a PEM with key and certificate) is missing');
  }
  if (tenantId !== undefined && !/^[A-Za-z0-9.-]+$/.test(tenantId)) {
    problems.push('AZURE_TENANT_ID must be a tenant id (GUID) or a domain name');
  }
  const authorityHost = httpsUrl(env, 'AZURE_AUTHORITY_HOST', PUBLIC_CLOUD_AUTHORITY, problems, 'origin');
  const graphBaseUrl = httpsUrl(env, 'GRAPH_BASE_URL', DEFAULT_GRAPH_BASE_URL, problems, 'versioned');
  const servicePrincipalId = optional(env, 'GRAPH_SERVICE_PRINCIPAL_ID');
  if (servicePrincipalId !== undefined && !GUID.test(servicePrincipalId)) {
    problems.push(
      "GRAPH_SERVICE_PRINCIPAL_ID must be the enterprise application's Object ID, a GUID (Entra admin center → " +
        'Enterprise applications → the app → Overview → Object ID)',
    );
  }
  if (problems.length > 0 || tenantId === undefined || clientId === undefined) {
    throw new ConnectorError('config', `Microsoft Graph configuration: ${problems.join('; ')}`);
  }
  const credential: GraphCredentialConfig =
    certificatePath === undefined
      ? { kind: 'secret', clientSecret: secret ?? '' }
      : { kind: 'certificate', certificatePath };
  return Object.freeze({
    tenantId,
    clientId,
    credential,
    authorityHost,
    graphBaseUrl,
    ...(servicePrincipalId === undefined ? {} : { servicePrincipalId }),
  });
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function required(env: NodeJS.ProcessEnv, name: string, problems: string[]): string | undefined {
  const value = optional(env, name);
  if (value === undefined) problems.push(`${name} is missing`);
  return value;
}

/** A URL variable, checked without echoing its value (a URL may carry credentials in its user info). */
function httpsUrl(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: string,
  problems: string[],
  shape: 'origin' | 'versioned',
): string {
  const raw = optional(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name} is not a URL`);
    return fallback;
  }
  if (url.protocol !== 'https:') problems.push(`${name} must be an https:// URL`);
  else if (url.username !== '' || url.password !== '') problems.push(`${name} must not carry credentials`);
  else if (url.search !== '' || url.hash !== '') problems.push(`${name} must not have a query or fragment`);
  else if (shape === 'versioned' && !/^\/[^/]+\/?$/.test(url.pathname)) {
    problems.push(`${name} must end with the API version, e.g. ${DEFAULT_GRAPH_BASE_URL}`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
