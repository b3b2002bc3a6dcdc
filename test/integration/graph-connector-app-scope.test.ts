import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT,
  GraphConnectorHarness,
  SECRET,
  TENANT,
  changesOf,
  ofType,
  replacedMembers,
} from './graph-connector-support/graph-connector-harness.js';

// GRAPH_SERVICE_PRINCIPAL_ID scopes the read to the users and groups assigned to one enterprise application
// (DESIGN "Policy → Users in scope"), read by the real GraphConnector against the HTTPS emulator.

const NO_APPLICATION_READ_CLIENT = '3c2b1a09-8f7e-4d6c-9b5a-493827160504';
const UNKNOWN_SP = '0f0e0d0c-0b0a-4909-8807-060504030201';
const DIRECT_USERS = 20;

let h: GraphConnectorHarness;
let spId = '';
const direct: string[] = [];
let bob = '';
let cat = '';
let dan = '';
let eve = '';
let salesId = '';
let emeaId = '';
let otherId = '';

function scopedEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return h.env({ GRAPH_SERVICE_PRINCIPAL_ID: spId, ...overrides });
}

beforeAll(async () => {
  h = await GraphConnectorHarness.start({}, ['User.Read.All', 'GroupMember.Read.All', 'Application.Read.All']);
  h.emulator.registerApp({
    tenantId: TENANT,
    clientId: NO_APPLICATION_READ_CLIENT,
    clientSecret: SECRET,
    roles: ['User.Read.All', 'GroupMember.Read.All'],
  });
  const d = h.emulator.directory;
  const person = (name: string) =>
    d.createUser({ userPrincipalName: `${name}@contoso.onmicrosoft.com`, givenName: name, department: 'Sales' }).id;
  for (let i = 1; i <= DIRECT_USERS; i += 1) direct.push(person(`direct${String(i).padStart(2, '0')}`));
  bob = person('bob');
  cat = person('cat');
  dan = person('dan');
  eve = person('eve');
  salesId = d.createGroup({ displayName: 'Sales' }).id;
  emeaId = d.createGroup({ displayName: 'Sales EMEA' }).id;
  otherId = d.createGroup({ displayName: 'Other' }).id;
  d.addMember(salesId, bob);
  d.addMember(salesId, dan);
  d.addMember(salesId, emeaId);
  d.addMember(emeaId, cat);
  d.addMember(otherId, eve);
  const sps = h.emulator.servicePrincipals;
  spId = sps.create({ displayName: 'Dovetail' }).id;
  const client = sps.create({ displayName: 'Dovetail automation' });
  for (const id of direct) sps.assign(spId, id);
  sps.assign(spId, dan);
  sps.assign(spId, dan, '5a6b7c8d-0000-4000-8000-00000000000a');
  sps.assign(spId, salesId);
  sps.assign(spId, client.id);
});

afterAll(async () => {
  await h.stop();
});

