import { DefaultRequestExecutor } from '../../connectors/okta/okta-sdk-parts.js';
import { createSdkClient } from '../../connectors/okta/okta-sdk-client.js';
import type { RequestExecutor } from '../../connectors/okta/okta-sdk-parts.js';
import { z } from 'zod';
import { ConnectorError } from '../../connectors/connector-error.js';
import type { OktaConfig } from '../../connectors/okta/okta-config.js';
import { classifyOktaFailure } from '../../connectors/okta/okta-failure.js';
import type { OktaFailureContext } from '../../connectors/okta/okta-failure.js';
import { isOktaFetchResponse } from '../../connectors/okta/okta-http.js';
import { OktaTokenRefusalWatch } from '../../connectors/okta/okta-token-refusal.js';
import { failed, passed } from './check-result.js';
import type { CheckResult } from './check-result.js';

export interface OktaCheckOptions {
  /** Per request, the OAuth token request included; default 15 s. Ignored when `requestExecutor` is given. */
  readonly timeoutMs?: number;
  /** The SDK executor to send requests with (tests pass one trusting the emulator's CA); default the SDK's own. */
  readonly requestExecutor?: RequestExecutor;
}

/** One read the connector makes, asked for with the smallest page. */
interface OktaRead {
  /** The line it reports on. */
  readonly name: string;
  readonly path: string;
  /** What the read proves, after "<who> may …". */
  readonly proves: string;
  readonly notFound: OktaFailureContext['notFound'];
  /** Reads made after it on the same line, possibly built from the id of the first item it listed. */
  readonly then: readonly (OktaRead | ((firstId: string | undefined) => OktaRead | undefined))[];
}

type Probe =
  | { readonly ok: true; readonly firstId: string | undefined }
  | { readonly ok: false; readonly status: number | undefined; readonly detail: string };

const listSchema = z.array(z.looseObject({ id: z.string().optional() }));

/**
 * One `GET …?limit=1` per kind of read the Okta connector makes, through the SDK as the connector builds it (its
 * auth, OAuth token requests and response classification): users (`okta.users.read`), groups
 * (`okta.groups.read`), the System Log (`okta.logs.read`, which incremental reads need) and, with `OKTA_APP_ID`,
 * the app's user and group assignments (`okta.apps.read`). With `OKTA_APP_ID` every read is full, so the System
 * Log is not needed and not checked.
 *
 * Users are asked first: when that fails for another reason than a missing permission (a rejected token, an
 * unreachable org), the other reads would fail the same way and are reported as not checked.
 */
export async function checkOkta(config: OktaConfig, options: OktaCheckOptions = {}): Promise<CheckResult[]> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  // No 429 retries: the SDK would wait out a rate-limit window, and a check should say so instead.
  const executor = options.requestExecutor ?? new DefaultRequestExecutor({ maxRetries: 0, requestTimeout: timeoutMs });
  const tokens = new OktaTokenRefusalWatch();
  executor.on('response', (response: unknown) => {
    if (isOktaFetchResponse(response)) tokens.observe(response);
  });
  const client = createSdkClient(config, executor);
  const org = config.orgUrl;
  const who =
    config.credentials.mode === 'SSWS'
      ? 'the admin who owns OKTA_CLIENT_TOKEN'
      : `the service app OKTA_CLIENT_CLIENTID=${config.credentials.clientId}`;

  const probe = async (read: OktaRead): Promise<Probe> => {
    const url = `${org}${read.path}?limit=1`;
    const context: OktaFailureContext = {
      orgUrl: org,
      credentials: config.credentials,
      appId: config.appId,
      request: `GET ${read.path}`,
      notFound: read.notFound,
    };
    try {
      // A fresh object per request: the SDK writes into it (url, auth headers).
      const init = { url, method: 'get', headers: { Accept: 'application/json' } };
      const response: unknown = await client.http.http(url, init);
      if (!isOktaFetchResponse(response)) {
        return { ok: false, status: undefined, detail: `the Okta SDK returned no HTTP response for GET ${read.path}` };
      }
      const list = listSchema.safeParse(await response.json());
      if (!list.success) {
        return {
          ok: false,
          status: response.status,
          detail: `${org} answered GET ${read.path} with something that is not an Okta list: check OKTA_CLIENT_ORGURL`,
        };
      }
      return { ok: true, firstId: list.data[0]?.id };
    } catch (error) {
      const status = statusOf(error);
      // The group whose members were asked for was deleted meanwhile: the permission is not in question.
      if (status === 404 && read.notFound === 'skip') return { ok: true, firstId: undefined };
      return { ok: false, status, detail: diagnose(error, { ...context, tokenRefusal: tokens.last }) };
    }
  };

  /** The read, then its follow-ups (each given the id of the first item the previous one listed). */
  const check = async (read: OktaRead): Promise<CheckResult> => {
    let previous: string | undefined;
    for (const step of [read, ...read.then]) {
      const each = typeof step === 'function' ? step(previous) : step;
      if (each === undefined) break;
      const outcome = await probe(each);
      if (!outcome.ok) return failed(read.name, outcome.detail);
      previous = outcome.firstId;
    }
    return passed(read.name, `${org}: ${who} may ${read.proves}`);
  };

  const [users, ...rest] = readsOf(config);
  const first = await probe(users);
  // A 403 is this read's own permission; anything else (token, org URL, network) would fail every read alike.
  if (!first.ok && first.status !== 403) {
    const skipped = rest.map((read) => failed(read.name, 'not checked: fix the okta users check first'));
    return [failed(users.name, first.detail), ...skipped];
  }
  const usersLine = first.ok
    ? passed(users.name, `${org}: ${who} may ${users.proves}`)
    : failed(users.name, first.detail);
  return [usersLine, ...(await Promise.all(rest.map(check)))];
}

