import { ConfigError } from './config-error.js';
import { ConnectionConfigProblems, parseConnectionSettings, type ConnectionConfig } from './connection-config.js';
import { loadConnectionsFile } from './connections-file.js';
import { loadServiceConfig, type ServiceConfig } from './service-config.js';

/** Where the connections of this process come from (DESIGN "Connections"). */
export type RegistrySource = { readonly kind: 'environment' } | { readonly kind: 'file'; readonly path: string };

/** The connections this process knows, in the order they were written. */
export interface ConnectionRegistry {
  readonly source: RegistrySource;
  readonly connections: readonly ConnectionConfig[];
}

/** Everything a command needs from the environment, validated before anything is written. */
export interface Settings {
  readonly service: ServiceConfig;
  readonly registry: ConnectionRegistry;
}

/**
 * Reads the process settings and the connection registry: the connections file when `DIRSYNC_CONNECTIONS_FILE`
 * is set, else one connection from the environment (`DIRSYNC_CONNECTION_ID`, default `default`). Every bad
 * variable and field is named in one `ConfigError`.
 */
export function loadSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  let service: ServiceConfig | undefined;
  try {
    service = loadServiceConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error.message.replace(/^invalid configuration: /, ''));
  }
  let registry: ConnectionRegistry | undefined;
  try {
    registry = loadRegistry(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error.message.replace(/^invalid configuration: /, ''));
  }
  if (problems.length > 0 || service === undefined || registry === undefined) {
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return { service, registry };
}

/** The registry alone: what the worker reloads on SIGHUP. */
export function loadRegistry(env: NodeJS.ProcessEnv): ConnectionRegistry {
  const file = env['DIRSYNC_CONNECTIONS_FILE']?.trim();
  if (file !== undefined && file !== '') {
    return { source: { kind: 'file', path: file }, connections: loadConnectionsFile(file, env) };
  }
  const id = env['DIRSYNC_CONNECTION_ID']?.trim() || 'default';
  try {
    return {
      source: { kind: 'environment' },
      connections: [parseConnectionSettings(id, env, { origin: 'environment' })],
    };
  } catch (error) {
    if (!(error instanceof ConnectionConfigProblems)) throw error;
    throw new ConfigError(`invalid configuration: ${error.problems.join('; ')}`);
  }
}

/**
 * The connection a per-connection command works on: the one named by `-c`, or the only one. Errors list the
 * known ids so the operator can pick.
 */
export function selectConnection(registry: ConnectionRegistry, id: string | undefined): ConnectionConfig {
  const ids = registry.connections.map((connection) => connection.id);
  if (id === undefined) {
    const [only, ...others] = registry.connections;
    if (only !== undefined && others.length === 0) return only;
    if (only === undefined) throw new ConfigError(`no connection is configured (${describeSource(registry.source)})`);
    throw new ConfigError(`${ids.length} connections are configured: pick one with -c ID (${ids.join(', ')})`);
  }
  const found = registry.connections.find((connection) => connection.id === id);
  if (found === undefined) {
    throw new ConfigError(
      `no connection "${id}" in ${describeSource(registry.source)}; known: ${ids.join(', ') || 'none'}`,
    );
  }
  return found;
}

export function describeSource(source: RegistrySource): string {
  return source.kind === 'file' ? `the connections file ${source.path}` : 'the environment';
}
