import { GraphError } from '@microsoft/microsoft-graph-client';
import { describe, expect, it } from 'vitest';
import { graphFailure, graphStatusOf, isGraphSyncReset } from '../../../../connectors/graph/graph-failure.js';

const CONTEXT = {
  tenantId: 'tenant-1',
  clientId: 'client-1',
  authorityHost: 'https://login.example',
  what: 'users/delta',
};

function graphError(status: number, code: string, headers?: Headers): GraphError {
  const error = new GraphError(status, `${code} message`);
  error.code = code;
  if (headers !== undefined) error.headers = headers;
  return error;
}

describe('isGraphSyncReset', () => {
  it('recognises 410 Gone and a 400 syncStateNotFound, nothing else', () => {
    expect(isGraphSyncReset(graphError(410, 'syncStateNotFound'))).toBe(true);
    expect(isGraphSyncReset(graphError(400, 'syncStateNotFound'))).toBe(true);
    expect(isGraphSyncReset(graphError(400, 'Request_BadRequest'))).toBe(false);
    expect(isGraphSyncReset(new Error('410'))).toBe(false);
  });
});

describe('graphFailure', () => {
  it('names AZURE_CLIENT_SECRET for AADSTS7000215, with the first sentence of Entra only', () => {
    const error = graphFailure(
      new Error(
        "invalid_client: Error(s): 7000215 - Description: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'client-1'.\r\nTrace ID: x",
      ),
      CONTEXT,
    );
    expect(error.kind).toBe('auth');
    expect(error.message).toBe(
      'AZURE_CLIENT_SECRET is rejected by https://login.example for AZURE_CLIENT_ID=client-1: AADSTS7000215 Invalid client secret provided',
    );
  });

  it('names AZURE_CLIENT_ID for AADSTS700016 and AZURE_TENANT_ID for AADSTS90002', () => {
    expect(
      graphFailure(new Error("AADSTS700016: Application with identifier 'client-1' was not found."), CONTEXT).message,
    ).toMatch(/^AZURE_CLIENT_ID=client-1 is not an application in AZURE_TENANT_ID=tenant-1/);
    expect(graphFailure(new Error("AADSTS90002: Tenant 'tenant-1' not found. Check it."), CONTEXT).message).toBe(
      "AZURE_TENANT_ID=tenant-1 is not a tenant of https://login.example (check it, and AZURE_AUTHORITY_HOST for national clouds): AADSTS90002 Tenant 'tenant-1' not found",
    );
  });

  it('names the permissions and admin consent for 403 Authorization_RequestDenied', () => {
    const error = graphFailure(graphError(403, 'Authorization_RequestDenied'), { ...CONTEXT, what: 'groups/delta' });
    expect(error.kind).toBe('auth');
    expect(error.message).toBe(
      'Microsoft Graph denied groups/delta to AZURE_CLIENT_ID=client-1: grant it the application permissions User.Read.All and GroupMember.Read.All (Microsoft Graph, type Application) and grant admin consent in tenant tenant-1 (Authorization_RequestDenied)',
    );
  });

  it('reports throttling and 5xx outlasting the retries as unavailable, with the server Retry-After', () => {
    const throttled = graphFailure(graphError(429, 'TooManyRequests', new Headers({ 'retry-after': '7' })), CONTEXT);
    expect(throttled.kind).toBe('unavailable');
    expect(throttled.retryAfterMs).toBe(7000);
    expect(graphFailure(graphError(504, 'gatewayTimeout'), CONTEXT).kind).toBe('unavailable');
  });

  it('reports an unresolvable authority as auth naming AZURE_TENANT_ID and AZURE_AUTHORITY_HOST', () => {
    const error = graphFailure(new Error('endpoints_resolution_error: Endpoints cannot be resolved'), CONTEXT);
    expect(error.kind).toBe('auth');
    expect(error.message).toContain(
      'AZURE_TENANT_ID=tenant-1 cannot be resolved at AZURE_AUTHORITY_HOST=https://login.example',
    );
  });

  it('reports an unexpected answer as bad_response', () => {
    expect(graphFailure(graphError(400, 'Request_BadRequest'), CONTEXT).kind).toBe('bad_response');
  });

  it('names the permission a read needs on a 403 when it is not one of the two every read needs', () => {
    const error = graphFailure(graphError(403, 'Authorization_RequestDenied'), {
      ...CONTEXT,
      what: 'servicePrincipals/{id}/appRoleAssignedTo',
      permissions: ['Application.Read.All'],
    });
    expect(error.kind).toBe('auth');
    expect(error.message).toBe(
      'Microsoft Graph denied servicePrincipals/{id}/appRoleAssignedTo to AZURE_CLIENT_ID=client-1: grant it the ' +
        'application permission Application.Read.All (Microsoft Graph, type Application) and grant admin consent in ' +
        'tenant tenant-1 (Authorization_RequestDenied)',
    );
  });

  it('reads the HTTP status of a Graph answer, and none from other errors', () => {
    expect(graphStatusOf(graphError(404, 'Request_ResourceNotFound'))).toBe(404);
    expect(graphStatusOf(graphError(-1, 'no answer'))).toBeUndefined();
    expect(graphStatusOf(new Error('socket hang up'))).toBeUndefined();
  });
});