/**
 * Users; groups, then the members of the first group; and the System Log, or with `OKTA_APP_ID` the app's user
 * and group assignments instead (a scoped read is always full).
 */
function readsOf(config: OktaConfig): [OktaRead, ...OktaRead[]] {
  const users: OktaRead = {
    name: 'okta users',
    path: '/api/v1/users',
    proves: 'read users (GET /api/v1/users?limit=1)',
    notFound: 'org',
    then: [],
  };
  const groups: OktaRead = {
    name: 'okta groups',
    path: '/api/v1/groups',
    proves: 'read groups and their members (GET /api/v1/groups?limit=1, then /api/v1/groups/{id}/users?limit=1)',
    notFound: 'org',
    then: [
      (groupId) =>
        groupId === undefined
          ? undefined
          : { ...groups, path: `/api/v1/groups/${encodeURIComponent(groupId)}/users`, notFound: 'skip', then: [] },
    ],
  };
  if (config.appId === undefined) {
    const log: OktaRead = {
      name: 'okta system log',
      path: '/api/v1/logs',
      proves: 'read the System Log, where incremental reads find deletions (GET /api/v1/logs?limit=1)',
      notFound: 'org',
      then: [],
    };
    return [users, groups, log];
  }
  const app = `/api/v1/apps/${encodeURIComponent(config.appId)}`;
  // The two lists a scoped read starts with; either answers 404 when OKTA_APP_ID is not an app of the org.
  const appGroups: OktaRead = { name: 'okta app', path: `${app}/groups`, proves: '', notFound: 'app', then: [] };
  const appUsers: OktaRead = {
    name: 'okta app',
    path: `${app}/users`,
    proves: `read the user and group assignments of OKTA_APP_ID=${config.appId} (GET ${app}/users and /groups)`,
    notFound: 'app',
    then: [appGroups],
  };
  return [users, groups, appUsers];
}

/** The connector's diagnosis, with the check's own words where a one-off request differs from a whole read. */
function diagnose(error: unknown, context: OktaFailureContext): string {
  const status = statusOf(error);
  if (status === 429) {
    return `${context.orgUrl} is rate-limiting ${context.request} (HTTP 429): run the check again in a minute`;
  }
  const failure = classifyOktaFailure(error, context);
  switch (failure.kind) {
    case 'fatal': {
      const { message } = failure.error;
      if (status === 401 && context.credentials.mode === 'SSWS') {
        return `${message}: create a new API token (Okta Admin Console → Security → API → Tokens) and set OKTA_CLIENT_TOKEN`;
      }
      return message;
    }
    case 'transient':
      return `${context.orgUrl} failed ${context.request} (${failure.summary}): try again later, or check OKTA_CLIENT_ORGURL`;
    case 'not_found':
      return `${context.orgUrl} answered 404 to ${context.request}: check OKTA_CLIENT_ORGURL`;
  }
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof ConnectorError || typeof error !== 'object' || error === null) return undefined;
  const status: unknown = Reflect.get(error, 'status');
  return typeof status === 'number' ? status : undefined;
}
