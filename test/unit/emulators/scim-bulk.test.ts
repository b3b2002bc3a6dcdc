import { afterEach, describe, expect, it } from 'vitest';
import { ScimTestServer } from '../../emulators/scim/scim-test-server.js';
import type { ScimTestServerOptions } from '../../emulators/scim/scim-test-server.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const LIMITS = { maxOperations: 10, maxPayloadSize: 64 * 1024 };

/** One operation's result in a BulkResponse (RFC 7644 §3.7.3). */
interface BulkResult {
  readonly method: string;
  readonly bulkId?: string;
  readonly location?: string;
  readonly version?: string;
  readonly status: string;
  readonly response?: { readonly schemas: string[]; readonly status: string; scimType?: string; detail: string };
}

/** The parts of SCIM bodies the assertions read by name. */
interface Body {
  readonly schemas: string[];
  readonly id: string;
  readonly userName: string;
  readonly displayName?: string;
  readonly status?: string;
  readonly detail: string;
  readonly scimType?: string;
  readonly members?: readonly { readonly value: string }[];
  readonly meta: { readonly location: string; readonly version: string };
  readonly bulk: unknown;
  readonly Operations: readonly BulkResult[];
}

interface Answer {
  readonly status: number;
  readonly body: Body;
  readonly headers: Headers;
}

let server: ScimTestServer;
let baseUrl: string;

async function start(options: ScimTestServerOptions = { bulk: LIMITS }): Promise<void> {
  server = new ScimTestServer({ token: 'secret-token', ...options });
  baseUrl = await server.start();
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/scim+json',
): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: 'Bearer secret-token',
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text === '' ? undefined : JSON.parse(text)) as Body,
    headers: response.headers,
  };
}

const bulk = (operations: unknown[], extra: Record<string, unknown> = {}): Promise<Answer> =>
  call('POST', '/Bulk', { schemas: [BULK_REQUEST], ...extra, Operations: operations });

/** A bulk that must be answered 200 with a BulkResponse: its results. */
async function bulkResults(operations: unknown[], extra: Record<string, unknown> = {}): Promise<readonly BulkResult[]> {
  const answer = await bulk(operations, extra);
  expect(answer.status).toBe(200);
  expect(answer.body.schemas).toEqual([BULK_RESPONSE]);
  return answer.body.Operations;
}

const createOp = (bulkId: string, userName: string, extra: Record<string, unknown> = {}): unknown => ({
  method: 'POST',
  bulkId,
  path: '/Users',
  data: { schemas: [USER], userName, ...extra },
});

const patchBody = (...operations: unknown[]): unknown => ({ schemas: [PATCH], Operations: operations });

function expectScimError(answer: Answer, status: number, scimType?: string): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toMatchObject({ schemas: [ERROR], status: String(status) });
  expect(typeof answer.body.detail).toBe('string');
  if (scimType !== undefined) expect(answer.body.scimType).toBe(scimType);
}

/** A failed operation's result: its status string and the SCIM error body in `response`. */
function expectFailed(result: BulkResult | undefined, status: number, scimType?: string): void {
  expect(result?.status).toBe(String(status));
  expect(result?.response).toMatchObject({ schemas: [ERROR], status: String(status) });
  expect(typeof result?.response?.detail).toBe('string');
  if (scimType !== undefined) expect(result?.response?.scimType).toBe(scimType);
}

/** The id a successful POST created, read as a client does: the last segment of `location`. */
function idOf(result: BulkResult | undefined): string {
  const location = result?.location;
  expect(location).toMatch(new RegExp(`^${baseUrl}/(Users|Groups)/[^/]+$`));
  return location!.slice(location!.lastIndexOf('/') + 1);
}

afterEach(async () => {
  await server.stop();
});

