import { userAttributesUsedBy } from './core/policy/user-attributes-used.js';
import type { Kysely } from 'kysely';
import type { DirectoryConnector } from '../connectors/directory-connector.js';
import type { RateBudget } from '../connectors/rate-budget.js';
import type { Clock } from './clock.js';
import { errorText } from './error-text.js';
import { ConfigError } from './config/config-error.js';
import type { ConnectionConfig } from './config/connection-config.js';
import type { InviteLifecycleConfig } from './config/invite-lifecycle-config.js';
import type { ServiceConfig } from './config/service-config.js';
import { lazyInviteTemplates } from './invites/lazy-invite-templates.js';
import type { Log } from './logger.js';
import { createDb } from './store/create-db.js';
import type { Database } from './store/database.js';
import { DatabaseUrlError, describeDatabase, parseDatabaseUrl } from './store/database-url.js';
import { pendingMigrations } from './store/migrate.js';
import type { InviteSender } from './sync/apply-plan.js';
import { syncConnection, type ConnectionRunRequest, type ConnectionRunResult } from './sync/sync-connection.js';
import type { SyncRequest } from './sync/run-sync.js';
import type { Target } from './targets/target.js';

/**
 * The composition root: the only place that knows every concrete implementation. The CLI and the worker build a
 * connection's runtime here and only call it.
 */

export interface OpenDatabase {
  readonly db: Kysely<Database>;
  /** The database described without credentials, for messages. */
  readonly name: string;
}

export function openDatabase(service: Pick<ServiceConfig, 'databaseUrl'>): OpenDatabase {
  let location;
  try {
    location = parseDatabaseUrl(service.databaseUrl);
  } catch (error) {
    if (error instanceof DatabaseUrlError) throw new ConfigError(error.message);
    throw error;
  }
  const name = describeDatabase(location);
  try {
    return { db: createDb(location), name };
  } catch (error) {
    throw new ConfigError(`cannot open the database ${name}: ${errorText(error)}`);
  }
}

/** Fails with the command to run when the schema is behind (and with the cause when the database is unreachable). */
export async function assertMigrated({ db, name }: OpenDatabase): Promise<void> {
  let pending: string[];
  try {
    pending = await pendingMigrations(db);
  } catch (error) {
    throw new ConfigError(`cannot reach the database ${name}: ${errorText(error)}`);
  }
  if (pending.length > 0) {
    throw new ConfigError(
      `the database ${name} is not migrated (${pending.length} pending): run \`dirsync migrate\` first`,
    );
  }
}

/** What the runtime reports to the worker's metrics (statuses only: never headers or bodies). */
export interface RuntimeHooks {
  readonly onIdpRequest?: (event: { readonly status: number | undefined; readonly throttled: boolean }) => void;
  readonly onTargetResponse?: (status: number | undefined) => void;
}

/** One connection, ready to run: its connector, target and mailer, built from its configuration. */
export interface ConnectionRuntime {
  readonly connection: ConnectionConfig;
  /** The IdP described without secrets (`okta https://acme.okta.com`). */
  readonly source: string;
  /** One run under the connection's hold: `busy` when another run holds it. */
  run(request: ConnectionRunRequest): Promise<ConnectionRunResult>;
  /** Closes the mail connection; the database belongs to the caller. */
  close(): Promise<void>;
}

export interface RuntimeDeps {
  readonly db: Kysely<Database>;
  readonly service: Pick<ServiceConfig, 'leaseMs'>;
  readonly clock: Clock;
  readonly log: Log;
  readonly hooks?: RuntimeHooks;
  /** Plans and dry runs send nothing: no mail connection is opened. */
  readonly invites?: boolean;
  /**
   * The IdP request budget (the worker's, in Redis, shared with every worker of the same tenant); default one per
   * connector, in this process.
   */
  readonly rateBudget?: RateBudget;
}

export async function createConnectionRuntime(
  connection: ConnectionConfig,
  deps: RuntimeDeps,
): Promise<ConnectionRuntime> {
  const log = deps.log;
  const connector = await createConnector(connection, deps.hooks?.onIdpRequest, deps.rateBudget);
  const target = await createTarget(connection, deps.clock, deps.hooks?.onTargetResponse);
  const invites =
    deps.invites === false ? null : await createInviteSender(connection, log.child({ connection: connection.id }));
  return {
    connection,
    source: connector.source,
    run: (request) =>
      syncConnection(
        {
          ...request,
          connectionId: connection.id,
          guards: connection.guards,
          maxSourceDrop: connection.maxSourceDrop,
          maxOpAttempts: connection.maxOpAttempts,
          policy: connection.policy,
          applyConcurrency: connection.applyConcurrency,
          ...inviteLifecycleRequest(connection.inviteLifecycle),
          fullReadIntervalMs: connection.idp.kind === 'okta' ? connection.idp.okta.fullSyncIntervalMs : null,
          leaseMs: deps.service.leaseMs,
        },
        { db: deps.db, connector, target, invites: request.dryRun ? null : invites, clock: deps.clock, log },
      ),
    close: async () => {
      await invites?.mailer.close();
    },
  };
}

