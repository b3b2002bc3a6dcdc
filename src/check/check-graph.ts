import { z } from 'zod';
import { diagnoseAuthority } from '../../connectors/graph/graph-authority-diagnosis.js';
import { credentialOf, GRAPH_SCOPE } from '../../connectors/graph/graph-credential.js';
import type { GraphConfig } from '../../connectors/graph/graph-config.js';
import { APP_ASSIGNMENTS_PERMISSION, graphFailure, graphStatusOf } from '../../connectors/graph/graph-failure.js';
import { createGraphSdkHttp } from '../../connectors/graph/graph-sdk-http.js';
import { formatDuration, withDeadline } from './check-deadline.js';
import { failed, passed } from './check-result.js';
import type { CheckResult } from './check-result.js';

export interface GraphCheckOptions {
  /** Per request (the token request, each Graph GET); default 15 s. */
  readonly timeoutMs?: number;
}

const listSchema = z.looseObject({ value: z.array(z.looseObject({ id: z.string() })) });
const tokenClaimsSchema = z.looseObject({ roles: z.array(z.string()).optional() });

type Got =
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly detail: string; readonly notFound?: boolean };

const ASSIGNMENTS = 'graph app assignments';

/**
 * The Entra credential and the Graph reads of the connector, each with the smallest page:
 * - `graph token`: a client-credentials token from `AZURE_AUTHORITY_HOST`, as the connector gets it (its
 *   application permissions, the token's `roles`, are listed);
 * - `graph users`: `GET /users?$top=1&$select=id` (User.Read.All);
 * - `graph groups`: `GET /groups?$top=1&$select=id`, then the members of the group found
 *   (`GET /groups/{id}/members?$top=1&$select=id`, GroupMember.Read.All);
 * - `graph app assignments`, when GRAPH_SERVICE_PRINCIPAL_ID scopes the read to an enterprise application:
 *   `GET /servicePrincipals/{id}/appRoleAssignedTo?$top=1` (Application.Read.All).
 * A 403 names the permission to grant and admin consent; Entra's AADSTS errors are named as the connector does.
 */
