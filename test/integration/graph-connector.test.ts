import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphSelection } from '../../connectors/graph/graph-selection.js';
import {
  GraphConnectorHarness,
  TENANT,
  changesOf,
  ofType,
  replacedMembers,
} from './graph-connector-support/graph-connector-harness.js';

const USERS = 45;

let h: GraphConnectorHarness;
const userIds: string[] = [];
let disabledId = '';
let engineeringId = '';
let allStaffId = '';
let tempGroupId = '';
/** The cursor each test hands to the next, as the mirror would store it. */
let cursor = '';

beforeAll(async () => {
  h = await GraphConnectorHarness.start({ membersPerDeltaObject: 20 });
  const directory = h.emulator.directory;
  for (let i = 1; i <= USERS; i += 1) {
    const n = String(i).padStart(2, '0');
    const user = directory.createUser({
      userPrincipalName: `user${n}@contoso.onmicrosoft.com`,
      mail: i % 3 === 0 ? null : `user${n}@contoso.com`,
      proxyAddresses: i % 3 === 0 ? [`smtp:alias${n}@contoso.com`, `SMTP:primary${n}@contoso.com`] : [],
      givenName: `Given${n}`,
      surname: `Surname${n}`,
      displayName: `Given${n} Surname${n}`,
      accountEnabled: i !== USERS,
    });
    userIds.push(user.id);
  }
  disabledId = userIds[USERS - 1]!;
  engineeringId = directory.createGroup({ displayName: 'Engineering' }).id;
  allStaffId = directory.createGroup({ displayName: 'All Staff', groupTypes: ['Unified'] }).id;
  tempGroupId = directory.createGroup({ displayName: 'Temp' }).id;
  for (const id of userIds.slice(0, 3)) directory.addMember(engineeringId, id);
  for (const id of userIds) directory.addMember(allStaffId, id);
  directory.addMember(allStaffId, engineeringId);
  directory.addMember(tempGroupId, userIds[5]!);
});

afterAll(async () => {
  await h.stop();
});

