import { afterEach, describe, expect, it } from 'vitest';
import type { Op } from '../../src/core/planner/op.js';
import { TargetError } from '../../src/targets/target-error.js';
import type { UserWrite } from '../../src/targets/target.js';
import { ScimTarget } from '../../src/targets/scim/scim-target.js';
import type { ScimDialectSetting } from '../../src/targets/scim/scim-dialect.js';
import { DOVETAIL_USER_EXTENSION_URN } from '../emulators/scim/scim-dovetail-rules.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';

const TOKEN = 'dialect-token';

function person(id: string): UserWrite {
  return {
    externalId: `00u-${id}`,
    userName: `${id}@example.com`,
    email: `${id}@example.com`,
    givenName: id,
    familyName: 'Tester',
    displayName: `${id} Tester`,
    active: true,
  };
}

const removeOp = (group: string): Op => ({
  kind: 'members.remove',
  key: `members.remove:c:${group}@1`,
  groupExternalId: group,
  userExternalIds: ['00u-ada'],
});
const renameOp: Op = { kind: 'group.rename', key: 'group.rename:c:g@1', externalId: 'g', displayName: 'x' };

let server: ScimTestServer;

async function start(options: ConstructorParameters<typeof ScimTestServer>[0]): Promise<string> {
  server = new ScimTestServer({ token: TOKEN, ...options });
  return server.start();
}

function target(dialect?: ScimDialectSetting): ScimTarget {
  return new ScimTarget({
    baseUrl: server.baseUrl,
    token: TOKEN,
    retry: { limit: 0 },
    ...(dialect === undefined ? {} : { dialect }),
  });
}

afterEach(async () => {
  await server.stop();
});

