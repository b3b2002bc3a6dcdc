import type { IdpConfig, InviteConfig, TargetConfig } from '../config/connection-config.js';
import { checkDatabase } from './check-database.js';
import { formatDuration, withDeadline } from './check-deadline.js';
import { checkJsonl } from './check-jsonl.js';
import { failed, passed } from './check-result.js';
import type { CheckResult } from './check-result.js';
import { checkSandbox } from './check-sandbox.js';
import { checkSmtp } from './check-smtp.js';

export const DEFAULT_CHECK_TIMEOUT_MS = 15_000;

export interface RunChecksInput {
  readonly databaseUrl: string;
  /** `null` when no worker is configured: Redis is not checked. */
  readonly redisUrl: string | null;
  readonly idp: IdpConfig;
  readonly target: TargetConfig;
  readonly invites: InviteConfig;
  /** Per request of a check; default 15 s. */
  readonly timeoutMs?: number;
}

/** A dependency's checks: the lines it reports, and how many requests it may make one after another. */
interface CheckGroup {
  readonly names: readonly string[];
  /** Requests made one after another (an OAuth token, then a read…): the group's deadline is that many timeouts. */
  readonly steps: number;
  /** What to look at when nothing answered in time. */
  readonly reach: string;
  readonly run: () => Promise<CheckResult | CheckResult[]>;
}

/**
 * `dirsync check`: verifies every dependency of one connection without writing anything (DESIGN "Connections"):
 * the database and its migrations, Redis when a worker is configured, the IdP's credentials and the permission of
 * each read, the target, and the mail server. Dependencies are checked side by side; the lines come back in that
 * order, one per check, each saying what was verified or what to fix. Never throws for a failed check; the
 * caller exits 0 when every line is `ok`, 2 otherwise.
 *
 * Each request has `timeoutMs`; a dependency that still has not answered after its requests' timeouts (plus one)
 * is reported as unreachable, whatever its client is still waiting for.
 *
 * The modules of the IdP, Redis and SCIM checks are imported when their group runs: a connection needs one IdP's
 * SDK (the other's costs 0.1-0.2 s of the start), Redis is checked only for a worker, and JSONL needs no HTTP client.
 */
export async function runChecks(input: RunChecksInput): Promise<CheckResult[]> {
  const timeoutMs = input.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const groups: CheckGroup[] = [
    {
      names: ['database'],
      steps: 1,
      reach: 'the database in DATABASE_URL',
      run: () => checkDatabase(input.databaseUrl, { timeoutMs }),
    },
  ];
  if (input.redisUrl !== null) {
    const redisUrl = input.redisUrl;
    groups.push({
      names: ['redis'],
      steps: 1,
      reach: 'REDIS_URL',
      run: async () => (await import('./check-redis.js')).checkRedis(redisUrl, { timeoutMs }),
    });
  }
  groups.push(
    idpGroup(input.idp, timeoutMs),
    targetGroup(input.target, timeoutMs),
    invitesGroup(input.invites, timeoutMs),
  );

  const results = await Promise.all(groups.map((group) => runGroup(group, timeoutMs)));
  return results.flat();
}

function idpGroup(idp: IdpConfig, timeoutMs: number): CheckGroup {
  switch (idp.kind) {
    case 'sandbox':
      return { names: ['sandbox file'], steps: 1, reach: 'DIRSYNC_SANDBOX_FILE', run: () => checkSandbox(idp.file) };
    case 'okta': {
      const scoped = idp.okta.appId !== undefined;
      return {
        names: ['okta users', 'okta groups', scoped ? 'okta app' : 'okta system log'],
        // A token request (PrivateKey), users, then the others side by side, each with its follow-up read.
        steps: 4,
        reach: 'OKTA_CLIENT_ORGURL',
        run: async () => (await import('./check-okta.js')).checkOkta(idp.okta, { timeoutMs }),
      };
    }
    case 'graph':
      return {
        names: ['graph token', 'graph users', 'graph groups'],
        // The token, then users and groups side by side with it (the client reuses it), then a group's members.
        steps: 3,
        reach: 'AZURE_AUTHORITY_HOST and GRAPH_BASE_URL',
        run: async () => (await import('./check-graph.js')).checkGraph(idp.graph, { timeoutMs }),
      };
  }
}

function targetGroup(target: TargetConfig, timeoutMs: number): CheckGroup {
  switch (target.kind) {
    case 'scim':
      return {
        names: ['scim ServiceProviderConfig', 'scim users'],
        steps: 1,
        reach: 'APP_SCIM_URL',
        run: async () =>
          (await import('./check-scim.js')).checkScim({ url: target.url, token: target.token }, { timeoutMs }),
      };
    case 'jsonl':
      return { names: ['jsonl file'], steps: 1, reach: 'APP_JSONL_PATH', run: () => checkJsonl(target.path) };
  }
}

function invitesGroup(invites: InviteConfig, timeoutMs: number): CheckGroup {
  switch (invites.mode) {
    case 'off':
      return {
        names: ['smtp'],
        steps: 1,
        reach: 'SMTP_URL',
        run: () => Promise.resolve(passed('smtp', `invites are off (${invites.reason}): no mail server to check`)),
      };
    case 'smtp':
      return {
        names: ['smtp'],
        // Connect (and TLS), then the greeting, EHLO and AUTH.
        steps: 2,
        reach: 'SMTP_URL',
        run: () => checkSmtp({ smtpUrl: invites.smtpUrl, from: invites.from }, { timeoutMs }),
      };
  }
}

async function runGroup(group: CheckGroup, timeoutMs: number): Promise<CheckResult[]> {
  // One timeout more than the requests' own, so that their more precise messages win the race.
  const ms = timeoutMs * (group.steps + 1);
  const late = (): CheckResult[] =>
    group.names.map((name) =>
      failed(name, `no answer within ${formatDuration(ms)}: check ${group.reach} and that the server is up`),
    );
  const work = group.run().then(
    (result) => (Array.isArray(result) ? result : [result]),
    // A check reports its failures as lines; a throw is a bug, still reported as a line rather than a crash.
    (error: unknown) =>
      group.names.map((name) =>
        failed(name, `the check itself failed (${error instanceof Error ? error.message : String(error)})`),
      ),
  );
  return withDeadline(work, ms, late);
}
