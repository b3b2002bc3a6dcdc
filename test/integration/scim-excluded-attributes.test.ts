import { afterEach, describe, expect, it } from 'vitest';
import { ScimTarget } from '../../src/targets/scim/scim-target.js';
import type { ScimDialectSetting } from '../../src/targets/scim/scim-dialect.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import type { ScimTestServerOptions } from '../emulators/scim/scim-test-server.js';
import type { ScimLoggedRequest } from '../emulators/scim/scim-request-log.js';

// Issue #13: an app that answers a group PATCH with the whole group sends every member back, each PATCH.

const TOKEN = 'excl-token';
const GROUP_PATH = /^\/Groups\//;

let server: ScimTestServer;

async function start(options: ScimTestServerOptions = {}): Promise<void> {
  server = new ScimTestServer({ token: TOKEN, ...options });
  await server.start();
}

afterEach(async () => {
  await server.stop();
});

function target(dialect?: ScimDialectSetting): ScimTarget {
  return new ScimTarget({
    baseUrl: server.baseUrl,
    token: TOKEN,
    maxMembersPerPatch: 2,
    retry: { limit: 0 },
    ...(dialect === undefined ? {} : { dialect }),
  });
}

function seedUsers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => server.seedUser({ userName: `u${i}@example.com` }).id);
}

const excluded = (request: ScimLoggedRequest): string | undefined => request.query['excludedAttributes'];
const groupPatches = (): readonly ScimLoggedRequest[] => server.requests({ method: 'PATCH', path: GROUP_PATH });
const memberIds = (groupId: string): string[] =>
  (server.group(groupId)?.members ?? []).map((member) => member.value).sort();

/** Five members added in three PATCHes, then a rename with two removals (one PATCH of both). */
async function addThenRenameAndRemove(app: ScimTarget): Promise<{ groupId: string; users: string[] }> {
  const users = seedUsers(5);
  const { appId } = await app.createGroup({ externalId: 'g-eng', displayName: 'Eng' }, { resumed: false });
  await app.updateGroup(appId, { addMemberIds: users });
  await app.updateGroup(appId, { displayName: 'Engineering', removeMemberIds: users.slice(0, 2) });
  return { groupId: appId, users };
}