/**
 * Each connector is loaded only for the IdP in use: importing the Okta SDK alone costs ~0.6 s of every CLI start,
 * the Graph SDKs ~0.2 s, and even the sandbox's file schema and mappings ~10 ms that a Graph or Okta run never uses.
 */
async function createConnector(
  connection: ConnectionConfig,
  onRequest?: RuntimeHooks['onIdpRequest'],
  rateBudget?: RateBudget,
): Promise<DirectoryConnector> {
  const idp = connection.idp;
  switch (idp.kind) {
    case 'sandbox': {
      const { SandboxConnector } = await import('../connectors/sandbox/sandbox-connector.js');
      return new SandboxConnector(idp.file);
    }
    case 'okta': {
      const { OktaConnector } = await import('../connectors/okta/okta-connector.js');
      return new OktaConnector(idp.okta, {
        ...(onRequest ? { onRequest } : {}),
        ...(rateBudget ? { rateBudget } : {}),
      });
    }
    case 'graph': {
      const { GraphConnector } = await import('../connectors/graph/graph-connector.js');
      // Graph returns only the properties asked for: those the policy's rules and mappings read are asked for too
      // (the connector drops the ones it selects anyway; a name Graph does not know fails the read, naming it).
      const extraUserProperties = userAttributesUsedBy(connection.policy);
      return new GraphConnector(idp.graph, {
        extraUserProperties,
        ...(onRequest ? { onRequest } : {}),
        ...(rateBudget ? { rateBudget } : {}),
      });
    }
  }
}

/** Each target is loaded only for the connection's kind of target, like the connectors: SCIM (~0.1 s) or JSONL. */
async function createTarget(
  connection: ConnectionConfig,
  clock: Clock,
  onResponse?: RuntimeHooks['onTargetResponse'],
): Promise<Target> {
  const target = connection.target;
  switch (target.kind) {
    case 'scim': {
      const { ScimTarget } = await import('./targets/scim/scim-target.js');
      return new ScimTarget({
        baseUrl: target.url,
        token: target.token,
        maxMembersPerPatch: target.maxMembersPerPatch,
        ...(target.dialect === undefined ? {} : { dialect: target.dialect }),
        ...(onResponse
          ? {
              onRequest: (event: { readonly status: number | undefined }) => {
                onResponse(event.status);
              },
            }
          : {}),
      });
    }
    case 'jsonl': {
      const { JsonlTarget } = await import('./targets/jsonl/jsonl-target.js');
      // No fsync per line: against a killed process the page cache is enough (the outbox covers the rest), and
      // the mirror's SQLite is not synced per commit either. Syncing cost ~20 s of a 20 000-user first sync.
      return new JsonlTarget(target.path, { now: () => clock.now(), durable: false });
    }
  }
}

async function createInviteSender(connection: ConnectionConfig, log: Log): Promise<InviteSender | null> {
  const invites = connection.invites;
  if (invites.mode === 'off') {
    log.info({ reason: invites.reason }, `invites are off (${invites.reason})`);
    return null;
  }
  // Loaded only when invites are on: the mail library costs ~60 ms of a start.
  const { SmtpMailer } = await import('./invites/smtp-mailer.js');
  return {
    // One connection per invite in flight: apply sends as many at once as it writes to the app (capped).
    mailer: new SmtpMailer(invites.smtpUrl, { maxConnections: connection.applyConcurrency }),
    from: invites.from,
    appName: invites.appName,
    appLoginUrl: invites.appLoginUrl,
    // Parsed at the first invite of the process, then kept for every run; a directory the configuration named was
    // already checked when it was loaded (a broken template stops the start).
    templates: lazyInviteTemplates(invites.templateDir),
  };
}

/** The invite lifecycle's settings as a run takes them. */
function inviteLifecycleRequest(
  lifecycle: InviteLifecycleConfig,
): Pick<SyncRequest, 'quietFirstSync' | 'reminders' | 'maxInvitesPerMinute'> {
  return {
    quietFirstSync: !lifecycle.onFirstSync,
    ...(lifecycle.remindAfterMs === null || lifecycle.maxReminders === 0
      ? {}
      : { reminders: { afterMs: lifecycle.remindAfterMs, max: lifecycle.maxReminders } }),
    ...(lifecycle.maxPerMinute === null ? {} : { maxInvitesPerMinute: lifecycle.maxPerMinute }),
  };
}
