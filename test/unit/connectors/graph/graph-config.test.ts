import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../connectors/connector-error.js';
import { parseGraphConfig } from '../../../../connectors/graph/graph-config.js';

const SECRET = 'Qq8Q~very-secret-value';
const BASE = { AZURE_TENANT_ID: 'contoso.onmicrosoft.com', AZURE_CLIENT_ID: 'app-id', AZURE_CLIENT_SECRET: SECRET };

function configError(env: NodeJS.ProcessEnv): ConnectorError {
  try {
    parseGraphConfig(env);
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('parseGraphConfig accepted the environment');
}

describe('parseGraphConfig', () => {
  it('defaults to the public cloud and Graph v1.0', () => {
    expect(parseGraphConfig(BASE)).toEqual({
      tenantId: 'contoso.onmicrosoft.com',
      clientId: 'app-id',
      credential: { kind: 'secret', clientSecret: SECRET },
      authorityHost: 'https://login.microsoftonline.com',
      graphBaseUrl: 'https://graph.microsoft.com/v1.0',
    });
    expect(Object.isFrozen(parseGraphConfig(BASE))).toBe(true);
  });

  it('takes a certificate path, a national cloud authority and a Graph base URL, trimming trailing slashes', () => {
    const config = parseGraphConfig({
      AZURE_TENANT_ID: 'a1b2',
      AZURE_CLIENT_ID: 'app-id',
      AZURE_CLIENT_CERTIFICATE_PATH: '/etc/dirsync/app.pem',
      AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/',
      GRAPH_BASE_URL: 'https://graph.microsoft.us/v1.0/',
    });
    expect(config.credential).toEqual({ kind: 'certificate', certificatePath: '/etc/dirsync/app.pem' });
    expect(config.authorityHost).toBe('https://login.microsoftonline.us');
    expect(config.graphBaseUrl).toBe('https://graph.microsoft.us/v1.0');
  });

  it('names every missing variable in one config error', () => {
    const error = configError({});
    expect(error.kind).toBe('config');
    expect(error.message).toBe(
      'Microsoft Graph configuration: AZURE_TENANT_ID is missing; AZURE_CLIENT_ID is missing; ' +
        'AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH (a PEM with key and certificate) is missing',
    );
  });

  it('names every malformed variable without echoing values', () => {
    const error = configError({
      ...BASE,
      AZURE_CLIENT_CERTIFICATE_PATH: '/app.pem',
      AZURE_AUTHORITY_HOST: 'http://user:hunter2@login.example',
      GRAPH_BASE_URL: 'https://graph.example.com',
    });
    expect(error.message).toContain('set only one of AZURE_CLIENT_SECRET and AZURE_CLIENT_CERTIFICATE_PATH');
    expect(error.message).toContain('AZURE_AUTHORITY_HOST must be an https:// URL');
    expect(error.message).toContain('GRAPH_BASE_URL must end with the API version');
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain('hunter2');
  });

  it('rejects a URL with credentials, a query, or no URL at all', () => {
    expect(configError({ ...BASE, GRAPH_BASE_URL: 'https://u:p@graph.example/v1.0' }).message).toContain(
      'GRAPH_BASE_URL must not carry credentials',
    );
    expect(configError({ ...BASE, GRAPH_BASE_URL: 'https://graph.example/v1.0?x=1' }).message).toContain(
      'GRAPH_BASE_URL must not have a query or fragment',
    );
    expect(configError({ ...BASE, AZURE_AUTHORITY_HOST: 'login' }).message).toContain(
      'AZURE_AUTHORITY_HOST is not a URL',
    );
    expect(configError({ ...BASE, AZURE_TENANT_ID: 'a/b' }).message).toContain('AZURE_TENANT_ID must be a tenant id');
  });

  it('takes GRAPH_SERVICE_PRINCIPAL_ID, the enterprise application the read is scoped to, when it is a GUID', () => {
    const id = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
    expect(parseGraphConfig({ ...BASE, GRAPH_SERVICE_PRINCIPAL_ID: ` ${id} ` }).servicePrincipalId).toBe(id);
    expect(Object.hasOwn(parseGraphConfig(BASE), 'servicePrincipalId')).toBe(false);
    expect(Object.hasOwn(parseGraphConfig({ ...BASE, GRAPH_SERVICE_PRINCIPAL_ID: '' }), 'servicePrincipalId')).toBe(
      false,
    );
  });

  it('names GRAPH_SERVICE_PRINCIPAL_ID when it is not a GUID (an app name, or a URL pasted by mistake)', () => {
    for (const value of ['Dovetail', 'https://portal.azure.com/#view/app', '6f1c2d3e4a5b4c6d8e7f9a0b1c2d3e4f']) {
      const error = configError({ ...BASE, GRAPH_SERVICE_PRINCIPAL_ID: value });
      expect(error.kind).toBe('config');
      expect(error.message).toContain(
        "GRAPH_SERVICE_PRINCIPAL_ID must be the enterprise application's Object ID, a GUID",
      );
    }
  });
});
