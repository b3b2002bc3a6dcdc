import { comparisonKeys, sameIgnoringCase } from '../identity/comparison-keys.js';
import type { AppState, AppUser } from '../model/app-state.js';
import type { DesiredState } from '../model/desired-state.js';
import type { Op } from './op.js';
import type { HeldIdentity, OpHold } from './op-hold.js';

type CreateOp = Extract<Op, { kind: 'user.create' }>;

/** Which attribute of a person a value is. */
type Field = 'login' | 'e-mail';

/** A login or e-mail someone already has (an app user dirsync knows) or gets in this plan (an earlier create). */
interface Claim {
  readonly field: Field;
  readonly value: string;
  readonly owner: HeldIdentity;
  /** Where the owner comes from: the app (as dirsync knows it), or another create of this plan. */
  readonly source: 'app' | 'plan';
}

interface Match {
  readonly field: Field;
  readonly value: string;
  readonly claim: Claim;
}

/**
 * The creates that must wait for a person (DESIGN "Semantics", Adoption): a new person whose login or e-mail is,
 * ignoring case and Unicode confusables (UTS #39 skeletons, see `comparisonKeys`), the login or e-mail of an app
 * user dirsync knows under another IdP id — a departed person's login given to a new hire, or a look-alike made
 * to pass for someone — and the later of two creates of this plan whose logins look alike. Logins and e-mails are
 * compared both ways (a login is often an e-mail address). An app user's planned new login or e-mail (a
 * `user.update` or `user.reactivate` of this plan) counts as well as its current one.
 *
 * Returns the holds by op key; creates not in the map go ahead. Pure. It knows nothing of approvals: the caller
 * leaves out the ops an operator approved (`dirsync approve <op-key>`).
 */
export function identityHolds(ops: readonly Op[], desired: DesiredState, app: AppState): Map<string, OpHold> {
  const claims = new Map<string, Claim[]>();
  for (const user of app.users.values()) {
    const owner = knownIdentity(user);
    claim(claims, { field: 'login', value: user.userName, owner, source: 'app' });
    claim(claims, { field: 'e-mail', value: user.email, owner, source: 'app' });
  }
  for (const op of ops) {
    if (op.kind !== 'user.update' && op.kind !== 'user.reactivate') continue;
    const user = app.users.get(op.externalId);
    if (user === undefined) continue;
    const owner = knownIdentity(user);
    if (op.changes.userName !== undefined) {
      claim(claims, { field: 'login', value: op.changes.userName, owner, source: 'app' });
    }
    if (op.changes.email !== undefined)
      claim(claims, { field: 'e-mail', value: op.changes.email, owner, source: 'app' });
  }

  const holds = new Map<string, OpHold>();
  // Logins of this plan's creates, in op order: the first one of a look-alike pair goes ahead, the later ones wait.
  const planned = new Map<string, Claim[]>();
  for (const op of ops) {
    if (op.kind !== 'user.create') continue;
    const incoming = incomingIdentity(op, desired);
    const match = bestMatch([
      ...matches(claims, 'login', incoming),
      ...matches(claims, 'e-mail', incoming),
      ...matches(planned, 'login', incoming),
    ]);
    if (match !== undefined) holds.set(op.key, holdOf(op.key, incoming, match));
    claim(planned, { field: 'login', value: incoming.userName, owner: incoming, source: 'plan' });
  }
  return holds;
}

function claim(claims: Map<string, Claim[]>, entry: Claim): void {
  for (const key of comparisonKeys(entry.value)) {
    const list = claims.get(key);
    if (list === undefined) claims.set(key, [entry]);
    else list.push(entry);
  }
}

/** The claims of other people that one of the incoming person's values looks like. */
function matches(claims: ReadonlyMap<string, readonly Claim[]>, field: Field, incoming: HeldIdentity): Match[] {
  const value = field === 'login' ? incoming.userName : incoming.email;
  const found: Match[] = [];
  for (const key of comparisonKeys(value)) {
    for (const entry of claims.get(key) ?? []) {
      // A person's own account (or own planned login) is never someone else's.
      if (entry.owner.externalId !== incoming.externalId) found.push({ field, value, claim: entry });
    }
  }
  return found;
}

/**
 * The match the operator reads first, the same on every run: the app's same login (the app itself would answer
 * 409 and offer that account), then app accounts before other creates, logins before e-mails, then by IdP id.
 */
function bestMatch(found: readonly Match[]): Match | undefined {
  const rank = (match: Match): readonly (number | string)[] => [
    isSameLogin(match) ? 0 : 1,
    match.claim.source === 'app' ? 0 : 1,
    match.field === 'login' ? 0 : 1,
    match.claim.field === 'login' ? 0 : 1,
    match.claim.owner.externalId ?? '',
  ];
  return [...found].sort((a, b) => compareRanks(rank(a), rank(b)))[0];
}

function compareRanks(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let index = 0; index < a.length; index++) {
    const x = a[index] ?? '';
    const y = b[index] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The new person's login is, ignoring case, the login of an app account dirsync knows as someone else's. */
function isSameLogin(match: Match): boolean {
  return (
    match.claim.source === 'app' &&
    match.field === 'login' &&
    match.claim.field === 'login' &&
    sameIgnoringCase(match.value, match.claim.value)
  );
}

function holdOf(opKey: string, incoming: HeldIdentity, match: Match): OpHold {
  const existing = match.claim.owner;
  const same = sameIgnoringCase(match.value, match.claim.value);
  const sameField = match.claim.field === match.field;
  const verb = !same ? 'looks like' : sameField ? `is the same ${match.field} as` : 'is the same as';
  const theirs = sameField ? '' : `the ${match.claim.field} `;
  const where =
    match.claim.source === 'app'
      ? `app user ${existing.appId ?? '?'}${match.claim.field === 'login' ? '' : `, login ${existing.userName}`}, IdP ${existing.externalId ?? '?'}, ${existing.active ? 'active' : 'inactive'}`
      : `IdP ${existing.externalId ?? '?'}${match.claim.field === 'login' ? '' : `, login ${existing.userName}`}, also created by this plan`;
  return {
    reason: isSameLogin(match) ? 'recycled-known-as-other' : 'confusable',
    message:
      `${match.field} "${match.value}" (IdP ${incoming.externalId ?? '?'}) ${verb} ${theirs}"${match.claim.value}" ` +
      `(${where}): held as a possible recycled or spoofed identity; approve with dirsync approve ${opKey}`,
    incoming,
    existing,
  };
}

function knownIdentity(user: AppUser): HeldIdentity {
  return {
    externalId: user.externalId,
    appId: user.appId,
    userName: user.userName,
    email: user.email,
    displayName: user.displayName,
    active: user.active,
  };
}

function incomingIdentity(op: CreateOp, desired: DesiredState): HeldIdentity {
  return {
    externalId: op.externalId,
    appId: null,
    userName: op.attributes.userName,
    email: op.attributes.email,
    displayName: op.attributes.displayName,
    // A create is for a person active in the IdP; the desired state says so unless it changed under the plan.
    active: desired.users.get(op.externalId)?.active ?? true,
  };
}
