import type { HeldIdentity, OpHold, OpHoldReason } from '../planner/op-hold.js';

/** What a target knows when it is about to adopt an app account it found under the new person's login. */
export interface AdoptionCandidate {
  /** The person the create is for (`externalId` is the IdP id). */
  readonly incoming: HeldIdentity;
  /** The account the app already has under that login (`externalId` as the app holds it; null or '' when none). */
  readonly found: HeldIdentity;
  /** The IdP id dirsync links to the found account's app id, if it links one. */
  readonly linkedExternalId: string | undefined;
}

/**
 * Whether adopting a found app account would hand someone else's account to the new person (DESIGN "Semantics",
 * Adoption): dirsync knows it under another IdP id, it carries another `externalId`, or it is inactive (a
 * departed person's account). Null when it may be adopted: no `externalId` (or ours), active, and linked to
 * nobody else. Our own externalId on it means our own earlier create, never a hold, whatever else it says.
 */
export function adoptionHold(candidate: AdoptionCandidate): OpHold | null {
  const { incoming, found, linkedExternalId } = candidate;
  const ours = incoming.externalId;
  if (found.externalId === ours) return null;
  const carried = found.externalId === null || found.externalId === '' ? null : found.externalId;
  const facts: [OpHoldReason, string][] = [];
  if (linkedExternalId !== undefined && linkedExternalId !== ours) {
    facts.push(['recycled-known-as-other', `dirsync knows it as IdP ${linkedExternalId}`]);
  }
  if (carried !== null) facts.push(['recycled-other-external-id', `it carries externalId ${carried}`]);
  if (!found.active) facts.push(['recycled-inactive', 'it is inactive']);
  const [first] = facts;
  if (first === undefined) return null;
  const described = [found.displayName, found.email].filter((text) => text !== '').join(', ');
  return {
    reason: first[0],
    message:
      `login "${incoming.userName}" (IdP ${ours ?? '?'}) is taken in the app by app user ${found.appId ?? '?'} ` +
      `"${found.userName}"${described === '' ? '' : ` (${described})`}, and ${facts.map(([, text]) => text).join(', ')}: ` +
      'held as a possible recycled identity, nothing written; approving this op (dirsync approve with its key) adopts it',
    incoming,
    existing: {
      ...found,
      externalId: carried ?? (linkedExternalId !== undefined && linkedExternalId !== ours ? linkedExternalId : null),
    },
  };
}
