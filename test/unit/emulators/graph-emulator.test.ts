import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphEmulator } from '../../emulators/graph/graph-emulator.js';
import type { GraphEmulatorEndpoints } from '../../emulators/graph/graph-emulator.js';
import { GraphSdkProbeProcess } from '../../emulators/graph/graph-sdk-probe-process.js';

const TENANT = '2b1f7a8e-5f4c-4d0e-9a51-6c1d2e3f4a5b';
const CLIENT = '9c8b7a6d-1e2f-4a3b-8c7d-6e5f4a3b2c1d';
const CERT_CLIENT = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const SECRET = 'Kx8Q~emulator-secret-value';

/** What the assertions read from answers; the probe's JSON is otherwise compared structurally. */
interface ProbeAnswer {
  readonly ok: boolean;
  readonly roles?: string[];
  readonly body?: { value: Record<string, unknown>[] };
  readonly pages?: Page[];
  readonly elapsedMs?: number;
  readonly error?: { name?: string; message: string; statusCode?: number; code?: string };
}

interface Page {
  readonly value: Record<string, unknown>[];
  readonly '@odata.nextLink'?: string;
  readonly '@odata.deltaLink'?: string;
}

interface DirectAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
}

let emulator: GraphEmulator;
let endpoints: GraphEmulatorEndpoints;
let probe: GraphSdkProbeProcess;
let workDir: string;
const userIds: string[] = [];
let bigGroupId = '';

async function send(command: Record<string, unknown>): Promise<ProbeAnswer> {
  return (await probe.send(command)) as ProbeAnswer;
}

async function init(extra: Record<string, unknown>): Promise<void> {
  const answer = await send({ op: 'init', ...endpoints, tenantId: TENANT, clientId: CLIENT, ...extra });
  expect(answer.ok).toBe(true);
}