describe('GraphConnector scoped to an enterprise application (real SDK, HTTPS emulator)', () => {
  it('reads the assigned users, and the assigned groups with their direct members; a nested group is a member id only', async () => {
    h.emulator.clearRequests();
    const answer = await h.read({ env: scopedEnv(), maxPageSize: 4 });
    expect(answer.error).toBeUndefined();
    expect(answer.result).toEqual({ full: true, cursor: JSON.stringify({ appScoped: spId }) });
    expect(answer.source).toContain(`enterprise app ${spId}`);
    const all = changesOf(answer);
    // Direct assignments and the user members of Sales (Graph answers a filtered list in its own order); dan (assigned
    // twice, and a member) once; not cat (a member of the nested group only, which Entra does not count as assigned)
    // nor eve.
    const users = ofType(all, 'user').map((change) => change.user.id);
    expect(users).toHaveLength(DIRECT_USERS + 2);
    expect([...users].sort()).toEqual([...direct, dan, bob].sort());
    expect(ofType(all, 'user')[0]?.user.attributes?.['department']).toBe('Sales');
    expect(ofType(all, 'group').map((change) => change.group.displayName)).toEqual(['Sales']);
    expect(replacedMembers(all, salesId)).toEqual([bob, dan, emeaId]);
    // Users, then nested groups: two lists the consumer concatenates; no other group's members.
    expect(ofType(all, 'members.replace').map((change) => change.groupId)).toEqual([salesId, salesId]);

    const paths = h.graphPaths();
    // 24 assignments (20 users, dan twice, Sales, a service principal) at 4 a page: 6 pages; no delta query.
    expect(paths.filter((path) => path.endsWith(`/servicePrincipals/${spId}/appRoleAssignedTo`))).toHaveLength(6);
    expect(paths.some((path) => path.includes('/delta'))).toBe(false);
    // Sales' users come whole with its member list (OData cast); the 20 other direct users in batches of 15 ids: 2
    // requests, through the real client's handling of $filter.
    expect(paths).toContain(`200 /v1.0/groups/${salesId}/members/microsoft.graph.user`);
    expect(paths).toContain(`200 /v1.0/groups/${salesId}/members/microsoft.graph.group`);
    expect(paths.some((path) => path.includes(`/groups/${emeaId}/`))).toBe(false);
    const userReads = h.emulator.requests({ service: 'graph', url: /^\/v1\.0\/users\?/ });
    expect(userReads.map((request) => request.status)).toEqual([200, 200]);
    expect(decodeURIComponent(userReads[0]!.url)).toContain("$filter=id in ('");
    expect(paths).toHaveLength(6 + 1 + 2 + 2);
    console.info(`app-scoped read of 22 users, 1 group: ${paths.length} Graph requests`);
  });

  it('reads in full whatever the cursor, and a read without the setting after it starts a full delta round', async () => {
    const scoped = await h.read({ env: scopedEnv() });
    const deltaCursor = await h.read({ env: h.env() });
    expect(deltaCursor.result?.full).toBe(true);
    const again = await h.read({ env: scopedEnv(), cursor: deltaCursor.result!.cursor! });
    expect(again.result?.full).toBe(true);
    expect(ofType(changesOf(again), 'user')).toHaveLength(DIRECT_USERS + 2);

    h.emulator.clearRequests();
    const unscoped = await h.read({ env: h.env(), cursor: scoped.result!.cursor! });
    expect(unscoped.result?.full).toBe(true);
    expect(h.graphPaths()).toEqual(['200 /v1.0/users/delta', '200 /v1.0/groups/delta']);
    expect(ofType(changesOf(unscoped), 'user').map((change) => change.user.id)).toContain(eve);
  });

  it('drops a user whose assignment was removed, and one who left an assigned group, from the next read', async () => {
    const d = h.emulator.directory;
    h.emulator.servicePrincipals.unassign(spId, direct[0]!);
    d.removeMember(salesId, bob);
    const answer = await h.read({ env: scopedEnv() });
    const ids = ofType(changesOf(answer), 'user').map((change) => change.user.id);
    expect(ids).not.toContain(direct[0]);
    expect(ids).not.toContain(bob);
    expect(ids).toContain(dan);
    expect(ids).not.toContain(cat);
    expect(replacedMembers(changesOf(answer), salesId)).toEqual([dan, emeaId]);
  });

  it('names GRAPH_SERVICE_PRINCIPAL_ID when no service principal has that Object ID (404)', async () => {
    const answer = await h.read({ env: scopedEnv({ GRAPH_SERVICE_PRINCIPAL_ID: UNKNOWN_SP }) });
    expect(answer.result).toBeUndefined();
    expect(answer.error?.kind).toBe('config');
    expect(answer.error?.message).toBe(
      `GRAPH_SERVICE_PRINCIPAL_ID=${UNKNOWN_SP} is not a service principal in tenant ${TENANT}: set it to the ` +
        "enterprise application's Object ID (Entra admin center → Enterprise applications → the app → Overview → " +
        'Object ID), not its Application (client) ID',
    );
  });

  it('names Application.Read.All when the app registration may not read assignments (403)', async () => {
    const answer = await h.read({ env: scopedEnv({ AZURE_CLIENT_ID: NO_APPLICATION_READ_CLIENT }) });
    expect(answer.result).toBeUndefined();
    expect(answer.error?.kind).toBe('auth');
    expect(answer.error?.message).toBe(
      `Microsoft Graph denied servicePrincipals/{id}/appRoleAssignedTo to AZURE_CLIENT_ID=${NO_APPLICATION_READ_CLIENT}: ` +
        'grant it the application permission Application.Read.All (Microsoft Graph, type Application) and grant admin ' +
        `consent in tenant ${TENANT} (Authorization_RequestDenied)`,
    );
    expect(answer.error?.message).not.toContain(SECRET);
    expect(CLIENT).not.toBe(NO_APPLICATION_READ_CLIENT);
  });
});
