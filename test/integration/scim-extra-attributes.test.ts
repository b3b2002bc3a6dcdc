import { afterEach, describe, expect, it } from 'vitest';
import type { ExtraAttributes } from '../../src/core/model/extra-attributes.js';
import type { UserWrite } from '../../src/targets/target.js';
import type { ScimDialectSetting } from '../../src/targets/scim/scim-dialect.js';
import { ScimTarget } from '../../src/targets/scim/scim-target.js';
import { DOVETAIL_USER_EXTENSION_URN } from '../emulators/scim/scim-dovetail-rules.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import type { ScimTestServerOptions } from '../emulators/scim/scim-test-server.js';

// The policy's extra attributes written by the real SCIM target to the SCIM test server over HTTP, and read back
// with GET: create, update, clear, in the PATCH and PUT dialects, on a limited app, on Dovetail, and on adoption.

const TOKEN = 'extra-attributes-token';
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const DEPARTMENT = `${ENTERPRISE}:department`;
const WORK_PHONE = 'phoneNumbers[type eq "work"].value';
const WORKSPACE_ADMIN = `${DOVETAIL_USER_EXTENSION_URN}:workspaceAdmin`;

function person(extra?: ExtraAttributes): UserWrite {
  return {
    externalId: '00u-ada',
    userName: 'ada@example.com',
    email: 'ada@example.com',
    givenName: 'Ada',
    familyName: 'Lovelace',
    displayName: 'Ada Lovelace',
    active: true,
    ...(extra === undefined ? {} : { extra }),
  };
}

const EXTRA: ExtraAttributes = {
  title: 'Analyst',
  [DEPARTMENT]: 'Research',
  roles: 'Engineer',
  [WORK_PHONE]: '+44 20 7946 0000',
};

let server: ScimTestServer;

async function start(options: ScimTestServerOptions = {}): Promise<void> {
  server = new ScimTestServer({ token: TOKEN, ...options });
  await server.start();
}

function target(dialect?: ScimDialectSetting): ScimTarget {
  return new ScimTarget({
    baseUrl: server.baseUrl,
    token: TOKEN,
    retry: { limit: 0 },
    ...(dialect === undefined ? {} : { dialect }),
  });
}

/** The user as the app answers `GET /Users/{id}`. */
async function read(appId: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.baseUrl}/Users/${encodeURIComponent(appId)}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** The operations of every PATCH of this user, in order. */
function patchOperations(appId: string): unknown[] {
  return server
    .requests({ method: 'PATCH', path: `/Users/${appId}` })
    .flatMap((request) => (request.requestBody as { Operations: unknown[] }).Operations);
}

afterEach(async () => {
  await server.stop();
});