/** An in-process HTTPS call that trusts the throwaway CA explicitly, to read statuses, headers and raw bodies. */
async function direct(
  method: string,
  url: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<DirectAnswer> {
  const ca = readFileSync(endpoints.caPath, 'utf8');
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function tokenFor(clientId: string, secret: string, tenant = TENANT): Promise<DirectAnswer> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: secret,
    scope: 'https://graph.microsoft.com/.default',
  }).toString();
  return direct('POST', `${endpoints.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

function allValues(pages: readonly Page[]): Record<string, unknown>[] {
  return pages.flatMap((page) => page.value);
}

beforeAll(async () => {
  emulator = new GraphEmulator({ membersPerDeltaObject: 20 });
  endpoints = await emulator.start();
  workDir = mkdtempSync(join(tmpdir(), 'dirsync-graph-test-'));
  emulator.registerApp({
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SECRET,
    roles: ['User.Read.All', 'GroupMember.Read.All'],
  });
  const directory = emulator.directory;
  for (let i = 1; i <= 24; i += 1) {
    const n = String(i).padStart(2, '0');
    const user = directory.createUser({
      userPrincipalName: `user${n}@contoso.onmicrosoft.com`,
      mail: i % 5 === 0 ? null : `user${n}@contoso.com`,
      proxyAddresses: i % 5 === 0 ? [] : [`SMTP:user${n}@contoso.com`, `smtp:u${n}@contoso.onmicrosoft.com`],
      givenName: `Given${n}`,
      surname: `Surname${n}`,
      displayName: `Given${n} Surname${n}`,
    });
    userIds.push(user.id);
  }
  const guest = directory.createUser({
    userPrincipalName: 'pat_fabrikam.com#EXT#@contoso.onmicrosoft.com',
    mail: 'pat@fabrikam.com',
    otherMails: ['pat@fabrikam.com'],
    displayName: 'Pat (Fabrikam)',
    userType: 'Guest',
  });
  userIds.push(guest.id);
  const big = directory.createGroup({
    displayName: 'All Staff',
    groupTypes: ['Unified'],
    mail: 'allstaff@contoso.com',
  });
  bigGroupId = big.id;
  const small = directory.createGroup({ displayName: 'Admins' });
  for (const id of userIds) directory.addMember(big.id, id);
  directory.addMember(small.id, userIds[0]!);
  directory.addMember(big.id, small.id);
  probe = new GraphSdkProbeProcess(endpoints.caPath);
  await init({ clientSecret: SECRET });
});

afterAll(async () => {
  await probe.close();
  await emulator.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('GraphEmulator driven by the real @azure/identity and Graph client', () => {
  it('issues an app-only token carrying the consented roles for a client secret', async () => {
    const answer = await send({ op: 'token' });
    expect(answer.error).toBeUndefined();
    expect(answer.roles).toEqual(['User.Read.All', 'GroupMember.Read.All']);
    expect(
      emulator.requests({ service: 'token' }).map((r) => `${r.method} ${r.url.split('?')[0]!} ${r.status}`),
    ).toEqual([`GET /${TENANT}/v2.0/.well-known/openid-configuration 200`, `POST /${TENANT}/oauth2/v2.0/token 200`]);
  });

  it('surfaces AADSTS7000215 through the SDK error for a wrong secret', async () => {
    await init({ clientSecret: 'not-the-secret' });
    const answer = await send({ op: 'token' });
    expect(answer.ok).toBe(false);
    expect(answer.error?.message).toContain('AADSTS7000215: Invalid client secret provided');
    await init({ clientSecret: SECRET });
  });

  it('pages users/delta by Prefer odata.maxpagesize and puts the deltaLink on the last page only', async () => {
    const answer = await send({
      op: 'deltaRound',
      url: '/users/delta?$select=userPrincipalName,mail,proxyAddresses,otherMails,accountEnabled,userType',
      maxPageSize: 10,
    });
    expect(answer.error).toBeUndefined();
    const pages = answer.pages!;
    expect(pages.map((page) => page.value.length)).toEqual([10, 10, 5]);
    expect(pages.slice(0, -1).every((page) => page['@odata.nextLink']?.includes('$skiptoken=') === true)).toBe(true);
    expect(pages.slice(0, -1).every((page) => page['@odata.deltaLink'] === undefined)).toBe(true);
    expect(pages.at(-1)!['@odata.deltaLink']).toContain('/users/delta?$deltatoken=');
    const guest = allValues(pages).find((user) => user['userType'] === 'Guest');
    expect(guest).toMatchObject({
      userPrincipalName: 'pat_fabrikam.com#EXT#@contoso.onmicrosoft.com',
      mail: 'pat@fabrikam.com',
    });
    expect(Object.keys(guest!).sort()).toEqual(
      ['accountEnabled', 'id', 'mail', 'otherMails', 'proxyAddresses', 'userPrincipalName', 'userType'].sort(),
    );
  });

  it('answers a later users/delta round with only the changes, deletions as @removed', async () => {
    const first = await send({ op: 'deltaRound', url: '/users/delta?$select=displayName,accountEnabled' });
    const deltaLink = first.pages!.at(-1)!['@odata.deltaLink']!;
    const [renamed, disabled, deleted, purged] = userIds;
    emulator.directory.updateUser(renamed!, { displayName: 'Renamed Person' });
    emulator.directory.updateUser(disabled!, { accountEnabled: false });
    emulator.directory.deleteUser(deleted!);
    emulator.directory.deleteUser(purged!, { permanently: true });
    const created = emulator.directory.createUser({
      userPrincipalName: 'new@contoso.onmicrosoft.com',
      displayName: 'New',
    });
    const second = await send({ op: 'deltaRound', url: deltaLink });
    expect(allValues(second.pages!)).toEqual([
      { id: renamed, displayName: 'Renamed Person', accountEnabled: true },
      { id: disabled, displayName: 'Given02 Surname02', accountEnabled: false },
      { id: deleted, '@removed': { reason: 'changed' } },
      { id: purged, '@removed': { reason: 'deleted' } },
      { id: created.id, displayName: 'New', accountEnabled: true },
    ]);
    const third = await send({ op: 'deltaRound', url: second.pages!.at(-1)!['@odata.deltaLink']! });
    expect(allValues(third.pages!)).toEqual([]);
  });

  it('splits a big group over several objects and pages of members@delta, then reports member changes', async () => {
    const first = await send({ op: 'deltaRound', url: '/groups/delta?$select=displayName,members', maxPageSize: 2 });
    expect(first.pages!.length).toBeGreaterThan(1);
    const objects = allValues(first.pages!).filter((object) => object['id'] === bigGroupId);
    expect(objects.length).toBeGreaterThan(1);
    const members = objects.flatMap((object) => object['members@delta'] as { id: string; '@odata.type': string }[]);
    // 25 users at the start, 2 deleted by the previous test (they left the group), plus the nested group.
    expect(members).toHaveLength(24);
    expect(members.filter((member) => member['@odata.type'] === '#microsoft.graph.group')).toHaveLength(1);
    const leaver = members.find((member) => member['@odata.type'] === '#microsoft.graph.user')!.id;
    emulator.directory.removeMember(bigGroupId, leaver);
    emulator.directory.updateGroup(bigGroupId, { displayName: 'Everyone at Contoso' });
    const second = await send({ op: 'deltaRound', url: first.pages!.at(-1)!['@odata.deltaLink']! });
    expect(allValues(second.pages!)).toEqual([
      {
        id: bigGroupId,
        displayName: 'Everyone at Contoso',
        'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: leaver, '@removed': { reason: 'deleted' } }],
      },
    ]);
  });

  it('answers 410 Gone syncStateNotFound for a delta token once tokens are expired', async () => {
    const first = await send({ op: 'deltaRound', url: '/users/delta?$select=displayName' });
    emulator.expireDeltaTokens();
    const second = await send({ op: 'deltaRound', url: first.pages!.at(-1)!['@odata.deltaLink']! });
    expect(second.error).toMatchObject({ statusCode: 410, code: 'syncStateNotFound' });
  });

  it('throttles with 429 and Retry-After, which the Graph client retry middleware waits out', async () => {
    emulator.clearRequests();
    emulator.throttleNext({ status: 429, retryAfterSeconds: 1, match: { service: 'graph', url: /^\/v1\.0\/users\?/ } });
    const started = Date.now();
    const answer = await send({ op: 'get', url: '/users?$top=3&$select=displayName' });
    expect(answer.body?.value).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(emulator.requests({ service: 'graph' }).map((r) => r.status)).toEqual([429, 200]);
  });

  it('authenticates a certificate credential by its signed client assertion', async () => {
    const key = join(workDir, 'app.key');
    const cert = join(workDir, 'app.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=dirsync-app',
      ],
      { stdio: 'pipe' },
    );
    const certificatePem = readFileSync(cert, 'utf8');
    writeFileSync(join(workDir, 'app-with-key.pem'), `${readFileSync(key, 'utf8')}${certificatePem}`);
    emulator.registerApp({ tenantId: TENANT, clientId: CERT_CLIENT, certificatePem, roles: ['User.Read.All'] });
    const answer = await send({
      op: 'init',
      ...endpoints,
      tenantId: TENANT,
      clientId: CERT_CLIENT,
      certificatePath: join(workDir, 'app-with-key.pem'),
    });
    expect(answer.ok).toBe(true);
    const token = await send({ op: 'token' });
    expect(token.error).toBeUndefined();
    expect(token.roles).toEqual(['User.Read.All']);
    await init({ clientSecret: SECRET });
  });
});

describe('GraphEmulator wire details (in-process HTTPS trusting the CA)', () => {
  it('answers the documented AADSTS errors with their statuses', async () => {
    const unknownTenant = await tokenFor(CLIENT, SECRET, 'contoso-unknown');
    expect(unknownTenant.status).toBe(400);
    expect(unknownTenant.body).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    const unknownApp = await tokenFor('00000000-0000-0000-0000-000000000001', SECRET);
    expect(unknownApp.status).toBe(400);
    expect(String(unknownApp.body['error_description'])).toMatch(/^AADSTS700016: Application with identifier/);
    const badSecret = await tokenFor(CLIENT, 'wrong');
    expect(badSecret.status).toBe(401);
    expect(badSecret.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(Object.keys(badSecret.body)).toEqual(
      expect.arrayContaining(['error_description', 'timestamp', 'trace_id', 'correlation_id']),
    );
  });

  it('denies a resource whose application permission was not granted with 403 Authorization_RequestDenied', async () => {
    emulator.registerApp({ tenantId: TENANT, clientId: 'users-only', clientSecret: 's', roles: ['User.Read.All'] });
    const token = String((await tokenFor('users-only', 's')).body['access_token']);
    const groups = await direct('GET', `${endpoints.graphBaseUrl}/groups`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(groups.status).toBe(403);
    expect(groups.body).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });
    const noToken = await direct('GET', `${endpoints.graphBaseUrl}/users`);
    expect(noToken.status).toBe(401);
  });

  it('answers $deltatoken=latest with no objects and a deltaLink, echoing Preference-Applied', async () => {
    const token = String((await tokenFor(CLIENT, SECRET)).body['access_token']);
    const auth = { authorization: `Bearer ${token}` };
    const latest = await direct('GET', `${endpoints.graphBaseUrl}/users/delta?$deltatoken=latest`, { headers: auth });
    expect(latest.body['value']).toEqual([]);
    expect(latest.body['@odata.deltaLink']).toContain('$deltatoken=');
    const paged = await direct('GET', `${endpoints.graphBaseUrl}/users/delta`, {
      headers: { ...auth, prefer: 'odata.maxpagesize=5' },
    });
    expect(paged.headers['preference-applied']).toBe('odata.maxpagesize=5');
    expect(paged.body['value']).toHaveLength(5);
    const gone = await direct('GET', `${endpoints.graphBaseUrl}/users/delta?$deltatoken=bogus`, { headers: auth });
    expect(gone.status).toBe(410);
  });
});

describe('GraphEmulator nested groups, enterprise app assignments and extension attributes (in-process HTTPS)', () => {
  const APP_CLIENT = 'a7b6c5d4-e3f2-4a1b-9c8d-7e6f5a4b3c2d';
  const EXTENSION = 'extension_0a1b2c3d4e5f40718293a4b5c6d7e8f9_costCenter';
  let auth: Record<string, string>;
  const get = async (path: string) => direct('GET', `${endpoints.graphBaseUrl}${path}`, { headers: auth });
  const values = (answer: DirectAnswer) => answer.body['value'] as Record<string, unknown>[];

  beforeAll(async () => {
    emulator.registerApp({
      tenantId: TENANT,
      clientId: APP_CLIENT,
      clientSecret: SECRET,
      roles: ['User.Read.All', 'GroupMember.Read.All', 'Application.Read.All'],
    });
    auth = { authorization: `Bearer ${String((await tokenFor(APP_CLIENT, SECRET)).body['access_token'])}` };
  });

  it('lists direct members (all, or of one type by OData cast) and, paged, transitive members once each, typed', async () => {
    const d = emulator.directory;
    const outer = d.createGroup({ displayName: 'Outer' });
    const middle = d.createGroup({ displayName: 'Middle' });
    const inner = d.createGroup({ displayName: 'Inner' });
    const [a, b, c] = userIds.slice(10, 13) as [string, string, string];
    d.addMember(outer.id, a);
    d.addMember(outer.id, middle.id);
    d.addMember(middle.id, b);
    d.addMember(middle.id, inner.id);
    d.addMember(inner.id, c);
    d.addMember(inner.id, a);
    d.addMember(inner.id, outer.id); // a cycle: listed once, the walk ends
    const directMembers = await get(`/groups/${outer.id}/members?$select=id`);
    expect(values(directMembers)).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: a },
      { '@odata.type': '#microsoft.graph.group', id: middle.id },
    ]);
    const users = await get(`/groups/${middle.id}/members/microsoft.graph.user?$select=userPrincipalName,${EXTENSION}`);
    expect(values(users)).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: b, userPrincipalName: 'user12@contoso.onmicrosoft.com' },
    ]);
    const groups = await get(`/groups/${middle.id}/members/microsoft.graph.group?$select=id`);
    expect(values(groups)).toEqual([{ '@odata.type': '#microsoft.graph.group', id: inner.id }]);
    expect((await get(`/groups/${middle.id}/members/microsoft.graph.device`)).status).toBe(400);
    const first = await get(`/groups/${outer.id}/transitiveMembers?$select=id&$top=3`);
    const next = String(first.body['@odata.nextLink']);
    expect(next).toContain(`/groups/${outer.id}/transitiveMembers?$skiptoken=`);
    const second = await direct('GET', next, { headers: auth });
    expect(second.body['@odata.nextLink']).toBeUndefined();
    expect([...values(first), ...values(second)].map((member) => [member['@odata.type'], member['id']])).toEqual([
      ['#microsoft.graph.user', a],
      ['#microsoft.graph.group', middle.id],
      ['#microsoft.graph.user', b],
      ['#microsoft.graph.group', inner.id],
      ['#microsoft.graph.user', c],
    ]);
    expect(() => {
      d.addMember(outer.id, outer.id);
    }).toThrow(/cannot be a member of itself/);
    const missing = await get('/groups/00000000-0000-0000-0000-000000000009/transitiveMembers');
    expect(missing.status).toBe(404);
  });

  it('lists the assignments of an enterprise application, paged, in Graph shape; 404 for an unknown one', async () => {
    const sps = emulator.servicePrincipals;
    const app = sps.create({ displayName: 'Dovetail' });
    const group = emulator.directory.createGroup({ displayName: 'Dovetail users' });
    sps.assign(app.id, userIds[14]!);
    sps.assign(app.id, group.id, '5a6b7c8d-0000-4000-8000-00000000000a');
    sps.assign(app.id, sps.create({ displayName: 'Dovetail bot' }).id);
    const first = await get(`/servicePrincipals/${app.id}/appRoleAssignedTo?$top=2`);
    expect(first.status).toBe(200);
    const second = await direct('GET', String(first.body['@odata.nextLink']), { headers: auth });
    const all = [...values(first), ...values(second)];
    expect(all.map((assignment) => [assignment['principalType'], assignment['principalId']])).toEqual([
      ['User', userIds[14]],
      ['Group', group.id],
      ['ServicePrincipal', expect.any(String)],
    ]);
    expect(all[1]).toMatchObject({
      appRoleId: '5a6b7c8d-0000-4000-8000-00000000000a',
      principalDisplayName: 'Dovetail users',
      resourceId: app.id,
      resourceDisplayName: 'Dovetail',
      deletedDateTime: null,
    });
    const selected = await get(`/servicePrincipals/${app.id}/appRoleAssignedTo?$select=principalId,principalType`);
    expect(Object.keys(values(selected)[0]!).sort()).toEqual(['id', 'principalId', 'principalType']);
    sps.unassign(app.id, group.id);
    expect(values(await get(`/servicePrincipals/${app.id}/appRoleAssignedTo`))).toHaveLength(2);
    const unknown = await get('/servicePrincipals/0f0e0d0c-0b0a-4909-8807-060504030201/appRoleAssignedTo');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'Request_ResourceNotFound', innerError: expect.any(Object) } });
  });

  it('denies the assignments without Application.Read.All with 403 Authorization_RequestDenied', async () => {
    const sp = emulator.servicePrincipals.create({ displayName: 'Locked' });
    const answer = await direct('GET', `${endpoints.graphBaseUrl}/servicePrincipals/${sp.id}/appRoleAssignedTo`, {
      headers: { authorization: `Bearer ${String((await tokenFor(CLIENT, SECRET)).body['access_token'])}` },
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });
  });

  it("filters users and groups by id (id eq, id in up to 15), Graph's batched read of known objects", async () => {
    const wanted = [userIds[15]!, userIds[16]!, 'not-a-user'];
    const filter = encodeURIComponent(`id in (${wanted.map((id) => `'${id}'`).join(', ')})`);
    const answer = await get(`/users?$filter=${filter}&$select=userPrincipalName`);
    expect(values(answer).map((user) => user['id'])).toEqual([userIds[15], userIds[16]]);
    expect(Object.keys(values(answer)[0]!).sort()).toEqual(['id', 'userPrincipalName']);
    const one = await get(`/groups?$filter=${encodeURIComponent(`id eq '${bigGroupId}'`)}&$select=displayName`);
    expect(values(one)).toEqual([{ id: bigGroupId, displayName: 'Everyone at Contoso' }]);
    const sixteen = Array.from({ length: 16 }, (_, index) => `'u${index}'`).join(',');
    const tooMany = await get(`/users?$filter=${encodeURIComponent(`id in (${sixteen})`)}`);
    expect(tooMany.status).toBe(400);
    expect(String((tooMany.body['error'] as Record<string, unknown>)['message'])).toContain('Max allowed: 15');
    const other = await get(`/users?$filter=${encodeURIComponent("displayName eq 'x'")}`);
    expect(other.status).toBe(400);
  });

  it('selects the policy properties and extension attributes, leaving out an extension a user has no value for', async () => {
    const d = emulator.directory;
    const withCc = d.createUser({ userPrincipalName: 'cc@contoso.onmicrosoft.com', city: 'Oslo', [EXTENSION]: 'CC-1' });
    const select = `$select=city,businessPhones,employeeType,${EXTENSION}`;
    const first = await get(`/users/${withCc.id}?${select}`);
    expect(first.body).toMatchObject({
      id: withCc.id,
      city: 'Oslo',
      businessPhones: [],
      employeeType: null,
      [EXTENSION]: 'CC-1',
    });
    d.updateUser(withCc.id, { [EXTENSION]: null });
    const cleared = await get(`/users/${withCc.id}?${select}`);
    expect(Object.hasOwn(cleared.body, EXTENSION)).toBe(false);
    expect(cleared.body['city']).toBe('Oslo');
    const unknown = await get(`/users/${withCc.id}?$select=shoeSize`);
    expect(unknown.status).toBe(400);
  });
});
