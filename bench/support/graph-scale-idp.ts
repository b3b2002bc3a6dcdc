import { GraphEmulator } from '../../test/emulators/graph/graph-emulator.js';
import type { GraphLoggedRequest } from '../../test/emulators/graph/graph-request-log.js';
import { buildGraphBenchTenant } from './graph-bench-tenant.js';
import { graphDeltaResource, isGraphDeltaPage, measureGraphReadFloor } from './graph-read-floor.js';
import type { IdpRequestMinimum, IdpRequests, ScaleIdp, ScaleOrgSize } from './scale-idp.js';
import { startGraphForDirsync } from '../../test/emulators/graph/graph-dirsync-env.js';

const TENANT = '6f0c4a3e-0000-4000-8000-00000000be01';
const CLIENT = '0b8f7d2c-0000-4000-8000-00000000be02';
const SECRET = 'bench-graph-secret';
/** Graph's largest page of directory objects (`Prefer: odata.maxpagesize`). */
const PAGE = 999;
/** Members in one group object's `members@delta` before Graph repeats the group in another object (the emulator's). */
const MEMBERS_PER_OBJECT = 100;

/** The Graph emulator with the bench tenant: every user in `membershipsPerUser` groups, big ones included. */
export async function startGraphScaleIdp(size: ScaleOrgSize): Promise<ScaleIdp> {
  const emulator = new GraphEmulator({ membersPerDeltaObject: MEMBERS_PER_OBJECT });
  const { endpoints, env: graphEnv } = await startGraphForDirsync(emulator, {
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SECRET,
  });
  const buildStart = performance.now();
  const tenant = buildGraphBenchTenant(emulator.directory, {
    users: size.users,
    groups: size.groups,
    membershipsPerUser: size.membershipsPerUser,
  });
  const buildMs = performance.now() - buildStart;
  const access = { tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, ...endpoints };
  return {
    name: 'Graph',
    orgLines: [
      `users ${String(size.users)} (${String(tenant.disabled)} disabled, ${String(tenant.guests)} guests, ${String(tenant.noMail)} members without mail)`,
      `groups ${String(tenant.groupSizes.length)}; memberships ${String(tenant.memberships)}; big: ` +
        `${tenant.bigGroups.map((b) => `${b.name} ${String(b.members)}`).join(', ')}; built in ${(buildMs / 1000).toFixed(1)} s`,
    ],
    env: {
      ...graphEnv,
    },
    minimum: graphMinimum(size.users, tenant.groupSizes),
    // A new process needs a token; each delta link then answers one page with nothing in it.
    noopMinimum: { requests: 3, formula: 'token 1 + users/delta 1 + groups/delta 1' },
    requestCount: () => emulator.requests().length,
    takeRequests: (): IdpRequests => {
      const requests = emulator.requests();
      emulator.clearRequests();
      return {
        count: requests.length,
        failed: requests.filter((r) => r.status !== 200).length,
        breakdown: breakdown(requests),
        readFloor: async () => {
          const floor = await measureGraphReadFloor(access, requests);
          emulator.clearRequests();
          const note = `${(floor.bytes / 1e6).toFixed(0)} MB; users ${String(floor.pagesBy.users)}, groups ${String(floor.pagesBy.groups)} pages; ${floor.mode}`;
          return { ms: floor.ms, requests: floor.pages, note };
        },
      };
    },
    stop: () => emulator.stop(),
  };
}

function breakdown(requests: readonly GraphLoggedRequest[]): string {
  const delta = requests.filter(isGraphDeltaPage);
  const users = delta.filter((r) => graphDeltaResource(r.url) === 'users').length;
  const token = requests.filter((r) => r.service === 'token').length;
  const other = requests.length - delta.length - token;
  return `token ${String(token)}, users/delta ${String(users)}, groups/delta ${String(delta.length - users)}, other ${String(other)}`;
}

/**
 * A full delta round of both resources at the largest page: one token, the users' pages, and the groups' pages,
 * where a group with m members takes ⌈m/100⌉ objects (its members@delta split over repeated objects).
 */
function graphMinimum(users: number, groupSizes: readonly number[]): IdpRequestMinimum {
  const objects = groupSizes.reduce((sum, m) => sum + Math.max(1, Math.ceil(m / MEMBERS_PER_OBJECT)), 0);
  const userPages = Math.max(1, Math.ceil(users / PAGE));
  const groupPages = Math.max(1, Math.ceil(objects / PAGE));
  return {
    requests: 1 + userPages + groupPages,
    formula:
      `token 1 + users/delta ⌈${String(users)}/${String(PAGE)}⌉=${String(userPages)}` +
      ` + groups/delta ⌈${String(objects)} objects/${String(PAGE)}⌉=${String(groupPages)} (objects = Σ⌈m/${String(MEMBERS_PER_OBJECT)}⌉)`,
  };
}