describe('ScimTestServer /Bulk: discovery and refusal', () => {
  it('says bulk is not supported, and answers POST /Bulk with 501, without the bulk option', async () => {
    await start({});
    const config = await call('GET', '/ServiceProviderConfig');
    expect(config.body.bulk).toEqual({ supported: false, maxOperations: 0, maxPayloadSize: 0 });
    const answer = await bulk([createOp('a', 'a@example.com')]);
    expectScimError(answer, 501);
    expect(server.users()).toEqual([]);
    expect(server.requests()).toMatchObject([{ method: 'GET' }, { method: 'POST', path: '/Bulk', status: 501 }]);
  });

  it('advertises its limits in /ServiceProviderConfig with the bulk option', async () => {
    await start({ bulk: { maxOperations: 25, maxPayloadSize: 4096 } });
    const config = await call('GET', '/ServiceProviderConfig');
    expect(config.body.bulk).toEqual({ supported: true, maxOperations: 25, maxPayloadSize: 4096 });
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => new ScimTestServer({ bulk: { maxOperations: 0, maxPayloadSize: 10 } })).toThrow(RangeError);
    expect(() => new ScimTestServer({ bulk: { maxOperations: 5, maxPayloadSize: 1.5 } })).toThrow(RangeError);
  });

  it('checks the token and the Content-Type of the outer request, and allows POST only', async () => {
    await start();
    const wrongToken = await fetch(`${baseUrl}/Bulk`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope', 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [BULK_REQUEST], Operations: [createOp('a', 'a@example.com')] }),
    });
    expect(wrongToken.status).toBe(401);
    const text = await call(
      'POST',
      '/Bulk',
      JSON.stringify({ schemas: [BULK_REQUEST], Operations: [createOp('a', 'a@example.com')] }),
      'text/plain',
    );
    expectScimError(text, 415);
    const get = await call('GET', '/Bulk');
    expectScimError(get, 405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(server.users()).toEqual([]);
  });
});

