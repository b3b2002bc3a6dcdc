import type { Kysely } from 'kysely';
import type { DirectoryConnector } from '../connectors/directory-connector.js';
import { SandboxConnector } from '../connectors/sandbox/sandbox-connector.js';
import { CliError } from './cli/cli-error.js';
import { EXIT } from './cli/exit-codes.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { SmtpMailer } from './invites/smtp-mailer.js';
import type { Log } from './logger.js';
import { createDb } from './store/create-db.js';
import type { Database } from './store/database.js';
import { DatabaseUrlError, describeDatabase, parseDatabaseUrl } from './store/database-url.js';
import { pendingMigrations } from './store/migrate.js';
import type { InviteSender } from './sync/apply-plan.js';
import { JsonlTarget } from './targets/jsonl/jsonl-target.js';
import { ScimTarget } from './targets/scim/scim-target.js';
import type { Target } from './targets/target.js';

/** The composition root: the only place that knows every concrete implementation. */
export interface App {
  readonly config: Config;
  readonly db: Kysely<Database>;
  readonly databaseName: string;
  close(): Promise<void>;
}

export function openDatabase(config: Config): { db: Kysely<Database>; name: string } {
  try {
    const location = parseDatabaseUrl(config.databaseUrl);
    const name = describeDatabase(location);
    try {
      return { db: createDb(location), name };
    } catch (error) {
      throw new CliError(`cannot open the database ${name}: ${errorText(error)}`, EXIT.config);
    }
  } catch (error) {
    if (error instanceof DatabaseUrlError) throw new CliError(error.message, EXIT.config);
    throw error;
  }
}

/** Fails with the command to run when the schema is behind (and with the cause when the database is unreachable). */
export async function assertMigrated(db: Kysely<Database>, name: string): Promise<void> {
  let pending: string[];
  try {
    pending = await pendingMigrations(db);
  } catch (error) {
    throw new CliError(`cannot reach the database ${name}: ${errorText(error)}`, EXIT.config);
  }
  if (pending.length > 0) {
    throw new CliError(
      `the database ${name} is not migrated (${pending.length} pending): run \`dirsync migrate\` first`,
      EXIT.config,
    );
  }
}

/**
 * `onRequest` sees every IdP answer (status only): for metrics. The IdP SDKs are loaded only for the IdP in
 * use: importing the Okta SDK alone costs ~0.6 s of every CLI start.
 */
export async function createConnector(
  config: Config,
  onRequest?: (event: { readonly status: number | undefined; readonly throttled: boolean }) => void,
): Promise<DirectoryConnector> {
  const idp = config.idp;
  switch (idp.kind) {
    case 'sandbox':
      return new SandboxConnector(idp.file);
    case 'okta': {
      const { OktaConnector } = await import('../connectors/okta/okta-connector.js');
      return new OktaConnector(idp.okta, onRequest ? { onRequest } : {});
    }
    case 'graph': {
      const { GraphConnector } = await import('../connectors/graph/graph-connector.js');
      return new GraphConnector(idp.graph, onRequest ? { onRequest } : {});
    }
  }
}

/** How often an incremental read is replaced by a full one (`OKTA_FULL_SYNC_INTERVAL`); null: the IdP decides. */
export function fullReadIntervalOf(config: Config): number | null {
  return config.idp.kind === 'okta' ? config.idp.okta.fullSyncIntervalMs : null;
}

/** `onResponse` sees every HTTP answer of the app (status only, never headers): for metrics. */
export function createTarget(config: Config, clock: Clock, onResponse?: (status: number | undefined) => void): Target {
  const target = config.target;
  switch (target.kind) {
    case 'scim':
      return new ScimTarget({
        baseUrl: target.url,
        token: target.token,
        maxMembersPerPatch: target.maxMembersPerPatch,
        ...(onResponse
          ? {
              onRequest: (event: { readonly status: number | undefined }) => {
                onResponse(event.status);
              },
            }
          : {}),
      });
    case 'jsonl':
      // No fsync per line: against a killed process the page cache is enough (the outbox covers the rest), and
      // the mirror's SQLite is not synced per commit either. Syncing cost ~20 s of a 20 000-user first sync.
      return new JsonlTarget(target.path, { now: () => clock.now(), durable: false });
  }
}

export function createInviteSender(config: Config, log: Log): InviteSender | null {
  const invites = config.invites;
  if (invites.mode === 'off') {
    log.info({ reason: invites.reason }, `invites are off (${invites.reason})`);
    return null;
  }
  return {
    mailer: new SmtpMailer(invites.smtpUrl),
    from: invites.from,
    appName: invites.appName,
    appLoginUrl: invites.appLoginUrl,
  };
}

export function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return errorText(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