describe('GraphConnector against the Graph emulator (real @azure/identity and Graph client)', () => {
  it('pages a first round through every user and group and returns full with a cursor', async () => {
    h.emulator.clearRequests();
    const answer = await h.read({ maxPageSize: 4 });
    expect(answer.error).toBeUndefined();
    expect(answer.result?.full).toBe(true);
    expect(JSON.parse(answer.result!.cursor!)).toEqual({
      users: expect.stringContaining('/users/delta?$deltatoken='),
      groups: expect.stringContaining('/groups/delta?$deltatoken='),
      select: graphSelection().fingerprint,
    });
    expect(answer.source).toBe(`Microsoft Graph tenant ${TENANT} at ${new URL(h.endpoints.graphBaseUrl).host}`);
    const all = changesOf(answer);
    const users = ofType(all, 'user');
    expect(users.map((change) => change.user.id)).toEqual(userIds);
    expect(users.find((change) => change.user.id === disabledId)?.user.active).toBe(false);
    expect(users[2]?.user).toMatchObject({
      userName: 'user03@contoso.onmicrosoft.com',
      email: 'primary03@contoso.com',
    });
    expect(ofType(all, 'group').map((change) => change.group.displayName)).toEqual([
      'Engineering',
      'All Staff',
      'Temp',
    ]);
    // All Staff's 46 members come as three objects of members@delta; the nested group is one of them, by its id.
    expect(ofType(all, 'members.replace').filter((change) => change.groupId === allStaffId)).toHaveLength(3);
    expect(replacedMembers(all, allStaffId)).toEqual([...userIds, engineeringId]);
    expect(replacedMembers(all, engineeringId)).toEqual(userIds.slice(0, 3));
    // 45 users at 4 a page: 12 pages; 5 group objects: 2 pages, All Staff straddling them. Every request asked for
    // the mapping's properties and the policy's attributes.
    const graph = h.emulator.requests({ service: 'graph' });
    expect(graph.filter((request) => request.url.startsWith('/v1.0/users/delta'))).toHaveLength(12);
    expect(graph.filter((request) => request.url.startsWith('/v1.0/groups/delta'))).toHaveLength(2);
    expect(graph[0]?.url).toBe(`/v1.0/users/delta?$select=${graphSelection().user.join(',')}`);
    expect(graph.find((request) => request.url.startsWith('/v1.0/groups/delta'))?.url).toBe(
      '/v1.0/groups/delta?$select=id,displayName,description,mail,mailEnabled,securityEnabled,groupTypes,members',
    );
    // Whole objects: no user or group was fetched on its own.
    expect(graph.every((request) => /\/(users|groups)\/delta/.test(request.url))).toBe(true);
    expect(answer.requests.every((request) => request.status === 200)).toBe(true);
    expect(answer.requests).toHaveLength(graph.length);
    console.info(
      `first round of ${USERS} users: ${h.emulator.countRequests()} requests (${h.emulator.countRequests({ service: 'token' })} token, ${graph.length} Graph)`,
    );
    cursor = answer.result!.cursor!;
  });

  it('reads the groups round while the users round is still paging, and yields it after every user', async () => {
    h.emulator.clearRequests();
    h.emulator.concurrency.max = 0;
    // Every users page answers slowly: a sequential reader would never have two requests in flight.
    h.emulator.slowNext({ delayMs: 30, times: 50, match: { service: 'graph', url: /^\/v1\.0\/users\/delta/ } });
    const answer = await h.read({ full: true, maxPageSize: 4 });
    h.emulator.clearFaults();
    expect(answer.error).toBeUndefined();
    expect(h.emulator.concurrency.max).toBe(2);
    const kinds = changesOf(answer).map((change) => (change.type === 'user' ? 'user' : 'group'));
    expect(kinds.indexOf('group')).toBe(USERS);
    expect(kinds.lastIndexOf('user')).toBe(USERS - 1);
  });

  it('returns only the changes in a later round, from the stored delta links', async () => {
    const directory = h.emulator.directory;
    const [disabled, deleted, leaver, renamed] = userIds;
    directory.updateUser(disabled!, { accountEnabled: false });
    directory.updateUser(disabledId, { accountEnabled: true });
    directory.deleteUser(deleted!);
    directory.updateUser(renamed!, { userPrincipalName: 'renamed@contoso.onmicrosoft.com' });
    const created = directory.createUser({
      userPrincipalName: 'new@contoso.onmicrosoft.com',
      givenName: 'New',
      surname: 'Person',
    });
    directory.updateGroup(engineeringId, { displayName: 'Platform Engineering' });
    directory.removeMember(engineeringId, leaver!);
    directory.addMember(engineeringId, created.id);
    directory.deleteGroup(tempGroupId);
    const big = directory.createGroup({ displayName: 'Big New Group' });
    for (const id of userIds.slice(5, 35)) directory.addMember(big.id, id);
    directory.addMember(big.id, engineeringId);
    h.emulator.clearRequests();
    h.emulator.concurrency.max = 0;
    // Slow users pages: the groups delta link is followed while the users one still pages.
    h.emulator.slowNext({ delayMs: 30, times: 20, match: { service: 'graph', url: /^\/v1\.0\/users\/delta/ } });

    const answer = await h.read({ cursor, maxPageSize: 2 });
    h.emulator.clearFaults();
    expect(answer.error).toBeUndefined();
    expect(answer.result?.full).toBe(false);
    expect(h.emulator.concurrency.max).toBe(2);
    const all = changesOf(answer);
    expect(ofType(all, 'user').map((change) => [change.user.id, change.user.userName, change.user.active])).toEqual([
      [disabled, 'user01@contoso.onmicrosoft.com', false],
      [renamed, 'renamed@contoso.onmicrosoft.com', true],
      [disabledId, 'user45@contoso.onmicrosoft.com', true],
      [created.id, 'new@contoso.onmicrosoft.com', true],
    ]);
    expect(ofType(all, 'user').find((change) => change.user.id === created.id)?.user).toMatchObject({
      email: 'new@contoso.onmicrosoft.com',
      displayName: 'New Person',
    });
    expect(ofType(all, 'user.deleted')).toEqual([{ type: 'user.deleted', id: deleted }]);
    expect(
      ofType(all, 'group').map(({ group }) => [group.id, group.displayName, group.attributes?.['groupTypes']]),
    ).toEqual([
      [engineeringId, 'Platform Engineering', []],
      [big.id, 'Big New Group', []],
    ]);
    expect(ofType(all, 'group.deleted')).toEqual([{ type: 'group.deleted', id: tempGroupId }]);
    expect(ofType(all, 'members.replace')).toEqual([]);
    const deltas = ofType(all, 'members.delta');
    const engineering = deltas.filter((change) => change.groupId === engineeringId);
    expect(engineering.flatMap((change) => change.added)).toEqual([created.id]);
    expect(engineering.flatMap((change) => change.removed).sort()).toEqual([deleted!, leaver!].sort());
    // The deleted user also left All Staff; the big new group's 31 members (Engineering nested among them) came as two
    // objects over pages.
    expect(deltas.filter((change) => change.groupId === allStaffId)).toEqual([
      { type: 'members.delta', groupId: allStaffId, added: [], removed: [deleted] },
    ]);
    const bigDeltas = deltas.filter((change) => change.groupId === big.id);
    expect(bigDeltas).toHaveLength(2);
    expect(bigDeltas.flatMap((change) => change.added)).toEqual([...userIds.slice(5, 35), engineeringId]);
    expect(h.graphPaths()[0]).toBe('200 /v1.0/users/delta');
    expect(h.emulator.requests({ service: 'graph' })[0]?.url).toContain('$deltatoken=');
    cursor = answer.result!.cursor!;
  });

  it('reports a group nested into another, and taken out again, in later rounds: its id among the members', async () => {
    const directory = h.emulator.directory;
    const contractors = directory.createGroup({ displayName: 'Contractors' });
    directory.addMember(contractors.id, userIds[10]!);
    directory.addMember(allStaffId, contractors.id);
    const nested = await h.read({ cursor });
    expect(nested.error).toBeUndefined();
    expect(nested.result?.full).toBe(false);
    expect(ofType(changesOf(nested), 'members.delta')).toEqual([
      { type: 'members.delta', groupId: contractors.id, added: [userIds[10]], removed: [] },
      { type: 'members.delta', groupId: allStaffId, added: [contractors.id], removed: [] },
    ]);
    cursor = nested.result!.cursor!;

    directory.removeMember(allStaffId, contractors.id);
    directory.removeMember(allStaffId, engineeringId);
    directory.deleteGroup(contractors.id);
    const unnested = await h.read({ cursor });
    expect(unnested.error).toBeUndefined();
    const all = changesOf(unnested);
    expect(ofType(all, 'members.delta').filter((change) => change.groupId === allStaffId)).toEqual([
      { type: 'members.delta', groupId: allStaffId, added: [], removed: [contractors.id, engineeringId] },
    ]);
    expect(ofType(all, 'group.deleted')).toEqual([{ type: 'group.deleted', id: contractors.id }]);
    cursor = unnested.result!.cursor!;
  });

  it('spends the token request(s) and the two stored delta links on an unchanged directory', async () => {
    h.emulator.clearRequests();
    const answer = await h.read({ cursor });
    expect(answer.error).toBeUndefined();
    expect(answer.result?.full).toBe(false);
    expect(changesOf(answer)).toEqual([]);
    const tokenRequests = h.emulator.countRequests({ service: 'token' });
    expect(tokenRequests).toBeLessThanOrEqual(2);
    expect(h.graphPaths()).toEqual(['200 /v1.0/users/delta', '200 /v1.0/groups/delta']);
    expect(h.emulator.countRequests()).toBe(tokenRequests + 2);
    console.info(`no-op round: ${h.emulator.countRequests()} requests (${tokenRequests} token, 2 Graph)`);
    cursor = answer.result!.cursor!;
  });

  it('answers a 410 Gone delta link with a fresh full round of both resources', async () => {
    h.emulator.expireDeltaTokens();
    h.emulator.clearRequests();
    const answer = await h.read({ cursor });
    expect(answer.error).toBeUndefined();
    expect(answer.result?.full).toBe(true);
    const all = changesOf(answer);
    expect(ofType(all, 'user')).toHaveLength(USERS);
    expect(
      ofType(all, 'group')
        .map((change) => change.group.displayName)
        .sort(),
    ).toEqual(['All Staff', 'Big New Group', 'Platform Engineering']);
    expect(h.graphPaths()).toEqual(['410 /v1.0/users/delta', '200 /v1.0/users/delta', '200 /v1.0/groups/delta']);
    cursor = answer.result!.cursor!;
    const again = await h.read({ cursor });
    expect(again.result?.full).toBe(false);
    expect(changesOf(again)).toEqual([]);
    cursor = again.result!.cursor!;
  });

  it('waits out 429 and 503 with Retry-After through the client retry middleware', async () => {
    h.emulator.clearRequests();
    h.emulator.throttleNext({
      status: 429,
      retryAfterSeconds: 1,
      match: { service: 'graph', url: /^\/v1\.0\/users\/delta/ },
    });
    h.emulator.throttleNext({
      status: 503,
      retryAfterSeconds: 1,
      match: { service: 'graph', url: /^\/v1\.0\/groups\/delta/ },
    });
    const started = Date.now();
    const answer = await h.read({ cursor });
    expect(answer.error).toBeUndefined();
    expect(answer.result?.full).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(h.graphPaths()).toEqual([
      '429 /v1.0/users/delta',
      '200 /v1.0/users/delta',
      '503 /v1.0/groups/delta',
      '200 /v1.0/groups/delta',
    ]);
    expect(answer.requests).toEqual([
      { status: 429, throttled: true },
      { status: 200, throttled: false },
      { status: 503, throttled: true },
      { status: 200, throttled: false },
    ]);
    cursor = answer.result!.cursor!;
  });

  it('fails the read, with no cursor, when throttling outlasts the retries', async () => {
    h.emulator.clearRequests();
    h.emulator.throttleNext({
      status: 503,
      retryAfterSeconds: 0,
      times: 4,
      match: { service: 'graph', url: /^\/v1\.0\/groups\/delta/ },
    });
    const answer = await h.read({ full: true });
    expect(answer.ok).toBe(false);
    expect(answer.result).toBeUndefined();
    expect(answer.error?.kind).toBe('unavailable');
    expect(answer.error?.message).toMatch(/^Microsoft Graph kept answering 503 to groups\/delta after its retries/);
    expect(h.emulator.countRequests({ service: 'graph', status: 503 })).toBe(4);
    expect(h.emulator.pendingFaults()).toBe(0);
  });
});