describe('ScimTestServer /Bulk (strict)', () => {
  it('creates users, each answered 201 with its bulkId, location and version, and no response body', async () => {
    await start();
    const results = await bulkResults([
      createOp('u1', 'one@example.com'),
      createOp('u2', 'two@example.com', { displayName: 'Two' }),
      createOp('u3', 'three@example.com'),
    ]);
    expect(results).toHaveLength(3);
    expect(results.map((result) => [result.method, result.bulkId, result.status])).toEqual([
      ['POST', 'u1', '201'],
      ['POST', 'u2', '201'],
      ['POST', 'u3', '201'],
    ]);
    for (const result of results) expect(result).not.toHaveProperty('response');
    const ids = results.map((result) => idOf(result));
    expect(new Set(ids).size).toBe(3);
    const two = await call('GET', `/Users/${ids[1]!}`);
    expect(two.status).toBe(200);
    expect(two.body).toMatchObject({ userName: 'two@example.com', displayName: 'Two' });
    expect(results[1]?.location).toBe(two.body.meta.location);
    expect(results[1]?.version).toBe(two.body.meta.version);
    expect(server.users().map((user) => user.userName)).toEqual([
      'one@example.com',
      'two@example.com',
      'three@example.com',
    ]);
  });

  it('answers 409 uniqueness, as a single POST would, for a duplicate inside the bulk and against an existing user', async () => {
    await start();
    server.seedUser({ userName: 'taken@example.com' });
    const results = await bulkResults([
      createOp('a', 'fresh@example.com'),
      createOp('b', 'FRESH@example.com'),
      createOp('c', 'taken@example.com'),
      createOp('d', 'after@example.com'),
    ]);
    expect(results.map((result) => result.status)).toEqual(['201', '409', '409', '201']);
    expectFailed(results[1], 409, 'uniqueness');
    expectFailed(results[2], 409, 'uniqueness');
    // A failed POST has no location (RFC 7644 §3.7.3); the failure is what the single request answers.
    expect(results[1]).not.toHaveProperty('location');
    expect(results[2]?.bulkId).toBe('c');
    const single = await call('POST', '/Users', { schemas: [USER], userName: 'taken@example.com' });
    expect(results[2]?.response).toEqual(single.body);
    expect(server.users()).toHaveLength(3);
  });

  it('resolves bulkId references in data and in paths to the ids created earlier in the same bulk', async () => {
    await start();
    const results = await bulkResults([
      createOp('ada', 'ada@example.com'),
      createOp('bob', 'bob@example.com'),
      {
        method: 'POST',
        bulkId: 'team',
        path: '/Groups',
        data: { schemas: [GROUP], displayName: 'Team', members: [{ value: 'bulkId:ada' }] },
      },
      {
        method: 'PATCH',
        path: '/Groups/bulkId:team',
        data: patchBody({ op: 'add', path: 'members', value: [{ value: 'bulkId:bob' }] }),
      },
    ]);
    expect(results.map((result) => result.status)).toEqual(['201', '201', '201', '200']);
    const [ada, bob, team] = [idOf(results[0]), idOf(results[1]), idOf(results[2])];
    expect(results[3]?.location).toBe(`${baseUrl}/Groups/${team}`);
    expect(server.group(team)?.members?.map((member) => member.value)).toEqual([ada, bob]);
    // The log holds each operation as the request it stood for, references resolved.
    const patchLogged = server.requests({ method: 'PATCH', viaBulk: true })[0];
    expect(patchLogged?.path).toBe(`/Groups/${team}`);
    expect(JSON.stringify(patchLogged?.requestBody)).toContain(bob);
    expect(JSON.stringify(patchLogged?.requestBody)).not.toContain('bulkId:');
  });

  it('fails an operation whose bulkId reference is unknown, later or failed with 409 invalidValue', async () => {
    await start();
    const results = await bulkResults([
      {
        method: 'POST',
        bulkId: 'early',
        path: '/Groups',
        data: { schemas: [GROUP], displayName: 'Early', members: [{ value: 'bulkId:late' }] },
      },
      createOp('late', 'late@example.com'),
      createOp('broken', 'broken@example.com', { active: 'yes' }),
      {
        method: 'POST',
        bulkId: 'g',
        path: '/Groups',
        data: { schemas: [GROUP], displayName: 'G', members: [{ value: 'bulkId:broken' }] },
      },
      { method: 'DELETE', path: '/Users/bulkId:nowhere' },
    ]);
    expect(results.map((result) => result.status)).toEqual(['409', '201', '400', '409', '409']);
    expectFailed(results[0], 409, 'invalidValue');
    expectFailed(results[2], 400, 'invalidValue');
    expectFailed(results[3], 409, 'invalidValue');
    expect(results[3]?.response?.detail).toContain('failed');
    expectFailed(results[4], 409, 'invalidValue');
    expect(server.groups()).toEqual([]);
    expect(server.users().map((user) => user.userName)).toEqual(['late@example.com']);
  });

  it('stops after failOnErrors errors: the rest is neither performed nor listed', async () => {
    await start();
    const operations = [
      createOp('a', 'a@example.com'),
      createOp('b', 'a@example.com'),
      createOp('c', 'c@example.com'),
      createOp('d', 'c@example.com'),
      createOp('e', 'e@example.com'),
    ];
    const once = await bulkResults(operations, { failOnErrors: 1 });
    expect(once.map((result) => [result.bulkId, result.status])).toEqual([
      ['a', '201'],
      ['b', '409'],
    ]);
    expect(server.users().map((user) => user.userName)).toEqual(['a@example.com']);

    server.reset();
    const twice = await bulkResults(operations, { failOnErrors: 2 });
    expect(twice.map((result) => result.status)).toEqual(['201', '409', '201', '409']);
    expect(server.users().map((user) => user.userName)).toEqual(['a@example.com', 'c@example.com']);

    server.reset();
    const all = await bulkResults(operations);
    expect(all.map((result) => result.status)).toEqual(['201', '409', '201', '409', '201']);
    expectScimError(await bulk(operations, { failOnErrors: 0 }), 400, 'invalidValue');
  });

  it('answers 413 naming the limit for more operations than maxOperations, performing none', async () => {
    await start({ bulk: { maxOperations: 2, maxPayloadSize: 64 * 1024 } });
    const three = [createOp('a', 'a@example.com'), createOp('b', 'b@example.com'), createOp('c', 'c@example.com')];
    const answer = await bulk(three);
    expectScimError(answer, 413);
    expect(answer.body.detail).toBe('The number of operations exceeds maxOperations (2)');
    expect(server.users()).toEqual([]);
    expect(await bulkResults(three.slice(0, 2))).toHaveLength(2);
  });

  it('answers 413 naming the limit for a body of more bytes (UTF-8) than maxPayloadSize, performing none', async () => {
    await start({ bulk: { maxOperations: 10, maxPayloadSize: 300 } });
    const request = (displayName: string): string =>
      JSON.stringify({ schemas: [BULK_REQUEST], Operations: [createOp('a', 'a@example.com', { displayName })] });
    const base = Buffer.byteLength(request(''), 'utf8');
    // At the limit in characters, over it in bytes: "é" is two bytes in UTF-8.
    const accented = request('é'.repeat(300 - base));
    expect(accented.length).toBe(300);
    const answer = await call('POST', '/Bulk', accented);
    expectScimError(answer, 413);
    expect(answer.body.detail).toBe('The size of the bulk operation exceeds the maxPayloadSize (300)');
    expect(server.users()).toEqual([]);
    const exact = await call('POST', '/Bulk', request('e'.repeat(300 - base)));
    expect(exact.status).toBe(200);
    expect(server.users()).toHaveLength(1);
  });

  it('refuses a malformed bulk request with 400 invalidSyntax, performing none of it', async () => {
    await start();
    const good = createOp('ok', 'ok@example.com');
    const malformed: unknown[] = [
      { Operations: [good] },
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [good] },
      { schemas: [BULK_REQUEST], Operations: good },
      { schemas: [BULK_REQUEST] },
      { schemas: [BULK_REQUEST], Operations: [good, { bulkId: 'x', path: '/Users', data: {} }] },
      { schemas: [BULK_REQUEST], Operations: [good, { method: 'POST', bulkId: 'x', data: {} }] },
      { schemas: [BULK_REQUEST], Operations: [good, { method: 'POST', path: '/Users', data: {} }] },
      { schemas: [BULK_REQUEST], Operations: [good, { method: 'GET', path: '/Users' }] },
      { schemas: [BULK_REQUEST], Operations: [good, { method: 'PUT', path: '/Users/x' }] },
      { schemas: [BULK_REQUEST], Operations: [good, createOp('ok', 'other@example.com')] },
      { schemas: [BULK_REQUEST], Operations: [good, 'POST /Users'] },
    ];
    for (const body of malformed) {
      const answer = await call('POST', '/Bulk', body);
      expectScimError(answer, 400, 'invalidSyntax');
    }
    expect(server.users()).toEqual([]);
    expect(server.countRequests({ viaBulk: true })).toBe(0);
  });

  it('performs PATCH, PUT and DELETE operations, honouring version as If-Match', async () => {
    await start();
    const patched = server.seedUser({ userName: 'patched@example.com', displayName: 'Old' });
    const replaced = server.seedUser({ userName: 'replaced@example.com', displayName: 'Old' });
    const deleted = server.seedUser({ userName: 'deleted@example.com' });
    const results = await bulkResults([
      {
        method: 'PATCH',
        path: `/Users/${patched.id}`,
        version: patched.meta.version,
        data: patchBody({ op: 'replace', path: 'displayName', value: 'New' }),
      },
      {
        method: 'PUT',
        path: `/Users/${replaced.id}`,
        data: { schemas: [USER], userName: 'replaced@example.com', title: 'Boss' },
      },
      { method: 'DELETE', path: `/Users/${deleted.id}` },
      { method: 'DELETE', path: '/Users/no-such-id' },
      {
        method: 'PATCH',
        path: `/Users/${patched.id}`,
        version: patched.meta.version,
        data: patchBody({ op: 'replace', path: 'displayName', value: 'Stale' }),
      },
    ]);
    expect(results.map((result) => [result.method, result.status])).toEqual([
      ['PATCH', '200'],
      ['PUT', '200'],
      ['DELETE', '204'],
      ['DELETE', '404'],
      ['PATCH', '412'],
    ]);
    expect(server.user(patched.id)?.displayName).toBe('New');
    expect(results[0]).toMatchObject({
      location: `${baseUrl}/Users/${patched.id}`,
      version: server.user(patched.id)?.meta.version,
    });
    expect(results[0]?.version).not.toBe(patched.meta.version);
    expect(results[0]).not.toHaveProperty('response');
    expect(server.user(replaced.id)).toMatchObject({ title: 'Boss' });
    expect(server.user(replaced.id)?.displayName).toBeUndefined();
    expect(results[2]).toEqual({ method: 'DELETE', location: `${baseUrl}/Users/${deleted.id}`, status: '204' });
    expect(server.user(deleted.id)).toBeUndefined();
    expectFailed(results[3], 404);
    expect(results[3]?.location).toBe(`${baseUrl}/Users/no-such-id`);
    expectFailed(results[4], 412);
  });

  it('with an afterApply reset, performs every operation and then drops the connection', async () => {
    await start();
    server.failNext({ method: 'POST', path: '/Bulk', status: 'reset', afterApply: true });
    await expect(bulk([createOp('a', 'a@example.com'), createOp('b', 'b@example.com')])).rejects.toThrow();
    expect(server.users().map((user) => user.userName)).toEqual(['a@example.com', 'b@example.com']);
    expect(server.requests().map((request) => [request.method, request.path, request.status])).toEqual([
      ['POST', '/Users', 201],
      ['POST', '/Users', 201],
      ['POST', '/Bulk', 'reset'],
    ]);
  });

  it('with a 503 fault, performs nothing', async () => {
    await start();
    server.failNext({ method: 'POST', path: '/Bulk', status: 503 });
    expectScimError(await bulk([createOp('a', 'a@example.com')]), 503);
    expect(server.users()).toEqual([]);
    expect(server.requests()).toMatchObject([{ method: 'POST', path: '/Bulk', status: 503 }]);
    expect(await bulkResults([createOp('a', 'a@example.com')])).toHaveLength(1);
  });

  it('logs each operation as its single request (viaBulk) before the outer one; createdCount counts them', async () => {
    await start();
    await bulkResults([createOp('a', 'Ada@example.com'), createOp('b', 'ada@example.com')]);
    const [created, refused, outer] = server.requests();
    const user = server.userByName('ada@example.com');
    expect(created).toMatchObject({
      method: 'POST',
      path: '/Users',
      query: {},
      status: 201,
      requestBody: { schemas: [USER], userName: 'Ada@example.com' },
      responseBody: { id: user?.id, userName: 'Ada@example.com' },
      responseBytes: 0,
      viaBulk: true,
    });
    expect(refused).toMatchObject({ status: 409, viaBulk: true, responseBody: { scimType: 'uniqueness' } });
    expect(outer).toMatchObject({ method: 'POST', path: '/Bulk', status: 200 });
    expect(outer).not.toHaveProperty('viaBulk');
    expect(outer?.responseBytes).toBeGreaterThan(0);

    expect(server.createdCount('ADA@example.com')).toBe(1);
    expect(server.countRequests({ method: 'POST', path: '/Users' })).toBe(2);
    expect(server.countRequests({ method: 'POST', path: '/Users', viaBulk: true })).toBe(2);
    expect(server.countRequests({ method: 'POST', path: '/Users', viaBulk: false })).toBe(0);
    expect(server.countRequests({ viaBulk: false })).toBe(1);

    // The same user created again (after a delete), once by a single POST: a duplicate create shows as 2.
    expect((await call('DELETE', `/Users/${user!.id}`)).status).toBe(204);
    expect((await call('POST', '/Users', { schemas: [USER], userName: 'ada@example.com' })).status).toBe(201);
    expect(server.createdCount('ada@example.com')).toBe(2);
    expect(server.countRequests({ method: 'POST', path: '/Users', status: 201, viaBulk: false })).toBe(1);
  });
});

