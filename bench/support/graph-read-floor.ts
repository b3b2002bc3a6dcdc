import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { GraphLoggedRequest } from '../../test/emulators/graph/graph-request-log.js';
import { plainRequest } from './plain-request.js';

/** Graph's largest page of directory objects, as dirsync asks for it. */
const MAX_PAGE_SIZE = 999;

export interface GraphTenantAccess {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authorityHost: string;
  readonly graphBaseUrl: string;
  readonly caPath: string;
}

export interface GraphReadFloor {
  readonly ms: number;
  readonly pages: number;
  readonly bytes: number;
  /** How the pages were fetched (replayed, or followed from each round's first URL). */
  readonly mode: string;
  readonly pagesBy: Readonly<Record<'users' | 'groups', number>>;
}

export const isGraphDeltaPage = (r: GraphLoggedRequest): boolean =>
  r.service === 'graph' && /\/(users|groups)\/delta\b/.test(r.url);
const isRoundStart = (r: GraphLoggedRequest) => !/[?&]\$skiptoken=/.test(r.url);
export const graphDeltaResource = (url: string): 'users' | 'groups' =>
  /\/groups\/delta/.test(url) ? 'groups' : 'users';

/**
 * The read floor of a Graph sync: its delta pages fetched sequentially with plain node:https in this process (one
 * token fetched beforehand, not timed), each body parsed as JSON. The exact URLs are replayed in order; the emulator
 * forgets a round once its last page is served, so a replayed skip token may answer 410 Gone: then each round is
 * followed by `@odata.nextLink` from its first URL instead (the same pages).
 */
export async function measureGraphReadFloor(
  access: GraphTenantAccess,
  requests: readonly GraphLoggedRequest[],
): Promise<GraphReadFloor> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(access.caPath, 'utf8') });
  try {
    const token = await fetchToken(agent, access);
    const headers = { authorization: `Bearer ${token}`, prefer: `odata.maxpagesize=${String(MAX_PAGE_SIZE)}` };
    const origin = new URL(access.graphBaseUrl).origin;
    const absolute = (url: string) => (url.startsWith('https://') ? url : `${origin}${url}`);
    const pages = requests.filter(isGraphDeltaPage);

    const pagesBy = { users: 0, groups: 0 };
    let bytes = 0;
    let start = performance.now();
    let replayed = true;
    for (const page of pages) {
      const answer = await plainRequest(agent, absolute(page.url), { headers });
      if (answer.status !== 200) {
        replayed = false;
        break;
      }
      JSON.parse(answer.body);
      pagesBy[graphDeltaResource(page.url)]++;
      bytes += answer.bytes;
    }
    if (replayed) {
      const ms = performance.now() - start;
      return { ms, pages: pagesBy.users + pagesBy.groups, bytes, mode: 'replayed the exact URLs', pagesBy };
    }
    pagesBy.users = 0;
    pagesBy.groups = 0;
    bytes = 0;
    start = performance.now();
    for (const first of pages.filter(isRoundStart)) {
      let url: string | undefined = absolute(first.url);
      while (url !== undefined) {
        const answer = await plainRequest(agent, url, { headers });
        if (answer.status !== 200) throw new Error(`Graph read floor: ${url} answered ${String(answer.status)}`);
        const body = JSON.parse(answer.body) as { '@odata.nextLink'?: string };
        pagesBy[graphDeltaResource(url)]++;
        bytes += answer.bytes;
        url = body['@odata.nextLink'];
      }
    }
    const ms = performance.now() - start;
    const mode = "followed @odata.nextLink from each round's first URL (a replayed skip token was gone)";
    return { ms, pages: pagesBy.users + pagesBy.groups, bytes, mode, pagesBy };
  } finally {
    agent.destroy();
  }
}

async function fetchToken(agent: Agent, access: GraphTenantAccess): Promise<string> {
  const answer = await plainRequest(agent, `${access.authorityHost}/${access.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: access.clientId,
      client_secret: access.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    }).toString(),
  });
  // The body of a refusal names the problem and never echoes the secret.
  if (answer.status !== 200) throw new Error(`token endpoint answered ${String(answer.status)}: ${answer.body}`);
  return (JSON.parse(answer.body) as { access_token: string }).access_token;
}
