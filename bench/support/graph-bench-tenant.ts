import type { GraphUserSeed } from '../../test/emulators/graph/graph-directory-objects.js';
import type { GraphDirectoryStore } from '../../test/emulators/graph/graph-directory-store.js';
import { mulberry32 } from './mulberry32.js';

const FIRST = ['Ada', 'Bob', 'Chloé', 'Dmitri', 'Eve', 'Farah', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kofi', 'Lea', 'Miro'];
const LAST = ['Smith', "O'Neil", 'García', 'Nakamura', 'Okafor', 'Novák', 'Lund', 'Petrov', 'Chen', 'Dubois'];

/** The five big groups: every user, every second one, every fourth one. */
const BIG_GROUPS = [
  { name: 'All staff', every: 1, offset: 0 },
  { name: 'Contoso Europe', every: 2, offset: 0 },
  { name: 'Contoso Americas', every: 2, offset: 1 },
  { name: 'Engineering (all)', every: 4, offset: 0 },
  { name: 'Sales (all)', every: 4, offset: 1 },
];

export interface GraphBenchTenantOptions {
  readonly users: number;
  /** At least 8 (five big groups and some small ones). */
  readonly groups: number;
  /**
   * Direct group memberships per user, big groups included: each user is topped up with distinct small groups to
   * exactly this many. Default: 1–3 small groups at random besides the big ones.
   */
  readonly membershipsPerUser?: number;
}

export interface GraphBenchTenant {
  disabled: number;
  guests: number;
  noMail: number;
  /** Direct memberships, the few nested groups included. */
  memberships: number;
  bigGroups: { name: string; members: number }[];
  /** Direct member count of every group. */
  groupSizes: number[];
}

/**
 * Builds a deterministic tenant in the Graph emulator. Users: ~5% disabled, ~8% guests (`#EXT#` UPNs), ~10% without
 * `mail` (a primary SMTP: proxy address, otherMails, or nothing). Groups: five big ones (all staff, two halves, two
 * quarters) and the rest small; a few nested groups (kept as members; flattened when the policy says
 * `nestedGroups: flatten`).
 */
export function buildGraphBenchTenant(d: GraphDirectoryStore, options: GraphBenchTenantOptions): GraphBenchTenant {
  const random = mulberry32(20_000);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const shape: GraphBenchTenant = { disabled: 0, guests: 0, noMail: 0, memberships: 0, bigGroups: [], groupSizes: [] };
  const ids: string[] = [];
  for (let i = 0; i < options.users; i++) {
    const givenName = pick(FIRST);
    const surname = pick(LAST);
    const local = `${givenName}.${surname}.${String(i)}`.toLowerCase().replace(/[^a-z0-9.]/g, '');
    const guest = random() < 0.08;
    const disabled = random() < 0.05;
    const noMail = !guest && random() < 0.1;
    const seed: GraphUserSeed = {
      userPrincipalName: guest ? `${local}_fabrikam.example#EXT#@contoso.example` : `${local}@contoso.example`,
      givenName,
      surname,
      displayName: `${givenName} ${surname}`,
      accountEnabled: !disabled,
      userType: guest ? 'Guest' : 'Member',
      department: pick(['Engineering', 'Sales', 'Ops', 'Finance', null]),
    };
    let mailFields: Partial<GraphUserSeed>;
    if (guest) mailFields = { mail: `${local}@fabrikam.example` };
    else if (!noMail) mailFields = { mail: `${local}@contoso.example` };
    else if (i % 3 === 0)
      mailFields = { proxyAddresses: [`smtp:alias.${local}@contoso.example`, `SMTP:${local}@mail.contoso.example`] };
    else if (i % 3 === 1) mailFields = { otherMails: [`${local}@home.example`] };
    else mailFields = {};
    ids.push(d.createUser({ ...seed, ...mailFields }).id);
    if (guest) shape.guests++;
    if (disabled) shape.disabled++;
    if (noMail) shape.noMail++;
  }
  const sizes = new Map<string, number>();
  const seen = new Set<string>();
  // Counted while adding: the store's `members()` is O(group size).
  const addCounted = (groupId: string, memberId: string): boolean => {
    const key = `${groupId}/${memberId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    d.addMember(groupId, memberId);
    sizes.set(groupId, (sizes.get(groupId) ?? 0) + 1);
    return true;
  };
  const big = BIG_GROUPS.map((b) => ({ ...b, id: d.createGroup({ displayName: b.name }).id }));
  const small: string[] = [];
  for (let g = big.length; g < Math.max(8, options.groups); g++) {
    small.push(d.createGroup({ displayName: `Team ${String(g)}` }).id);
  }
  const perUser = options.membershipsPerUser;
  ids.forEach((id, i) => {
    let bigCount = 0;
    for (const b of big) {
      if (i % b.every === b.offset) {
        addCounted(b.id, id);
        bigCount++;
      }
    }
    if (perUser === undefined) {
      const n = 1 + Math.floor(random() * 3);
      for (let k = 0; k < n; k++) addCounted(pick(small), id);
      return;
    }
    const wanted = Math.min(Math.max(0, perUser - bigCount), small.length);
    for (let added = 0; added < wanted;) if (addCounted(pick(small), id)) added++;
  });
  for (let k = 0; k < 5 && small.length > 10; k++) {
    addCounted(small[k] as string, small[small.length - 1 - k] as string);
  }
  for (const b of big) shape.bigGroups.push({ name: b.name, members: sizes.get(b.id) ?? 0 });
  for (const g of d.groups()) {
    const n = sizes.get(g.id) ?? 0;
    shape.memberships += n;
    shape.groupSizes.push(n);
  }
  return shape;
}
