import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphSelection } from '../../connectors/graph/graph-selection.js';
import { GraphConnectorHarness, changesOf, ofType } from './graph-connector-support/graph-connector-harness.js';

// The Graph properties (and directory extension attributes) the policy's rules and mappings read, through the real
// GraphConnector against the HTTPS emulator.

const COST_CENTER = 'extension_0a1b2c3d4e5f40718293a4b5c6d7e8f9_costCenter';

let h: GraphConnectorHarness;
let adaId = '';
let patId = '';
let groupId = '';
let cursor = '';

beforeAll(async () => {
  h = await GraphConnectorHarness.start();
  const d = h.emulator.directory;
  adaId = d.createUser({
    userPrincipalName: 'ada@contoso.onmicrosoft.com',
    department: 'Research',
    jobTitle: 'Analyst',
    employeeId: 'E-1815',
    country: 'GB',
    businessPhones: ['+44 20 7946 0000'],
    onPremisesSamAccountName: 'ada',
    [COST_CENTER]: 'CC-42',
  }).id;
  patId = d.createUser({ userPrincipalName: 'pat_fabrikam.com#EXT#@contoso.onmicrosoft.com', userType: 'Guest' }).id;
  groupId = d.createGroup({
    displayName: 'Research',
    description: 'Research and development',
    groupTypes: ['Unified'],
    mail: 'research@contoso.com',
  }).id;
  d.addMember(groupId, adaId);
});

afterAll(async () => {
  await h.stop();
});

function userAttributes(answer: Awaited<ReturnType<GraphConnectorHarness['read']>>, id: string) {
  return ofType(changesOf(answer), 'user').find((change) => change.user.id === id)?.user.attributes;
}

describe('GraphConnector attributes for the policy (real SDK, HTTPS emulator)', () => {
  it('gives every user its selected Graph properties, an extension only where set, and every group its properties', async () => {
    h.emulator.clearRequests();
    const answer = await h.read({ extraUserProperties: [COST_CENTER] });
    expect(answer.error).toBeUndefined();
    expect(answer.result?.full).toBe(true);
    expect(userAttributes(answer, adaId)).toMatchObject({
      userPrincipalName: 'ada@contoso.onmicrosoft.com',
      userType: 'Member',
      department: 'Research',
      jobTitle: 'Analyst',
      employeeId: 'E-1815',
      country: 'GB',
      city: null,
      businessPhones: ['+44 20 7946 0000'],
      onPremisesSamAccountName: 'ada',
      [COST_CENTER]: 'CC-42',
    });
    const pat = userAttributes(answer, patId);
    expect(pat).toMatchObject({ userType: 'Guest', department: null });
    // Graph leaves out an extension the user has no value for: the user is whole all the same (no GET /users/{id}).
    expect(Object.hasOwn(pat ?? {}, COST_CENTER)).toBe(false);
    expect(h.graphPaths().filter((path) => /\/users\/[^d]/.test(path))).toEqual([]);
    expect(ofType(changesOf(answer), 'group')[0]?.group.attributes).toEqual({
      displayName: 'Research',
      description: 'Research and development',
      mail: 'research@contoso.com',
      mailEnabled: true,
      securityEnabled: false,
      groupTypes: ['Unified'],
    });
    expect(h.emulator.requests({ service: 'graph' })[0]?.url).toBe(
      `/v1.0/users/delta?$select=${graphSelection().user.join(',')},${COST_CENTER}`,
    );
    cursor = answer.result!.cursor!;
  });

  it('follows attribute changes in a later round, fetching a changed user whose entry leaves out the extension', async () => {
    const d = h.emulator.directory;
    d.updateUser(adaId, { [COST_CENTER]: 'CC-7', department: 'Platform' });
    d.updateUser(patId, { jobTitle: 'Consultant' });
    d.updateGroup(groupId, { description: 'R&D' });
    h.emulator.clearRequests();
    const answer = await h.read({ cursor, extraUserProperties: [COST_CENTER] });
    expect(answer.error).toBeUndefined();
    expect(answer.result?.full).toBe(false);
    expect(userAttributes(answer, adaId)).toMatchObject({ department: 'Platform', [COST_CENTER]: 'CC-7' });
    expect(userAttributes(answer, patId)).toMatchObject({ jobTitle: 'Consultant', userType: 'Guest' });
    // Pat has no cost centre: in a later round that may be an unchanged value left out, so pat is read whole.
    expect(h.graphPaths()).toEqual(['200 /v1.0/users/delta', `200 /v1.0/users/${patId}`, '200 /v1.0/groups/delta']);
    expect(ofType(changesOf(answer), 'group')[0]?.group.attributes?.['description']).toBe('R&D');
    cursor = answer.result!.cursor!;

    d.updateUser(adaId, { [COST_CENTER]: null });
    const cleared = await h.read({ cursor, extraUserProperties: [COST_CENTER] });
    expect(Object.hasOwn(userAttributes(cleared, adaId) ?? {}, COST_CENTER)).toBe(false);
    cursor = cleared.result!.cursor!;
  });

  it('reads in full when the extra user properties change, and from a cursor written before attributes were selected', async () => {
    h.emulator.clearRequests();
    const without = await h.read({ cursor });
    expect(without.result?.full).toBe(true);
    expect(h.emulator.requests({ service: 'graph' })[0]?.url).toBe(
      `/v1.0/users/delta?$select=${graphSelection().user.join(',')}`,
    );
    const stored = JSON.parse(without.result!.cursor!) as Record<string, string>;
    expect(stored['select']).toBe(graphSelection().fingerprint);
    expect((await h.read({ cursor: without.result!.cursor! })).result?.full).toBe(false);

    const { select: _select, ...legacy } = stored;
    expect((await h.read({ cursor: JSON.stringify(legacy) })).result?.full).toBe(true);
  });

  it('refuses extra user properties that are no Graph property names before any request, naming them', async () => {
    h.emulator.clearRequests();
    const answer = await h.read({ extraUserProperties: ['cost center'] });
    expect(answer.error?.kind).toBe('config');
    expect(answer.error?.message).toContain('"cost center" is not a property name');
    expect(h.emulator.countRequests()).toBe(0);
  });
});