export async function checkGraph(config: GraphConfig, options: GraphCheckOptions = {}): Promise<CheckResult[]> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const { tenantId, clientId, authorityHost } = config;
  const app = `AZURE_CLIENT_ID=${clientId}`;

  // One credential for the token check and the reads: they go out with the token the check got (MSAL's cache),
  // where a credential of their own would ask the authority again, once per read started before it answered.
  const credential = credentialOf(config);
  let roles: readonly string[] | undefined;
  try {
    const token = await credential.getToken(GRAPH_SCOPE, { abortSignal: AbortSignal.timeout(timeoutMs) });
    if (token === null) throw new Error(`${authorityHost} issued no token`);
    roles = rolesOf(token.token);
  } catch (error) {
    const detail = await describeFailure(error, config, 'a token');
    const skipped = 'not checked: fix the graph token check first';
    const reads = ['graph users', 'graph groups', ...(config.servicePrincipalId === undefined ? [] : [ASSIGNMENTS])];
    return [failed('graph token', detail), ...reads.map((name) => failed(name, skipped))];
  }
  const granted =
    roles === undefined
      ? ''
      : roles.length === 0
        ? '; the token carries no application permissions yet'
        : `; application permissions: ${roles.join(', ')}`;
  const token = passed('graph token', `${authorityHost} issued ${app} a token for tenant ${tenantId}${granted}`);

  // No throttling retries: the SDK would wait out `Retry-After`, and a check should say so instead.
  const http = createGraphSdkHttp(config, { maxRetries: 0, credential });
  const get = async (url: string, permission: string): Promise<Got> => {
    const late = (): Got => ({
      ok: false,
      detail: `Microsoft Graph did not answer GET ${url} within ${formatDuration(timeoutMs)}: check GRAPH_BASE_URL and the network`,
    });
    const attempt = http.get(url).then(
      (body): Got => ({ ok: true, body }),
      async (error: unknown): Promise<Got> => ({
        ok: false,
        detail: await describeRead(error, config, url, permission),
        notFound: graphStatusOf(error) === 404,
      }),
    );
    return withDeadline(attempt, timeoutMs, late);
  };

  const users = async (): Promise<CheckResult> => {
    const url = '/users?$top=1&$select=id';
    const answer = await get(url, 'User.Read.All');
    if (!answer.ok) return failed('graph users', answer.detail);
    if (!listSchema.safeParse(answer.body).success) return failed('graph users', notAList(url));
    return passed('graph users', `${app} may read users (GET ${url})`);
  };

  const groups = async (): Promise<CheckResult> => {
    const url = '/groups?$top=1&$select=id';
    const answer = await get(url, 'GroupMember.Read.All');
    if (!answer.ok) return failed('graph groups', answer.detail);
    const list = listSchema.safeParse(answer.body);
    if (!list.success) return failed('graph groups', notAList(url));
    const first = list.data.value[0];
    if (first === undefined) {
      return passed('graph groups', `${app} may read groups (GET ${url}); the tenant has no group to read members of`);
    }
    const membersUrl = `/groups/${encodeURIComponent(first.id)}/members?$top=1&$select=id`;
    const members = await get(membersUrl, 'GroupMember.Read.All');
    if (!members.ok) return failed('graph groups', members.detail);
    return passed('graph groups', `${app} may read groups and their members (GET ${url}, GET ${membersUrl})`);
  };

  const assignments = async (servicePrincipalId: string): Promise<CheckResult> => {
    const url = `/servicePrincipals/${encodeURIComponent(servicePrincipalId)}/appRoleAssignedTo?$top=1`;
    const answer = await get(url, APP_ASSIGNMENTS_PERMISSION);
    if (!answer.ok) {
      return failed(
        ASSIGNMENTS,
        answer.notFound
          ? `GRAPH_SERVICE_PRINCIPAL_ID=${servicePrincipalId} is not a service principal in tenant ${tenantId} ` +
              `(GET ${url} answered 404): set it to the enterprise application's Object ID (Entra admin center → ` +
              'Enterprise applications → the app → Overview → Object ID), not its Application (client) ID'
          : answer.detail,
      );
    }
    if (!listSchema.safeParse(answer.body).success) return failed(ASSIGNMENTS, notAList(url));
    return passed(
      ASSIGNMENTS,
      `${app} may read the users and groups assigned to enterprise application ${servicePrincipalId} (GET ${url})`,
    );
  };

  const reads = [users(), groups()];
  if (config.servicePrincipalId !== undefined) reads.push(assignments(config.servicePrincipalId));
  return [token, ...(await Promise.all(reads))];
}

/** The application permissions in an app-only access token, when it is a readable JWT (it is not verified here). */
function rolesOf(accessToken: string): readonly string[] | undefined {
  const payload = accessToken.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = tokenClaimsSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    return claims.success ? (claims.data.roles ?? []) : undefined;
  } catch {
    return undefined;
  }
}

/** A failed Graph read: a 403 names the one permission this read needs; the rest as the connector says it. */
async function describeRead(error: unknown, config: GraphConfig, url: string, permission: string): Promise<string> {
  const source = error instanceof Error ? error : undefined;
  const status: unknown = source === undefined ? undefined : Reflect.get(source, 'statusCode');
  const code: unknown = source === undefined ? undefined : Reflect.get(source, 'code');
  if (status === 403 || code === 'Authorization_RequestDenied') {
    return (
      `Microsoft Graph denied GET ${url} to AZURE_CLIENT_ID=${config.clientId}: grant it the application permission ` +
      `${permission} (Microsoft Graph, type Application) and grant admin consent in tenant ${config.tenantId}` +
      ` (${typeof code === 'string' && code !== '' ? code : 'Forbidden'})`
    );
  }
  return describeFailure(error, config, `GET ${url}`);
}

/** The connector's diagnosis (`graphFailure`), with Entra asked again when MSAL hid its AADSTS code. */
async function describeFailure(error: unknown, config: GraphConfig, what: string): Promise<string> {
  const { tenantId, clientId, authorityHost } = config;
  const context = { tenantId, clientId, authorityHost, what };
  if (error instanceof Error && error.message.includes('endpoints_resolution_error')) {
    const entra = await diagnoseAuthority(authorityHost, tenantId);
    return graphFailure(entra === undefined ? error : new Error(entra, { cause: error }), context).message;
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return `${authorityHost} did not answer the token request in time: check AZURE_AUTHORITY_HOST and the network`;
  }
  return graphFailure(error, context).message;
}

function notAList(url: string): string {
  return `Microsoft Graph answered GET ${url} with something that is not a list: check GRAPH_BASE_URL`;
}
