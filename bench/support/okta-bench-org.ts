import type { OktaStore } from '../../test/emulators/okta/okta-store.js';
import type { OktaUserStatus } from '../../test/emulators/okta/okta-records.js';
import { mulberry32 } from './mulberry32.js';

/** Roughly what a mid-size org looks like: mostly active, a tail of every other lifecycle state. */
export const OKTA_STATUS_MIX: readonly (readonly [OktaUserStatus, number])[] = [
  ['ACTIVE', 0.8],
  ['PASSWORD_EXPIRED', 0.04],
  ['LOCKED_OUT', 0.01],
  ['RECOVERY', 0.01],
  ['PROVISIONED', 0.03],
  ['STAGED', 0.03],
  ['SUSPENDED', 0.02],
  ['DEPROVISIONED', 0.06],
];

const FIRST = ['Ada', 'Zoë', 'José', 'Søren', 'Łukasz', 'Ørjan', 'Ñuño', 'Çağla', 'Åsa', 'Dmitrij', 'Дмитрий'];
const FIRST_MORE = ['Άννα', 'محمد', 'יעל', '太郎', '민준', 'Nguyễn', 'Chloé', 'Siobhán', 'Bjørn', 'Renée', 'Li'];
const LAST = ['Lovelace', 'Müller', "O'Brien", 'García-Márquez', 'Þórsson', 'Dvořák', 'Ødegård', 'Smith'];
const LAST_MORE = ['佐藤', '김', 'Иванова', 'Παπαδόπουλος', 'al-Farsi', 'Kowalczyk', 'Lê', 'van der Berg', 'Nowak'];
const FIRST_NAMES = [...FIRST, ...FIRST_MORE];
const LAST_NAMES = [...LAST, ...LAST_MORE];
const DEPARTMENTS = ['Engineering', 'Support', 'Sales', 'Marketing', 'Finance', 'Légal', 'Opérations', 'Ventes'];

export interface OktaBenchOrgOptions {
  readonly users: number;
  readonly groups: number;
  /** How many distinct groups (besides Everyone) a user is in; default 1–3 at random. Capped at `groups`. */
  readonly groupsPerUser?: (random: () => number) => number;
  /** Default 20 000 (the seed every Okta bench has used, so figures stay comparable). */
  readonly seed?: number;
}

/** What was built, for the bench's report and the request formula. */
export interface OktaBenchOrg {
  readonly statusCounts: ReadonlyMap<OktaUserStatus, number>;
  /** Direct memberships of the groups built (Everyone's implicit ones not counted). */
  readonly memberships: number;
  /** Member count of every group built (Everyone not included). */
  readonly groupSizes: readonly number[];
}

/**
 * Builds a deterministic org in the Okta emulator's store: users with the status mix above and unicode names
 * (one in ten with an e-mail that differs from the login), groups named per department, and memberships skewed
 * so a few groups are big (several member pages) and most are small.
 */
export function buildOktaBenchOrg(store: OktaStore, options: OktaBenchOrgOptions): OktaBenchOrg {
  const random = mulberry32(options.seed ?? 20_000);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const groupsPerUser = options.groupsPerUser ?? ((r: () => number) => 1 + Math.floor(r() * 3));
  const groups = Array.from({ length: options.groups }, (_, i) =>
    store.createGroup({ name: `${DEPARTMENTS[i % DEPARTMENTS.length] ?? 'Team'} ${String(i + 1)} – Équipe` }),
  );
  const statusCounts = new Map<OktaUserStatus, number>();
  let memberships = 0;
  for (let i = 0; i < options.users; i++) {
    const firstName = pick(FIRST_NAMES);
    const lastName = pick(LAST_NAMES);
    const status = statusOf(random());
    statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
    const login = `user${String(i).padStart(6, '0')}@acme.example`;
    const email = i % 10 === 0 ? `u${String(i)}@mail.acme.example` : login;
    const user = store.createUser({ profile: { login, email, firstName, lastName }, status });
    const wanted = Math.min(groupsPerUser(random), options.groups);
    const mine = new Set<number>();
    while (mine.size < wanted) mine.add(Math.floor(options.groups * random() ** 2));
    for (const index of mine) {
      const group = groups[index];
      if (group !== undefined) store.addMember(group.id, user.id);
    }
    memberships += mine.size;
  }
  return { statusCounts, memberships, groupSizes: groups.map((g) => g.members.size) };
}

function statusOf(r: number): OktaUserStatus {
  let sum = 0;
  for (const [status, share] of OKTA_STATUS_MIX) {
    sum += share;
    if (r < sum) return status;
  }
  return 'ACTIVE';
}