describe('group PATCHes ask for the group without its members (excludedAttributes=members)', () => {
  it('every group PATCH carries the parameter and is answered without members; the changes land', async () => {
    await start();
    const { groupId, users } = await addThenRenameAndRemove(target());

    const patches = groupPatches();
    expect(patches.map((request) => [excluded(request), request.status])).toEqual([
      ['members', 200],
      ['members', 200],
      ['members', 200],
      ['members', 200],
    ]);
    for (const { responseBody } of patches) {
      expect(responseBody).toMatchObject({ id: groupId, schemas: [expect.any(String)] });
      expect(responseBody).not.toHaveProperty('members');
    }
    expect(server.group(groupId)?.displayName).toBe('Engineering');
    expect(memberIds(groupId)).toEqual(users.slice(2).sort());
  });

  it('answers fewer bytes than the same PATCHes to an app that ignores the parameter and sends the whole group', async () => {
    const answered = async (options: ScimTestServerOptions): Promise<number> => {
      await start(options);
      await addThenRenameAndRemove(target());
      const bytes = groupPatches().reduce((sum, request) => sum + request.responseBytes, 0);
      await server.stop();
      return bytes;
    };
    const withoutMembers = await answered({});
    const whole = await answered({ attributeParameters: 'ignore' });
    // Each of the 4 answers of the ignoring app holds 2 to 5 members (an id, a type and a $ref each).
    expect(whole - withoutMembers).toBeGreaterThan(4 * 2 * 36);
    await start();
  });

  it('an app that refuses it on PATCH (400 naming it): the PATCH goes again without it, once; later ones go without', async () => {
    await start({ attributeParameters: { refuse: ['PATCH'] } });
    const app = target();
    const { groupId, users } = await addThenRenameAndRemove(app);

    expect(groupPatches().map((request) => [excluded(request), request.status])).toEqual([
      ['members', 400],
      [undefined, 200],
      [undefined, 200],
      [undefined, 200],
      [undefined, 200],
    ]);
    // Applied once each: the refused PATCH changed nothing, and no removal met an absent member (noTarget).
    expect(memberIds(groupId)).toEqual(users.slice(2).sort());
    expect(server.group(groupId)?.displayName).toBe('Engineering');
    expect(server.countRequests({ status: 400 })).toBe(1);
    // The lesson is the app's: its group lookups go without the parameter too.
    await app.createGroup({ externalId: 'g-eng', displayName: 'Engineering' }, { resumed: true });
    const lookups = server.requests({ method: 'GET', path: '/Groups' });
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups.map(excluded)).toEqual(lookups.map(() => undefined));
  });

  it('a 501 to the parameter, which the same PATCH without it does not get, is learnt the same way', async () => {
    await start();
    server.failNext({
      method: 'PATCH',
      when: (request) => request.query.has('excludedAttributes'),
      status: 501,
      times: Number.POSITIVE_INFINITY,
    });
    const users = seedUsers(3);
    const app = target();
    const { appId } = await app.createGroup({ externalId: 'g-ops', displayName: 'Ops' }, { resumed: false });
    await app.updateGroup(appId, { addMemberIds: users });

    expect(groupPatches().map((request) => [excluded(request), request.status])).toEqual([
      ['members', 501],
      [undefined, 200],
      [undefined, 200],
    ]);
    expect(memberIds(appId)).toEqual([...users].sort());
  });

  it('a 501 to the PATCH itself is not blamed on the parameter: the write falls back to PUT, lookups keep it', async () => {
    await start();
    server.failNext({ method: 'PATCH', status: 501, times: Number.POSITIVE_INFINITY });
    const users = seedUsers(2);
    const app = target();
    const { appId } = await app.createGroup({ externalId: 'g-hr', displayName: 'HR' }, { resumed: false });
    await app.updateGroup(appId, { addMemberIds: users });

    expect(groupPatches().map((request) => [excluded(request), request.status])).toEqual([
      ['members', 501],
      [undefined, 501],
    ]);
    expect(server.countRequests({ method: 'PUT', status: 200 })).toBe(1);
    expect(memberIds(appId)).toEqual([...users].sort());
    server.clearRequests();
    await app.createGroup({ externalId: 'g-hr', displayName: 'HR' }, { resumed: true });
    const [lookup] = server.requests({ method: 'GET', path: '/Groups' });
    expect(lookup === undefined ? undefined : excluded(lookup)).toBe('members');
  });

  it('target.dialect excludeMembers: false sends no parameter', async () => {
    await start();
    await addThenRenameAndRemove(target({ preset: 'generic', overrides: { excludeMembers: false } }));
    expect(server.requests().filter((request) => excluded(request) !== undefined)).toEqual([]);
  });
});

describe('group lookups ask for groups without their members', () => {
  it('adopting a group by name: the lookup is answered without members, the adoption reads them and removes them', async () => {
    await start();
    const [handMade] = seedUsers(1);
    const existing = server.seedGroup({ displayName: 'Sales', memberIds: handMade === undefined ? [] : [handMade] });
    const result = await target().createGroup({ externalId: 'g-sales', displayName: 'Sales' }, { resumed: false });

    expect(result).toEqual({ appId: existing.id, adopted: true });
    const [lookup] = server.requests({ method: 'GET', path: '/Groups' });
    expect(lookup?.query).toEqual({ filter: 'displayName eq "Sales"', excludedAttributes: 'members' });
    expect(lookup?.responseBody).toMatchObject({ Resources: [{ id: existing.id, displayName: 'Sales' }] });
    expect(JSON.stringify(lookup?.responseBody)).not.toContain('"members"');
    // The read-back that finds the members put there by hand asks for them.
    const [readBack] = server.requests({ method: 'GET', path: `/Groups/${existing.id}` });
    expect(readBack?.query).toEqual({});
    expect(memberIds(existing.id)).toEqual([]);
    expect(server.group(existing.id)?.externalId).toBe('g-sales');
  });

  it('an app that refuses it on GET: the lookup goes again without it, still by filter, and finds the group', async () => {
    await start({ attributeParameters: { refuse: ['GET'] } });
    const existing = server.seedGroup({ displayName: 'Legal', externalId: 'g-legal' });
    const result = await target().createGroup({ externalId: 'g-legal', displayName: 'Legal' }, { resumed: true });

    expect(result).toEqual({ appId: existing.id, adopted: false });
    expect(
      server.requests({ method: 'GET', path: '/Groups' }).map((request) => [request.query, request.status]),
    ).toEqual([
      [{ filter: 'externalId eq "g-legal"', excludedAttributes: 'members' }, 400],
      [{ filter: 'externalId eq "g-legal"' }, 200],
    ]);
  });
});
