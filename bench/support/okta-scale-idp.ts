import { OktaOrgEmulator } from '../../test/emulators/okta/okta-org-emulator.js';
import { buildOktaBenchOrg, OKTA_STATUS_MIX } from './okta-bench-org.js';
import { measureOktaReadFloor, oktaRequestFamily } from './okta-read-floor.js';
import type { IdpRequestMinimum, IdpRequests, ScaleIdp, ScaleOrgSize } from './scale-idp.js';

// Okta's documented page maxima: List Users 200 (a search too), List Groups 10 000, List Group Members 1 000.
const USERS_PAGE = 200;
const GROUPS_PAGE = 10_000;
const MEMBERS_PAGE = 1_000;

/** The Okta emulator with the bench org: every user in `membershipsPerUser` groups besides Everyone. */
export async function startOktaScaleIdp(size: ScaleOrgSize): Promise<ScaleIdp> {
  // The emulator's clock runs ten minutes behind, so the org's history is older than the no-op read's one-minute
  // overlap (which re-reads everything changed in the last minute, by design): the second sync really is a no-op.
  const okta = new OktaOrgEmulator({
    apiToken: 'bench-okta-token',
    clock: { now: () => new Date(Date.now() - 10 * 60_000) },
    rateLimit: { limit: 1_000_000_000 },
  });
  const buildStart = performance.now();
  const org = buildOktaBenchOrg(okta.store, { ...size, groupsPerUser: () => size.membershipsPerUser });
  const buildMs = performance.now() - buildStart;
  const { orgUrl, caPath, caPem } = await okta.start();
  const deprovisioned = org.statusCounts.get('DEPROVISIONED') ?? 0;
  const statuses = OKTA_STATUS_MIX.map(([s]) => `${s} ${String(org.statusCounts.get(s) ?? 0)}`).join(', ');
  return {
    name: 'Okta',
    orgLines: [
      `users ${String(size.users)} (${statuses})`,
      `groups ${String(size.groups)} + Everyone; memberships ${String(org.memberships)} (+ ${String(size.users)} in Everyone); ` +
        `largest group ${String(Math.max(0, ...org.groupSizes))}; built in ${(buildMs / 1000).toFixed(1)} s`,
    ],
    env: { OKTA_CLIENT_ORGURL: orgUrl, OKTA_CLIENT_TOKEN: okta.apiToken, NODE_EXTRA_CA_CERTS: caPath },
    minimum: oktaMinimum(size.users, deprovisioned, [...org.groupSizes, size.users]),
    // Users changed since the cursor, groups changed since, and the System Log for deletions: one page each.
    noopMinimum: { requests: 3, formula: 'users search 1 + groups filter 1 + System Log 1' },
    requestCount: () => okta.requests.entries.length,
    takeRequests: (): IdpRequests => {
      const entries = [...okta.requests.entries];
      okta.requests.clear();
      const paths = entries.map((e) => e.path);
      const families = new Map<string, number>();
      for (const path of paths) families.set(oktaRequestFamily(path), (families.get(oktaRequestFamily(path)) ?? 0) + 1);
      return {
        count: entries.length,
        failed: entries.filter((e) => e.status !== 200).length,
        breakdown: [...families].map(([family, n]) => `${family} ${String(n)}`).join(', '),
        readFloor: async () => {
          const floor = await measureOktaReadFloor({ orgUrl, caPem, apiToken: okta.apiToken }, paths);
          // The floor's own requests are no part of the next run's count.
          okta.requests.clear();
          const note = `${(floor.bytes / 1e6).toFixed(0)} MB; ${[...floor.byFamily].map(([f, v]) => `${f} ${(v.ms / 1000).toFixed(1)} s`).join(', ')}`;
          return { ms: floor.ms, requests: floor.requests, note };
        },
      };
    },
    stop: () => okta.stop(),
  };
}

/**
 * A full read at the documented page maxima: the users list (which hides DEPROVISIONED users), a search for the
 * DEPROVISIONED ones, the groups list, and every group's members (Everyone included), at least one page each.
 */
function oktaMinimum(users: number, deprovisioned: number, groupSizes: readonly number[]): IdpRequestMinimum {
  const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));
  const listed = pages(users - deprovisioned, USERS_PAGE);
  const searched = pages(deprovisioned, USERS_PAGE);
  const groups = pages(groupSizes.length, GROUPS_PAGE);
  const members = groupSizes.reduce((sum, n) => sum + pages(n, MEMBERS_PAGE), 0);
  return {
    requests: listed + searched + groups + members,
    formula:
      `users ⌈${String(users - deprovisioned)}/${String(USERS_PAGE)}⌉=${String(listed)} + deprovisioned search ⌈${String(deprovisioned)}/${String(USERS_PAGE)}⌉=${String(searched)}` +
      ` + groups ⌈${String(groupSizes.length)}/${String(GROUPS_PAGE)}⌉=${String(groups)} + members Σ⌈m/${String(MEMBERS_PAGE)}⌉=${String(members)}`,
  };
}
