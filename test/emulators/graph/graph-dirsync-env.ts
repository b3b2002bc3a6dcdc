import type { GraphEmulator, GraphEmulatorEndpoints } from './graph-emulator.js';

/** An app registration of the emulator's tenant, with a client secret. */
export interface GraphSecretApp {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Application permissions; default: what a sync reads with (`User.Read.All`, `GroupMember.Read.All`). */
  readonly roles?: readonly string[];
}

/**
 * Starts `emulator` with `app` registered and returns its endpoints and the variables a dirsync process reaches it
 * with: the app's credentials, the emulator's authority and Graph base URL, and its throwaway CA.
 */
export async function startGraphForDirsync(
  emulator: GraphEmulator,
  app: GraphSecretApp,
): Promise<{ readonly endpoints: GraphEmulatorEndpoints; readonly env: Record<string, string> }> {
  const endpoints = await emulator.start();
  const { tenantId, clientId, clientSecret } = app;
  emulator.registerApp({
    tenantId,
    clientId,
    clientSecret,
    roles: app.roles ?? ['User.Read.All', 'GroupMember.Read.All'],
  });
  const env = {
    AZURE_TENANT_ID: tenantId,
    AZURE_CLIENT_ID: clientId,
    AZURE_CLIENT_SECRET: clientSecret,
    AZURE_AUTHORITY_HOST: endpoints.authorityHost,
    GRAPH_BASE_URL: endpoints.graphBaseUrl,
    NODE_EXTRA_CA_CERTS: endpoints.caPath,
  };
  return { endpoints, env };
}
