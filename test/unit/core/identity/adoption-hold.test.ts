import { describe, expect, it } from 'vitest';
import { adoptionHold, type AdoptionCandidate } from '../../../../src/core/identity/adoption-hold.js';
import type { HeldIdentity } from '../../../../src/core/planner/op-hold.js';

const incoming: HeldIdentity = {
  externalId: '00u2',
  appId: null,
  userName: 'alice@example.com',
  email: 'alice@example.com',
  displayName: 'Alice New',
  active: true,
};

function found(overrides: Partial<HeldIdentity> = {}): HeldIdentity {
  return {
    externalId: null,
    appId: '7f3c',
    userName: 'Alice@example.com',
    email: 'alice.old@example.com',
    displayName: 'Alice Old',
    active: true,
    ...overrides,
  };
}

function holdOf(account: HeldIdentity, linkedExternalId?: string) {
  const candidate: AdoptionCandidate = { incoming, found: account, linkedExternalId };
  return adoptionHold(candidate);
}

describe('adoptionHold', () => {
  it.each([
    ['no externalId, active, linked to nobody', found(), undefined],
    ['an empty externalId', found({ externalId: '' }), undefined],
    ['linked by dirsync to this very person', found(), '00u2'],
  ])('adopts an account with %s', (_name, account, linked) => {
    expect(holdOf(account, linked)).toBeNull();
  });

  it.each([
    ['inactive', found({ externalId: '00u2', active: false }), '00u1'],
    ['carrying nothing else', found({ externalId: '00u2' }), undefined],
  ])('never holds our own earlier create (our externalId on it), %s', (_name, account, linked) => {
    expect(holdOf(account, linked)).toBeNull();
  });

  it.each([
    ['another externalId', found({ externalId: '00u1' }), undefined, 'recycled-other-external-id'],
    ['inactive', found({ active: false }), undefined, 'recycled-inactive'],
    ['known to dirsync under another IdP id', found(), '00u1', 'recycled-known-as-other'],
    [
      'known under another id, another externalId and inactive',
      found({ externalId: 'x', active: false }),
      '00u1',
      'recycled-known-as-other',
    ],
    [
      'another externalId and inactive',
      found({ externalId: '00u1', active: false }),
      undefined,
      'recycled-other-external-id',
    ],
  ])('holds an account with %s', (_name, account, linked, reason) => {
    expect(holdOf(account, linked)?.reason).toBe(reason);
  });

  it('names both identities and every reason in one sentence', () => {
    const hold = holdOf(found({ externalId: '00u1', active: false }), '00u1');
    expect(hold).toEqual({
      reason: 'recycled-known-as-other',
      message:
        'login "alice@example.com" (IdP 00u2) is taken in the app by app user 7f3c "Alice@example.com" (Alice Old, ' +
        'alice.old@example.com), and dirsync knows it as IdP 00u1, it carries externalId 00u1, it is inactive: held ' +
        'as a possible recycled identity, nothing written; approving this op (dirsync approve with its key) adopts it',
      incoming,
      existing: found({ externalId: '00u1', active: false }),
    });
  });

  it('fills the existing IdP id from dirsync’s link when the app keeps no externalId', () => {
    expect(holdOf(found(), '00u1')?.existing.externalId).toBe('00u1');
    expect(holdOf(found({ active: false }))?.existing.externalId).toBeNull();
  });
});
