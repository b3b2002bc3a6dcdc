import { Agent } from 'node:https';
import { performance } from 'node:perf_hooks';
import { plainRequest } from './plain-request.js';

export interface OktaReadFloor {
  readonly ms: number;
  readonly requests: number;
  readonly bytes: number;
  /** Per family of request (users, users (search), groups, group members, …). */
  readonly byFamily: ReadonlyMap<string, { readonly n: number; readonly ms: number; readonly bytes: number }>;
}

/**
 * The read floor of an Okta sync: the very requests it made (paths and queries from the emulator's log, in order)
 * one at a time with plain node:https (keep-alive, as the SDK's fetch has on Node 20), each body read to its end
 * and thrown away.
 */
export async function measureOktaReadFloor(
  org: { readonly orgUrl: string; readonly caPem: string; readonly apiToken: string },
  paths: readonly string[],
): Promise<OktaReadFloor> {
  const agent = new Agent({ ca: org.caPem, keepAlive: true, maxSockets: 1 });
  const headers = { authorization: `SSWS ${org.apiToken}`, accept: 'application/json' };
  const byFamily = new Map<string, { n: number; ms: number; bytes: number }>();
  let bytes = 0;
  const start = performance.now();
  try {
    for (const path of paths) {
      const t = performance.now();
      const answer = await plainRequest(agent, `${org.orgUrl}${path}`, { headers, keepBody: false });
      if (answer.status !== 200) throw new Error(`Okta read floor: ${path} answered ${String(answer.status)}`);
      const family = oktaRequestFamily(path);
      const f = byFamily.get(family) ?? { n: 0, ms: 0, bytes: 0 };
      byFamily.set(family, { n: f.n + 1, ms: f.ms + performance.now() - t, bytes: f.bytes + answer.bytes });
      bytes += answer.bytes;
    }
  } finally {
    agent.destroy();
  }
  return { ms: performance.now() - start, requests: paths.length, bytes, byFamily };
}

/** `users`, `users (search)`, `groups`, `group members`, or the path itself. */
export function oktaRequestFamily(path: string): string {
  const pathname = path.split('?')[0] ?? path;
  if (/^\/api\/v1\/groups\/[^/]+\/users$/.test(pathname)) return 'group members';
  if (pathname === '/api/v1/users') return path.includes('search=') ? 'users (search)' : 'users';
  if (pathname === '/api/v1/groups') return 'groups';
  return pathname;
}