describe('ScimTarget with the dovetail dialect against the emulator in Dovetail mode', () => {
  const dovetail: ScimDialectSetting = { preset: 'dovetail', overrides: {} };

  it('creates, updates and deactivates users and adds members by id; filters only on userName and displayName', async () => {
    await start({ dialect: 'dovetail' });
    const app = target(dovetail);
    const ada = await app.createUser(person('ada'), { resumed: false });
    const bob = await app.createUser(person('bob'), { resumed: true });
    await app.updateUser(ada.appId, { displayName: 'Ada L.' });
    await app.updateUser(bob.appId, { active: false });
    const group = await app.createGroup({ externalId: 'g-sales', displayName: 'Sales' }, { resumed: true });
    await app.updateGroup(group.appId, { addMemberIds: [ada.appId, bob.appId] });

    expect(server.user(ada.appId)?.displayName).toBe('Ada L.');
    expect(server.user(bob.appId)?.active).toBe(false);
    expect(server.group(group.appId)?.members?.map((m) => m.value)).toEqual([ada.appId, bob.appId]);
    const filters = server.requests({ method: 'GET' }).flatMap((r) => (r.query['filter'] ? [r.query['filter']] : []));
    expect(filters.length).toBeGreaterThan(0);
    expect(filters.every((filter) => /^(userName|displayName) eq /.test(filter))).toBe(true);
    expect(server.countRequests({ status: 400 })).toBe(0);
  });

  it('declares member removal, rename and group delete unsupported, and sends nothing for them', async () => {
    await start({ dialect: 'dovetail' });
    const app = target(dovetail);
    const before = server.countRequests();
    expect(await app.unsupported(removeOp('g'))).toBe(
      'Dovetail does not remove group members over SCIM (the dovetail dialect)',
    );
    expect(await app.unsupported(renameOp)).toMatch(/^Dovetail does not rename groups over SCIM/);
    expect(await app.unsupported({ kind: 'group.delete', key: 'k', externalId: 'g' })).toMatch(/delete groups/);
    expect(await app.unsupported({ kind: 'user.deactivate', key: 'k', externalId: 'u' })).toBeNull();
    const error = await app.deleteGroup('any').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).kind).toBe('unsupported');
    // Only /ServiceProviderConfig was read.
    expect(server.countRequests() - before).toBe(1);
    expect(server.countRequests({ method: 'PATCH' })).toBe(0);
  });

  it('adopts an existing Dovetail group by name without a PATCH it would refuse', async () => {
    await start({ dialect: 'dovetail' });
    const existing = server.seedGroup({ displayName: 'Research' });
    const app = target(dovetail);
    const result = await app.createGroup({ externalId: 'g-research', displayName: 'research' }, { resumed: false });
    expect(result).toEqual({ appId: existing.id, adopted: true });
    expect(server.countRequests({ method: 'PATCH' })).toBe(0);
    expect(server.countRequests({ status: 400 })).toBe(0);
  });

  it('stores Dovetail’s role and workspaceAdmin, and refuses a role it does not know', async () => {
    await start({ dialect: 'dovetail' });
    const body = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', DOVETAIL_USER_EXTENSION_URN],
      userName: 'cy@example.com',
      active: true,
      role: 'MANAGER',
      [DOVETAIL_USER_EXTENSION_URN]: { workspaceAdmin: true },
    };
    const post = (json: object) =>
      fetch(`${server.baseUrl}/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify(json),
      });
    const created = await post(body);
    expect(created.status).toBe(201);
    const user = server.userByName('cy@example.com');
    expect(user?.role).toBe('MANAGER');
    expect(user?.[DOVETAIL_USER_EXTENSION_URN]?.workspaceAdmin).toBe(true);
    expect(((await created.json()) as { schemas: string[] }).schemas).toContain(DOVETAIL_USER_EXTENSION_URN);
    const refused = await post({ ...body, userName: 'dee@example.com', role: 'OWNER' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('MANAGER, CONTRIBUTOR, VIEWER');
  });

  it('the emulator refuses other filters and group PATCH ops with SCIM errors', async () => {
    await start({ dialect: 'dovetail' });
    const get = await fetch(`${server.baseUrl}/Users?filter=${encodeURIComponent('externalId eq "x"')}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(get.status).toBe(400);
    expect(await get.text()).toContain('invalidFilter');
    const group = server.seedGroup({ displayName: 'Ops' });
    const patch = await fetch(`${server.baseUrl}/Groups/${group.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { displayName: 'Ops 2' } }],
      }),
    });
    expect(patch.status).toBe(400);
    expect(((await patch.json()) as { scimType: string }).scimType).toBe('invalidSyntax');
  });

  it('without the preset, learns from the refusals: the removal ends as unsupported, and is not tried again', async () => {
    await start({ dialect: 'dovetail' });
    const app = target();
    const ada = await app.createUser(person('ada'), { resumed: false });
    const group = await app.createGroup({ externalId: 'g-sales', displayName: 'Sales' }, { resumed: false });
    await app.updateGroup(group.appId, { addMemberIds: [ada.appId] });
    const error = await app.updateGroup(group.appId, { removeMemberIds: [ada.appId] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).kind).toBe('unsupported');
    expect((error as TargetError).message).toMatch(
      /does not remove group members over SCIM \(it refused a PUT: HTTP 501/,
    );
    // By filter path, by value array, by PUT: three forms, then nothing more.
    expect(server.countRequests({ method: 'PATCH', status: 400 })).toBe(2);
    expect(server.countRequests({ method: 'PUT' })).toBe(1);
    expect(await app.unsupported(removeOp('g-sales'))).not.toBeNull();
  });
});

describe('ScimTarget with target.dialect fields over the generic dialect', () => {
  it('memberRemove: put removes members by a PUT of the full member list', async () => {
    await start({ mode: 'strict' });
    const app = target({ preset: 'generic', overrides: { memberRemove: 'put' } });
    const [a, b, c] = ['a', 'b', 'c'].map((id) => server.seedUser({ userName: `${id}@example.com` }));
    const group = server.seedGroup({ displayName: 'Team', externalId: 'g-team', memberIds: [a!.id, b!.id, c!.id] });
    await app.updateGroup(group.id, { removeMemberIds: [a!.id, c!.id] });
    expect(server.group(group.id)?.members?.map((m) => m.value)).toEqual([b!.id]);
    expect(server.group(group.id)?.externalId).toBe('g-team');
    expect(server.countRequests({ method: 'PUT', path: `/Groups/${group.id}` })).toBe(1);
    expect(server.countRequests({ method: 'PATCH' })).toBe(0);
  });

  it('userUpdate: put sends the user as read back, merged with the changes', async () => {
    await start({ mode: 'strict' });
    const app = target({ preset: 'generic', overrides: { userUpdate: 'put' } });
    const seeded = server.seedUser({
      userName: 'ada@example.com',
      externalId: '00u-ada',
      givenName: 'Ada',
      familyName: 'L',
    });
    await app.updateUser(seeded.id, { familyName: 'Lovelace', active: false });
    const user = server.user(seeded.id);
    expect(user?.name).toEqual({ givenName: 'Ada', familyName: 'Lovelace' });
    expect(user?.active).toBe(false);
    expect(user?.externalId).toBe('00u-ada');
    expect(server.countRequests({ method: 'PUT' })).toBe(1);
  });

  it('filterAttributes: [] pages through the list instead of filtering', async () => {
    await start({ mode: 'strict' });
    const app = target({ preset: 'generic', overrides: { filterAttributes: [] } });
    server.seedUser({ userName: 'ada@example.com' });
    const result = await app.createUser(person('ada'), { resumed: true });
    expect(result.adopted).toBe(true);
    expect(server.requests({ method: 'GET' }).some((r) => r.query['filter'] !== undefined)).toBe(false);
  });
});