describe('extra attributes on a strict SCIM app (PATCH)', () => {
  it('creates with title, enterprise department, roles and a work phone, the extension URN in schemas', async () => {
    await start();
    const { appId } = await target().createUser(person(EXTRA), { resumed: false });
    const post = server.requests({ method: 'POST', path: '/Users' })[0]?.requestBody;
    expect(post).toMatchObject({ schemas: [CORE, ENTERPRISE] });
    expect(await read(appId)).toMatchObject({
      schemas: [CORE, ENTERPRISE],
      userName: 'ada@example.com',
      title: 'Analyst',
      [ENTERPRISE]: { department: 'Research' },
      roles: [{ value: 'Engineer', primary: true }],
      phoneNumbers: [{ type: 'work', value: '+44 20 7946 0000' }],
    });
  });

  it('updates each one, then clears each one, keeping what dirsync does not manage', async () => {
    await start();
    const app = target();
    const { appId } = await app.createUser(person(EXTRA), { resumed: false });
    // Someone adds a home number and a cost centre in the app: dirsync must leave them be.
    await fetch(`${server.baseUrl}/Users/${appId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'add', path: 'phoneNumbers', value: [{ type: 'home', value: '+44 20 7946 0999' }] },
          { op: 'replace', path: `${ENTERPRISE}:costCenter`, value: 'CC-7' },
        ],
      }),
    });
    server.clearRequests();

    await app.updateUser(appId, {
      extra: { title: 'Lead', [DEPARTMENT]: 'Labs', roles: ['Engineer', 'Reviewer'], [WORK_PHONE]: '+44 20 7946 0111' },
    });
    expect(await read(appId)).toMatchObject({
      title: 'Lead',
      [ENTERPRISE]: { department: 'Labs', costCenter: 'CC-7' },
      roles: [{ value: 'Engineer' }, { value: 'Reviewer' }],
      phoneNumbers: [
        { type: 'work', value: '+44 20 7946 0111' },
        { type: 'home', value: '+44 20 7946 0999' },
      ],
    });
    // One PATCH: the whole attributes without a path, the phone number by path.
    expect(server.countRequests({ method: 'PATCH' })).toBe(1);
    expect(patchOperations(appId)).toContainEqual({ op: 'replace', path: WORK_PHONE, value: '+44 20 7946 0111' });

    await app.updateUser(appId, { extra: { title: null, [DEPARTMENT]: null, roles: null, [WORK_PHONE]: null } });
    const cleared = await read(appId);
    expect(cleared).not.toHaveProperty('title');
    expect(cleared).not.toHaveProperty('roles');
    expect(cleared[ENTERPRISE]).toEqual({ costCenter: 'CC-7' });
    expect(cleared['phoneNumbers']).toEqual([{ type: 'home', value: '+44 20 7946 0999' }]);
    expect(server.countRequests({ status: 400 })).toBe(0);
  });

  it('adds a work phone the person does not have yet (noTarget), and takes one already gone as cleared', async () => {
    await start();
    const app = target();
    const { appId } = await app.createUser(person(), { resumed: false });
    server.clearRequests();
    await app.updateUser(appId, { displayName: 'Ada L.', extra: { [WORK_PHONE]: '+1 555 0100' } });
    expect(await read(appId)).toMatchObject({
      displayName: 'Ada L.',
      phoneNumbers: [{ type: 'work', value: '+1 555 0100' }],
    });
    // The PATCH with the path, refused as a whole; the rest alone; the path again; the element added.
    expect(server.requests({ method: 'PATCH' }).map((request) => request.status)).toEqual([400, 200, 400, 200]);
    expect(patchOperations(appId).at(-1)).toEqual({
      op: 'add',
      path: 'phoneNumbers',
      value: [{ type: 'work', value: '+1 555 0100' }],
    });

    await app.updateUser(appId, { extra: { [WORK_PHONE]: null } });
    expect(await read(appId)).not.toHaveProperty('phoneNumbers');
    server.clearRequests();
    await app.updateUser(appId, { extra: { [WORK_PHONE]: null } });
    expect(server.requests({ method: 'PATCH' }).map((request) => request.status)).toEqual([400, 400]);
  });

  it('writes name parts and other core attributes into what the user has', async () => {
    await start();
    const app = target();
    const { appId } = await app.createUser(person({ 'name.middleName': 'King', nickName: 'Ada' }), {
      resumed: false,
    });
    expect(await read(appId)).toMatchObject({
      name: { givenName: 'Ada', familyName: 'Lovelace', middleName: 'King' },
      nickName: 'Ada',
    });
    await app.updateUser(appId, { extra: { 'name.middleName': null } });
    expect((await read(appId))['name']).toEqual({ givenName: 'Ada', familyName: 'Lovelace' });
  });
});

describe('extra attributes on a limited SCIM app (no PATCH path)', () => {
  it('sends a typed value as its whole list, read back, the person’s other numbers kept; PATCH stays the form', async () => {
    await start({ mode: 'limited' });
    const app = target();
    const existing = server.seedUser({
      userName: 'bob@example.com',
      externalId: '00u-bob',
      attributes: { phoneNumbers: [{ type: 'home', value: '+1 555 0199' }] },
    });
    await app.updateUser(existing.id, { extra: { [WORK_PHONE]: '+1 555 0100', title: 'Lead' } });
    expect(await read(existing.id)).toMatchObject({
      title: 'Lead',
      phoneNumbers: [
        { type: 'home', value: '+1 555 0199' },
        { type: 'work', value: '+1 555 0100' },
      ],
    });
    await app.updateUser(existing.id, { extra: { [WORK_PHONE]: null } });
    expect((await read(existing.id))['phoneNumbers']).toEqual([{ type: 'home', value: '+1 555 0199' }]);
    // Users are still updated by PATCH: the refused path taught nothing about the app's PATCH as a whole.
    await app.updateUser(existing.id, { displayName: 'Bob' });
    expect(server.countRequests({ method: 'PUT' })).toBe(0);
    expect(server.requests({ method: 'PATCH' }).at(-1)?.status).toBe(204);
  });
});

describe('extra attributes in the PUT dialect (target.dialect.userUpdate: put)', () => {
  it('puts the user as read back with the extra attributes changed, then cleared', async () => {
    await start();
    const app = target({ preset: 'generic', overrides: { userUpdate: 'put' } });
    const { appId } = await app.createUser(person(EXTRA), { resumed: false });
    await app.updateUser(appId, { extra: { title: 'Lead', [DEPARTMENT]: 'Labs', [WORK_PHONE]: '+1 555 0111' } });
    expect(await read(appId)).toMatchObject({
      title: 'Lead',
      [ENTERPRISE]: { department: 'Labs' },
      roles: [{ value: 'Engineer', primary: true }],
      phoneNumbers: [{ type: 'work', value: '+1 555 0111' }],
      externalId: '00u-ada',
    });
    await app.updateUser(appId, { extra: { title: null, [DEPARTMENT]: null, roles: null, [WORK_PHONE]: null } });
    const cleared = await read(appId);
    for (const attribute of ['title', ENTERPRISE, 'roles', 'phoneNumbers'])
      expect(cleared).not.toHaveProperty(attribute);
    expect(cleared['schemas']).toEqual([CORE]);
    expect(server.countRequests({ method: 'PUT' })).toBe(2);
    expect(server.countRequests({ method: 'PATCH' })).toBe(0);
  });
});

describe('extra attributes on Dovetail (SCIM_DIALECT=dovetail, the emulator in Dovetail mode)', () => {
  const dovetail: ScimDialectSetting = { preset: 'dovetail', overrides: {} };

  it('creates with role MANAGER and workspaceAdmin, changes the role and flips the flag', async () => {
    await start({ dialect: 'dovetail' });
    const app = target(dovetail);
    const { appId } = await app.createUser(person({ role: 'MANAGER', [WORKSPACE_ADMIN]: true }), {
      resumed: false,
    });
    expect(await read(appId)).toMatchObject({
      schemas: [CORE, DOVETAIL_USER_EXTENSION_URN],
      role: 'MANAGER',
      [DOVETAIL_USER_EXTENSION_URN]: { workspaceAdmin: true },
    });
    await app.updateUser(appId, { extra: { role: 'CONTRIBUTOR' } });
    await app.updateUser(appId, { extra: { [WORKSPACE_ADMIN]: false } });
    expect(await read(appId)).toMatchObject({
      role: 'CONTRIBUTOR',
      [DOVETAIL_USER_EXTENSION_URN]: { workspaceAdmin: false },
    });
    expect(server.countRequests({ status: 400 })).toBe(0);
  });

  it('a policy attribute Dovetail lacks fails that update, naming it, and does not stop later user updates', async () => {
    await start({ dialect: 'dovetail' });
    const app = target(dovetail);
    const { appId } = await app.createUser(person({ role: 'VIEWER' }), { resumed: false });
    const refused = app.updateUser(appId, { extra: { title: 'Lead' } });
    await expect(refused).rejects.toMatchObject({ kind: 'rejected' });
    await expect(refused).rejects.toThrow(/the policy's attributes title: if the app has no such attribute, remove it/);
    // The refusal taught the target nothing: the next update is a PATCH as before, not PUT nor work by hand.
    await app.updateUser(appId, { displayName: 'Ada L.', extra: { role: 'MANAGER' } });
    expect(await read(appId)).toMatchObject({ displayName: 'Ada L.', role: 'MANAGER' });
    expect(server.countRequests({ method: 'PUT' })).toBe(0);
  });

  it('adopts an account found by userName and writes the role and flag to it', async () => {
    await start({ dialect: 'dovetail' });
    const existing = server.seedUser({ userName: 'ADA@example.com' });
    const result = await target(dovetail).createUser(person({ role: 'VIEWER', [WORKSPACE_ADMIN]: true }), {
      resumed: false,
    });
    expect(result).toEqual({ appId: existing.id, adopted: true });
    expect(await read(existing.id)).toMatchObject({
      externalId: '00u-ada',
      role: 'VIEWER',
      [DOVETAIL_USER_EXTENSION_URN]: { workspaceAdmin: true },
    });
  });
});

describe('extra attributes on adoption (strict)', () => {
  it('writes them to an existing account found by userName, its other phone numbers kept', async () => {
    await start();
    const existing = server.seedUser({
      userName: 'ada@example.com',
      attributes: {
        title: 'Intern',
        phoneNumbers: [{ type: 'home', value: '+44 20 7946 0999' }],
        [ENTERPRISE]: { employeeNumber: '42' },
      },
    });
    const result = await target().createUser(person(EXTRA), { resumed: false });
    expect(result).toEqual({ appId: existing.id, adopted: true });
    expect(await read(existing.id)).toMatchObject({
      externalId: '00u-ada',
      title: 'Analyst',
      [ENTERPRISE]: { department: 'Research', employeeNumber: '42' },
      roles: [{ value: 'Engineer', primary: true }],
      phoneNumbers: [
        { type: 'home', value: '+44 20 7946 0999' },
        { type: 'work', value: '+44 20 7946 0000' },
      ],
    });
  });
});