describe('ScimTestServer /Bulk applies the provider’s rules as single requests do', () => {
  it('limited: refuses members on group create and PATCH by path, and answers a PATCH 204', async () => {
    await start({ mode: 'limited', bulk: LIMITS });
    const user = server.seedUser({ userName: 'lim@example.com' });
    const withMembers = { schemas: [GROUP], displayName: 'G', members: [{ value: user.id }] };
    const byPath = patchBody({ op: 'replace', path: 'active', value: false });
    const byValue = patchBody({ op: 'replace', value: { active: false } });
    const results = await bulkResults([
      { method: 'POST', bulkId: 'g', path: '/Groups', data: withMembers },
      { method: 'PATCH', path: `/Users/${user.id}`, data: byPath },
      { method: 'PATCH', path: `/Users/${user.id}`, data: byValue },
      { method: 'PUT', path: `/Users/${user.id}`, data: { schemas: [USER], userName: 'lim@example.com' } },
    ]);
    expect(results.map((result) => result.status)).toEqual(['400', '400', '204', '501']);
    expectFailed(results[0], 400, 'invalidSyntax');
    expectFailed(results[1], 400, 'invalidPath');
    expect(results[2]).toEqual({ method: 'PATCH', location: `${baseUrl}/Users/${user.id}`, status: '204' });
    expectFailed(results[3], 501);
    // The same requests outside a bulk answer the same.
    expect((await call('POST', '/Groups', withMembers)).body).toEqual(results[0]?.response);
    expect((await call('PATCH', `/Users/${user.id}`, byPath)).body).toEqual(results[1]?.response);
    expect(server.groups()).toEqual([]);
    expect(server.user(user.id)?.active).toBe(false);
  });

  it('dovetail: refuses a displayName over 100 characters and group DELETE, as outside a bulk', async () => {
    await start({ dialect: 'dovetail', bulk: LIMITS });
    const group = server.seedGroup({ displayName: 'Kept' });
    const long = { schemas: [USER], userName: 'long@example.com', displayName: 'x'.repeat(101) };
    const results = await bulkResults([
      { method: 'POST', bulkId: 'long', path: '/Users', data: long },
      { method: 'DELETE', path: `/Groups/${group.id}` },
      createOp('fine', 'fine@example.com', { role: 'VIEWER' }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['400', '501', '201']);
    expectFailed(results[0], 400, 'invalidValue');
    expect((await call('POST', '/Users', long)).body).toEqual(results[0]?.response);
    expect(server.group(group.id)).toBeDefined();
    expect(server.users().map((user) => user.userName)).toEqual(['fine@example.com']);
  });
});
