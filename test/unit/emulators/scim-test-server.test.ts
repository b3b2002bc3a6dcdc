import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScimTestServer } from '../../emulators/scim/scim-test-server.js';
import type { ScimTestServerOptions } from '../../emulators/scim/scim-test-server.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The parts of SCIM bodies the assertions read by name; the rest is compared with toMatchObject/toEqual. */
interface Body {
  readonly id: string;
  readonly userName: string;
  readonly displayName?: string;
  readonly title?: string;
  readonly active?: boolean;
  readonly name?: unknown;
  readonly members?: unknown;
  readonly detail: string;
  readonly scimType?: string;
  readonly meta: {
    readonly resourceType: string;
    readonly created: string;
    readonly lastModified: string;
    readonly location: string;
    readonly version: string;
  };
  readonly Resources: readonly Body[];
  readonly itemsPerPage: number;
  readonly totalResults: number;
  readonly startIndex: number;
}

interface Answer {
  readonly status: number;
  /** Parsed for assertions; the emulator's own parsing is what is under test. */
  readonly body: Body;
  readonly headers: Headers;
}

let server: ScimTestServer;
let baseUrl: string;

async function start(options: ScimTestServerOptions = {}): Promise<void> {
  server = new ScimTestServer({ token: 'secret-token', ...options });
  baseUrl = await server.start();
}

async function call(method: string, path: string, body?: unknown, token = 'secret-token'): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text === '' ? undefined : JSON.parse(text)) as Body,
    headers: response.headers,
  };
}

const list = (path: string, query: Record<string, string>): Promise<Answer> =>
  call('GET', `${path}?${new URLSearchParams(query).toString()}`);

function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [USER], userName, ...extra };
}

async function createUser(userName: string, extra: Record<string, unknown> = {}): Promise<Body> {
  const answer = await call('POST', '/Users', userBody(userName, extra));
  expect(answer.status).toBe(201);
  return answer.body;
}

const patch = (path: string, ...operations: unknown[]): Promise<Answer> =>
  call('PATCH', path, { schemas: [PATCH], Operations: operations });

function expectScimError(answer: Answer, status: number, scimType?: string): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toMatchObject({ schemas: [ERROR], status: String(status) });
  expect(typeof answer.body.detail).toBe('string');
  if (scimType !== undefined) expect(answer.body.scimType).toBe(scimType);
}

afterEach(async () => {
  await server.stop();
});

describe('ScimTestServer (strict)', () => {
  beforeEach(async () => {
    await start();
  });

  describe('auth and discovery', () => {
    it('answers 401 with a SCIM error and a Bearer challenge to a missing or wrong token', async () => {
      const wrong = await call('GET', '/Users', undefined, 'not-the-token');
      expectScimError(wrong, 401);
      expect(wrong.headers.get('www-authenticate')).toContain('invalid_token');
      const missing = await fetch(`${baseUrl}/Users`);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect(server.users()).toEqual([]);
    });

    it('describes itself in /ServiceProviderConfig: PATCH and filters supported, page size as maxResults', async () => {
      const answer = await call('GET', '/ServiceProviderConfig');
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
        patch: { supported: true },
        filter: { supported: true, maxResults: 50 },
        bulk: { supported: false },
      });
    });

    it('answers 404 with a SCIM error for unknown ids and endpoints', async () => {
      expectScimError(await call('GET', '/Users/no-such-id'), 404);
      expectScimError(await patch('/Groups/no-such-id', { op: 'remove', path: 'members' }), 404);
      expectScimError(await call('DELETE', '/Users/no-such-id'), 404);
      expectScimError(await call('GET', '/Nothing'), 404);
    });
  });

  describe('users', () => {
    it('creates a user with meta, Location and ETag, and reads it back', async () => {
      const answer = await call(
        'POST',
        '/Users',
        userBody('Ada@Example.com', {
          externalId: 'okta-1',
          name: { givenName: 'Ada', familyName: 'Lovelace' },
          emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
          active: true,
        }),
      );
      expect(answer.status).toBe(201);
      const created = answer.body;
      expect(created).toMatchObject({ schemas: [USER], userName: 'Ada@Example.com', externalId: 'okta-1' });
      expect(created.meta).toMatchObject({ resourceType: 'User', location: `${baseUrl}/Users/${created.id}` });
      expect(Date.parse(created.meta.created)).not.toBeNaN();
      expect(created.meta.lastModified).toBe(created.meta.created);
      expect(answer.headers.get('location')).toBe(created.meta.location);
      expect(answer.headers.get('etag')).toBe(created.meta.version);
      expect(answer.headers.get('content-type')).toContain('application/scim+json');
      expect((await call('GET', `/Users/${created.id}`)).body).toEqual(created);
    });

    it('refuses a second userName that differs only in case with 409 uniqueness', async () => {
      await createUser('ada@example.com');
      expectScimError(await call('POST', '/Users', userBody('ADA@example.COM')), 409, 'uniqueness');
      expect(server.users()).toHaveLength(1);
    });

    it('refuses bodies that do not fit the schema', async () => {
      expectScimError(await call('POST', '/Users', { schemas: [USER] }), 400, 'invalidValue');
      expectScimError(await call('POST', '/Users', { userName: 'x' }), 400, 'invalidSyntax');
      expectScimError(await call('POST', '/Users', userBody('x', { favouriteColour: 'red' })), 400, 'invalidSyntax');
      expectScimError(await call('POST', '/Users', userBody('x', { active: 'true' })), 400, 'invalidValue');
      const twoPrimaries = {
        emails: [
          { value: 'a@x', primary: true },
          { value: 'b@x', primary: true },
        ],
      };
      expectScimError(await call('POST', '/Users', userBody('x', twoPrimaries)), 400, 'invalidValue');
      const notJson = await fetch(`${baseUrl}/Users`, {
        method: 'POST',
        headers: { authorization: 'Bearer secret-token', 'content-type': 'application/json' },
        body: '{"userName":',
      });
      expect(notJson.status).toBe(400);
      expect(server.users()).toEqual([]);
    });

    it('ignores read-only attributes a client sends (RFC 7643 §2.2)', async () => {
      const created = await createUser('ro@example.com', { id: 'chosen-by-client', meta: { resourceType: 'X' } });
      expect(created.id).not.toBe('chosen-by-client');
      expect(created.meta.resourceType).toBe('User');
    });

    it('replaces a user with PUT, dropping what the body leaves out', async () => {
      const created = await createUser('put@example.com', { displayName: 'Old', title: 'Boss' });
      const answer = await call('PUT', `/Users/${created.id}`, userBody('put@example.com', { displayName: 'New' }));
      expect(answer.status).toBe(200);
      expect(answer.body.displayName).toBe('New');
      expect(answer.body.title).toBeUndefined();
      expect(answer.body.meta.created).toBe(created.meta.created);
      expect(answer.body.meta.version).not.toBe(created.meta.version);
    });

    it('deletes a user, answers 404 afterwards, and takes it out of its groups', async () => {
      const user = await createUser('gone@example.com');
      const other = await createUser('stays@example.com');
      const members = [{ value: user.id }, { value: other.id }];
      const group = (await call('POST', '/Groups', { schemas: [GROUP], displayName: 'G', members })).body;
      expect((await call('DELETE', `/Users/${user.id}`)).status).toBe(204);
      expectScimError(await call('GET', `/Users/${user.id}`), 404);
      expect(server.group(group.id)?.members?.map((member) => member.value)).toEqual([other.id]);
    });

    it('honours If-Match with 412 on a stale version (RFC 7644 §3.14)', async () => {
      const created = await createUser('etag@example.com');
      await patch(`/Users/${created.id}`, { op: 'replace', value: { displayName: 'Changed' } });
      const stale = await fetch(`${baseUrl}/Users/${created.id}`, {
        method: 'DELETE',
        headers: { authorization: 'Bearer secret-token', 'if-match': created.meta.version },
      });
      expect(stale.status).toBe(412);
      expect(server.user(created.id)).toBeDefined();
    });
  });

  describe('filters', () => {
    beforeEach(async () => {
      await createUser('Ada@Example.com', {
        externalId: 'Okta-ABC',
        displayName: 'Ada Lovelace',
        emails: [
          { value: 'ada@example.com', type: 'work', primary: true },
          { value: 'ada@home.example', type: 'home' },
        ],
        active: true,
      });
      await createUser('grace@example.com', { externalId: 'okta-abc', displayName: 'Grace Hopper', active: false });
      await createUser('quote"back\\slash@example.com', { displayName: 'Zoë Ünïcode' });
    });

    const names = async (filter: string): Promise<string[]> => {
      const answer = await list('/Users', { filter });
      expect(answer.status).toBe(200);
      return answer.body.Resources.map((user) => user.userName);
    };

    it('matches userName case-insensitively (caseExact false) and externalId case-exactly', async () => {
      expect(await names('userName eq "ADA@example.com"')).toEqual(['Ada@Example.com']);
      expect(await names('USERNAME Eq "ada@example.com"')).toEqual(['Ada@Example.com']);
      expect(await names('externalId eq "okta-abc"')).toEqual(['grace@example.com']);
      expect(await names('externalId eq "OKTA-ABC"')).toEqual([]);
    });

    it('filters on displayName, emails.value, id, active and the schema-qualified name', async () => {
      const ada = server.userByName('ada@example.com')!;
      expect(await names('displayName eq "grace hopper"')).toEqual(['grace@example.com']);
      expect(await names('emails.value eq "ADA@HOME.EXAMPLE"')).toEqual(['Ada@Example.com']);
      expect(await names(`id eq "${ada.id}"`)).toEqual(['Ada@Example.com']);
      expect(await names('active eq false')).toEqual(['grace@example.com']);
      expect(await names(`${USER}:userName eq "grace@example.com"`)).toEqual(['grace@example.com']);
      expect(await names('meta.created gt "2000-01-01T00:00:00Z" and name pr')).toEqual([]);
      expect(await names('meta.created lt "2000-01-01T00:00:00Z"')).toEqual([]);
      expect(await names('meta.lastModified ge "2000-01-01T00:00:00Z"')).toHaveLength(3);
    });

    it('combines with and/or/not and value filters, and/or precedence as in RFC 7644 §3.4.2.2', async () => {
      expect(await names('userName sw "ada" and active eq true')).toEqual(['Ada@Example.com']);
      expect(await names('userName sw "ada" and active eq false')).toEqual([]);
      expect(await names('active eq false or userName sw "ada" and displayName co "xyz"')).toEqual([
        'grace@example.com',
      ]);
      expect(await names('not (userName sw "ada") and displayName pr')).toEqual([
        'grace@example.com',
        'quote"back\\slash@example.com',
      ]);
      expect(await names('emails[type eq "home" and value ew ".example"]')).toEqual(['Ada@Example.com']);
      expect(await names('emails[type eq "work" and value ew ".example"]')).toEqual([]);
    });

    it('reads JSON escapes and non-ASCII in quoted values', async () => {
      expect(await names('userName eq "quote\\"back\\\\slash@example.com"')).toEqual(['quote"back\\slash@example.com']);
      expect(await names('displayName eq "zoë ünïcode"')).toEqual(['quote"back\\slash@example.com']);
      expect(await names('displayName eq "Zo\\u00eb \\u00dcn\\u00efcode"')).toEqual(['quote"back\\slash@example.com']);
    });

    it.each([
      ['an unknown attribute', 'shoeSize eq "42"'],
      ['a missing value', 'userName eq'],
      ['an unterminated string', 'userName eq "ada'],
      ['an unknown operator', 'userName like "ada"'],
      ['an unquoted string', 'userName eq ada'],
      ['an ordering operator on a boolean', 'active gt true'],
      ['a string compared with a boolean attribute', 'active eq "true"'],
      ['trailing garbage', 'userName eq "a" "b"'],
      ['an unbalanced parenthesis', '(userName eq "a"'],
      ['an empty filter', ''],
    ])('answers 400 invalidFilter to %s', async (_why, filter) => {
      expectScimError(await list('/Users', { filter }), 400, 'invalidFilter');
    });
  });

  describe('paging', () => {
    beforeEach(() => {
      for (let i = 0; i < 120; i++) server.seedUser({ userName: `user${String(i).padStart(3, '0')}@example.com` });
    });

    it('caps pages at the provider maximum so that clients must page, with 1-based startIndex', async () => {
      const first = await list('/Users', {});
      expect(first.body).toMatchObject({ totalResults: 120, startIndex: 1, itemsPerPage: 50 });
      expect(first.body.Resources).toHaveLength(50);
      const asked = await list('/Users', { count: '500' });
      expect(asked.body.itemsPerPage).toBe(50);
      const last = await list('/Users', { startIndex: '101', count: '50' });
      expect(last.body).toMatchObject({ totalResults: 120, startIndex: 101, itemsPerPage: 20 });
      expect(last.body.Resources[0]?.userName).toBe('user100@example.com');
    });

    it('reads startIndex < 1 as 1 and a negative count as 0 (RFC 7644 §3.4.2.4)', async () => {
      const zero = await list('/Users', { startIndex: '0', count: '2' });
      expect(zero.body.startIndex).toBe(1);
      expect(zero.body.Resources.map((user) => user.userName)).toEqual(['user000@example.com', 'user001@example.com']);
      const none = await list('/Users', { count: '-5' });
      expect(none.body).toMatchObject({ totalResults: 120, itemsPerPage: 0, Resources: [] });
      expectScimError(await list('/Users', { count: 'many' }), 400, 'invalidValue');
    });

    it('pages through filter results too', async () => {
      const answer = await list('/Users', { filter: 'userName sw "user11"', count: '5', startIndex: '6' });
      expect(answer.body).toMatchObject({ totalResults: 10, startIndex: 6, itemsPerPage: 5 });
    });
  });

  describe('PATCH', () => {
    let user: Body;
    beforeEach(async () => {
      user = await createUser('patch@example.com', {
        externalId: 'ext-1',
        displayName: 'Pat Ch',
        name: { givenName: 'Pat', familyName: 'Ch' },
        emails: [{ value: 'patch@example.com', type: 'work', primary: true }],
        active: true,
      });
    });

    it('replaces attributes without a path from an object value, op names case-insensitive, merging name', async () => {
      const answer = await patch(`/Users/${user.id}`, {
        op: 'Replace',
        value: { displayName: 'Patricia', name: { givenName: 'Patricia' }, active: false },
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ displayName: 'Patricia', active: false });
      // RFC 7644 §3.5.2.3: sub-attributes not in the value are left unchanged.
      expect(answer.body.name).toEqual({ givenName: 'Patricia', familyName: 'Ch' });
      expect(answer.body.meta.lastModified >= user.meta.lastModified).toBe(true);
    });

    it('replaces by path: a sub-attribute, a filtered multi-valued sub-attribute, a simple attribute', async () => {
      const answer = await patch(
        `/Users/${user.id}`,
        { op: 'replace', path: 'name.familyName', value: 'Chen' },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'pat.chen@example.com' },
        { op: 'add', path: 'userName', value: 'pat.chen@example.com' },
      );
      expect(answer.status).toBe(200);
      expect(server.user(user.id)).toMatchObject({
        userName: 'pat.chen@example.com',
        name: { givenName: 'Pat', familyName: 'Chen' },
        emails: [{ value: 'pat.chen@example.com', type: 'work', primary: true }],
      });
    });

    it('demotes the old primary when a new primary value is added (RFC 7644 §3.5.2)', async () => {
      await patch(`/Users/${user.id}`, {
        op: 'add',
        path: 'emails',
        value: [{ value: 'new@example.com', type: 'home', primary: true }],
      });
      expect(server.user(user.id)?.emails).toEqual([
        { value: 'patch@example.com', type: 'work', primary: false },
        { value: 'new@example.com', type: 'home', primary: true },
      ]);
    });

    it('is atomic: one failing operation leaves the resource as it was', async () => {
      const answer = await patch(
        `/Users/${user.id}`,
        { op: 'replace', path: 'displayName', value: 'Should not stick' },
        { op: 'replace', path: 'emails[type eq "home"].value', value: 'x@example.com' },
      );
      expectScimError(answer, 400, 'noTarget');
      expect(server.user(user.id)?.displayName).toBe('Pat Ch');
    });

    it('answers 409 uniqueness when a PATCH takes another user’s userName', async () => {
      await createUser('taken@example.com');
      const answer = await patch(`/Users/${user.id}`, { op: 'replace', value: { userName: 'TAKEN@example.com' } });
      expectScimError(answer, 409, 'uniqueness');
    });

    it.each([
      ['an unknown attribute', { op: 'replace', path: 'shoeSize', value: '42' }, 'invalidPath'],
      ['a malformed value filter', { op: 'replace', path: 'emails[type eq].value', value: 'x' }, 'invalidPath'],
      ['an unclosed value filter', { op: 'replace', path: 'emails[type eq "work"', value: 'x' }, 'invalidPath'],
      [
        'a multi-valued sub-attribute without filter',
        { op: 'replace', path: 'emails.value', value: 'x' },
        'invalidPath',
      ],
      ['a filter that matches nothing', { op: 'replace', path: 'emails[type eq "home"]', value: {} }, 'noTarget'],
      ['remove without a path', { op: 'remove' }, 'noTarget'],
      ['remove with a value', { op: 'remove', path: 'emails', value: [{ value: 'x' }] }, 'invalidSyntax'],
      ['an unknown op', { op: 'move', path: 'displayName', value: 'x' }, 'invalidSyntax'],
      ['replace without a value', { op: 'replace', path: 'displayName' }, 'invalidValue'],
      ['a string for a boolean', { op: 'replace', path: 'active', value: 'False' }, 'invalidValue'],
      ['a non-object value without a path', { op: 'replace', value: 'x' }, 'invalidValue'],
      ['a read-only attribute', { op: 'replace', path: 'id', value: 'mine' }, 'mutability'],
      ['removing a required attribute', { op: 'remove', path: 'userName' }, 'mutability'],
    ])('answers 400 to %s', async (_why, operation, scimType) => {
      expectScimError(await patch(`/Users/${user.id}`, operation), 400, scimType);
    });

    it('needs the PatchOp schema and a non-empty Operations list', async () => {
      const answer = await call('PATCH', `/Users/${user.id}`, { Operations: [{ op: 'remove', path: 'title' }] });
      expectScimError(answer, 400, 'invalidSyntax');
      expectScimError(
        await call('PATCH', `/Users/${user.id}`, { schemas: [PATCH], Operations: [] }),
        400,
        'invalidSyntax',
      );
    });
  });

  describe('groups', () => {
    it('creates a group with members, refuses a duplicate displayName (any case) with 409', async () => {
      const a = await createUser('a@example.com');
      const answer = await call('POST', '/Groups', {
        schemas: [GROUP],
        displayName: 'Engineering',
        externalId: 'grp-1',
        members: [{ value: a.id }],
      });
      expect(answer.status).toBe(201);
      expect(answer.body.members).toEqual([{ value: a.id, type: 'User', $ref: `${baseUrl}/Users/${a.id}` }]);
      const duplicate = await call('POST', '/Groups', { schemas: [GROUP], displayName: 'ENGINEERING' });
      expectScimError(duplicate, 409, 'uniqueness');
    });

    it('refuses members that are not users or groups', async () => {
      const answer = await call('POST', '/Groups', {
        schemas: [GROUP],
        displayName: 'G',
        members: [{ value: 'nobody' }],
      });
      expectScimError(answer, 400, 'invalidValue');
    });

    it('adds members by value list without duplicates, removes by value filter, renames', async () => {
      const [a, b, c] = [await createUser('a@x.test'), await createUser('b@x.test'), await createUser('c@x.test')];
      const group = server.seedGroup({ displayName: 'Team', memberIds: [a.id] });
      const added = await patch(`/Groups/${group.id}`, {
        op: 'add',
        path: 'members',
        value: [{ value: a.id }, { value: b.id }, { value: c.id }],
      });
      expect(added.status).toBe(200);
      expect(server.group(group.id)?.members?.map((member) => member.value)).toEqual([a.id, b.id, c.id]);
      const removed = await patch(
        `/Groups/${group.id}`,
        { op: 'remove', path: `members[value eq "${b.id}"]` },
        { op: 'replace', path: 'displayName', value: 'Team 2' },
      );
      expect(removed.status).toBe(200);
      expect(server.group(group.id)).toMatchObject({ displayName: 'Team 2' });
      expect(server.group(group.id)?.members?.map((member) => member.value)).toEqual([a.id, c.id]);
      expectScimError(
        await patch(`/Groups/${group.id}`, { op: 'remove', path: `members[value eq "${b.id}"]` }),
        400,
        'noTarget',
      );
    });

    it('is atomic for members: valid adds and removes followed by a failing operation leave the group as it was', async () => {
      const [a, b, c] = [await createUser('a@x.test'), await createUser('b@x.test'), await createUser('c@x.test')];
      const outsider = await createUser('d@x.test');
      const group = server.seedGroup({ displayName: 'Team', memberIds: [a.id, b.id] });
      const failing: readonly [unknown, string][] = [
        [{ op: 'remove', path: `members[value eq "${outsider.id}"]` }, 'noTarget'],
        [{ op: 'add', path: 'members', value: [{ value: 'nobody' }] }, 'invalidValue'],
        [{ op: 'add', path: 'members', value: [{ value: b.id, type: 'Group' }] }, 'invalidValue'],
        [{ op: 'replace', path: 'displayName', value: '' }, 'invalidValue'],
        [{ op: 'replace', path: 'members', value: [{ value: 'nobody' }] }, 'invalidValue'],
      ];
      for (const [operation, scimType] of failing) {
        const answer = await patch(
          `/Groups/${group.id}`,
          { op: 'add', path: 'members', value: [{ value: c.id }] },
          { op: 'remove', path: `members[value eq "${a.id}"]` },
          { op: 'replace', value: { displayName: 'Renamed' } },
          operation,
        );
        expectScimError(answer, 400, scimType);
        expect(server.group(group.id)).toEqual(group);
      }
    });

    it('puts a member removed and added again in one PATCH at the end, once, and keeps the others in order', async () => {
      const [a, b, c] = [await createUser('a@x.test'), await createUser('b@x.test'), await createUser('c@x.test')];
      const group = server.seedGroup({ displayName: 'Team', memberIds: [a.id, b.id, c.id] });
      const answer = await patch(
        `/Groups/${group.id}`,
        { op: 'remove', path: `members[value eq "${b.id}"]` },
        { op: 'add', path: 'members', value: [{ value: b.id }, { value: a.id }, { value: b.id, display: 'B' }] },
      );
      expect(answer.status).toBe(200);
      // The first of two values added in one operation is the one kept (a value already held is not added again).
      expect(server.group(group.id)?.members).toEqual([
        { value: a.id, type: 'User', $ref: `${baseUrl}/Users/${a.id}` },
        { value: c.id, type: 'User', $ref: `${baseUrl}/Users/${c.id}` },
        { value: b.id, type: 'User', $ref: `${baseUrl}/Users/${b.id}` },
      ]);
      expect(answer.body.meta.version).not.toBe(group.meta.version);
    });

    it('never changes what it answered before: a logged answer keeps the members it had', async () => {
      const [a, b] = [await createUser('a@x.test'), await createUser('b@x.test')];
      const group = server.seedGroup({ displayName: 'Team', memberIds: [a.id] });
      const first = await patch(`/Groups/${group.id}`, { op: 'add', path: 'members', value: [{ value: b.id }] });
      const logged = server.requests({ method: 'PATCH' })[0]?.responseBody;
      await patch(`/Groups/${group.id}`, { op: 'remove', path: `members[value eq "${a.id}"]` });
      await call('DELETE', `/Users/${b.id}`);
      expect(logged).toEqual(first.body);
      expect(server.group(group.id)?.members).toBeUndefined();
    });

    it('accepts a rename that repeats the group’s own id in the value, as Okta sends it', async () => {
      const group = server.seedGroup({ displayName: 'Old' });
      const answer = await patch(`/Groups/${group.id}`, { op: 'replace', value: { id: group.id, displayName: 'New' } });
      expect(answer.status).toBe(200);
      expect(server.group(group.id)?.displayName).toBe('New');
    });
  });

  describe('fault injection and inspection', () => {
    it('answers 429 with Retry-After for the chosen writes, the given number of times, without applying them', async () => {
      server.failNext({ method: 'POST', path: '/Users', status: 429, retryAfterSeconds: 1, times: 2 });
      const first = await call('POST', '/Users', userBody('busy@example.com'));
      expectScimError(first, 429);
      expect(first.headers.get('retry-after')).toBe('1');
      expect((await call('GET', '/Users')).status).toBe(200);
      expect((await call('POST', '/Users', userBody('busy@example.com'))).status).toBe(429);
      expect((await call('POST', '/Users', userBody('busy@example.com'))).status).toBe(201);
      expect(server.users()).toHaveLength(1);
      expect(server.createdCount('BUSY@example.com')).toBe(1);
      expect(server.countRequests({ method: 'POST', path: '/Users', status: 429 })).toBe(2);
    });

    it('chooses requests by predicate, and can let the write land before failing the answer', async () => {
      server.failNext({
        status: 500,
        afterApply: true,
        when: (request) => request.method === 'POST' && JSON.stringify(request.body).includes('lost@'),
      });
      expect((await call('POST', '/Users', userBody('fine@example.com'))).status).toBe(201);
      expectScimError(await call('POST', '/Users', userBody('lost@example.com')), 500);
      expect(server.userByName('lost@example.com')).toBeDefined();
      expect(server.pendingFaults()).toBe(0);
    });

    it('drops the connection for status "reset", and clears armed faults on request', async () => {
      server.failNext({ method: 'GET', path: /^\/Users/, status: 'reset' });
      await expect(call('GET', '/Users')).rejects.toThrow();
      server.failNext({ status: 503, times: Infinity });
      expect((await call('GET', '/Users')).status).toBe(503);
      server.clearFaults();
      expect((await call('GET', '/Users')).status).toBe(200);
      expect(server.requests().map((request) => request.status)).toEqual(['reset', 503, 200]);
    });

    it('logs method, path, query, status and bodies, but no headers; seeded objects are not logged', async () => {
      server.seedUser({ userName: 'seeded@example.com', externalId: 'pre-existing' });
      await createUser('logged@example.com');
      await list('/Users', { filter: 'userName eq "seeded@example.com"' });
      const [post, get] = server.requests();
      expect(post).toMatchObject({ method: 'POST', path: '/Users', status: 201 });
      expect(post?.requestBody).toMatchObject({ userName: 'logged@example.com' });
      expect(get).toMatchObject({ method: 'GET', query: { filter: 'userName eq "seeded@example.com"' } });
      expect(JSON.stringify(server.requests())).not.toContain('secret-token');
      expect(server.users().map((user) => user.userName)).toEqual(['seeded@example.com', 'logged@example.com']);
    });
  });

  // Speed is measured by the benches, never asserted here (a loaded CI machine made this flaky): this proves the
  // server keeps every answer and its count right under a few thousand concurrent requests.
  it('serves 500 users and 3 000 concurrent requests, counting every one', async () => {
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, i) => createUser(`perf${batch * 50 + i}@example.com`, { active: true })),
      );
      ids.push(...created.map((user) => user.id));
    }
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        ids.map((id, i) =>
          round % 2 === 0
            ? list('/Users', { filter: `userName eq "perf${i}@example.com"` })
            : patch(`/Users/${id}`, { op: 'replace', value: { displayName: `P ${round}` } }),
        ),
      );
    }
    expect(server.countRequests()).toBe(3000);
    const last = await list('/Users', { filter: 'userName eq "perf499@example.com"' });
    expect(last.body['totalResults']).toBe(1);
  });
});

describe('ScimTestServer (strict): RFC 7643 §4.1 attributes and the enterprise extension (§4.3)', () => {
  const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

  beforeEach(async () => {
    await start();
  });

  it('stores the rest of the core User attributes and the enterprise extension from a POST, its URN in schemas', async () => {
    const attributes = {
      nickName: 'Ada',
      profileUrl: 'https://example.com/ada',
      title: 'Analyst',
      userType: 'Employee',
      preferredLanguage: 'en-GB',
      locale: 'en-GB',
      timezone: 'Europe/London',
      phoneNumbers: [{ value: '+44 20 7946 0000', type: 'work', primary: true }],
      ims: [{ value: 'ada', type: 'xmpp' }],
      photos: [{ value: 'https://example.com/ada.jpg', type: 'photo' }],
      addresses: [{ type: 'work', locality: 'London', postalCode: 'EC1', country: 'GB' }],
      entitlements: [{ value: 'analytics' }],
      roles: [{ value: 'Engineer', primary: true }],
      [ENTERPRISE]: {
        employeeNumber: '42',
        costCenter: 'CC-7',
        organization: 'Acme',
        division: 'Labs',
        department: 'Research',
      },
    };
    const answer = await call('POST', '/Users', {
      ...userBody('ada@example.com', attributes),
      schemas: [USER, ENTERPRISE],
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ schemas: [USER, ENTERPRISE], ...attributes });
    expect((await call('GET', `/Users/${answer.body.id}`)).body).toEqual(answer.body);
  });

  it('refuses an extension whose URN the body leaves out of schemas, an unknown or mistyped extension attribute', async () => {
    expectScimError(
      await call('POST', '/Users', userBody('a@x.test', { [ENTERPRISE]: { department: 'R' } })),
      400,
      'invalidSyntax',
    );
    const withSchemas = (extension: unknown) => ({
      ...userBody('a@x.test', { [ENTERPRISE]: extension }),
      schemas: [USER, ENTERPRISE],
    });
    expectScimError(await call('POST', '/Users', withSchemas({ manager: { value: 'x' } })), 400, 'invalidSyntax');
    expectScimError(await call('POST', '/Users', withSchemas({ department: 7 })), 400, 'invalidValue');
    const other = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
    const unknown = { ...userBody('a@x.test', { [other]: { badge: '1' } }), schemas: [USER, other] };
    expectScimError(await call('POST', '/Users', unknown), 400, 'invalidSyntax');
    expectScimError(await call('POST', '/Users', userBody('a@x.test', { role: 'MANAGER' })), 400, 'invalidSyntax');
    expect(server.users()).toEqual([]);
  });

  it('PATCH without a path merges an extension value under its URN; a part given as null is cleared alone', async () => {
    const user = await createUser('p@x.test', { name: { givenName: 'P', middleName: 'Q', familyName: 'R' } });
    const merged = await patch(`/Users/${user.id}`, {
      op: 'replace',
      value: { [ENTERPRISE]: { department: 'Research', costCenter: 'CC-1' } },
    });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({
      schemas: [USER, ENTERPRISE],
      [ENTERPRISE]: { department: 'Research', costCenter: 'CC-1' },
    });
    await patch(
      `/Users/${user.id}`,
      { op: 'replace', value: { [ENTERPRISE]: { costCenter: null, division: 'Labs' } } },
      { op: 'replace', value: { name: { middleName: null } } },
    );
    expect(server.user(user.id)).toMatchObject({
      [ENTERPRISE]: { department: 'Research', division: 'Labs' },
      name: { givenName: 'P', familyName: 'R' },
    });
    expect(server.user(user.id)?.[ENTERPRISE]).not.toHaveProperty('costCenter');
    expect(server.user(user.id)?.name).not.toHaveProperty('middleName');
  });

  it('PATCH by the path urn:…:User:department replaces and removes; schemas drops the URN once it is empty', async () => {
    const user = await createUser('q@x.test');
    await patch(`/Users/${user.id}`, { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Research' });
    expect(server.user(user.id)?.[ENTERPRISE]).toEqual({ department: 'Research' });
    const filtered = await list('/Users', { filter: `${ENTERPRISE}:department eq "research"` });
    expect(filtered.body.Resources.map((found) => found.userName)).toEqual(['q@x.test']);
    const removed = await patch(`/Users/${user.id}`, { op: 'remove', path: `${ENTERPRISE}:department` });
    expect(removed.body).not.toHaveProperty(ENTERPRISE);
    expect((removed.body as unknown as { schemas: string[] }).schemas).toEqual([USER]);
    expectScimError(
      await patch(`/Users/${user.id}`, { op: 'replace', path: `${ENTERPRISE}:manager`, value: 'x' }),
      400,
      'invalidPath',
    );
  });

  it('PUT replaces the extension with the body’s, and clears it when the body leaves it out', async () => {
    const user = await createUser('r@x.test', { title: 'Boss' });
    const body = { ...userBody('r@x.test', { [ENTERPRISE]: { division: 'Labs' } }), schemas: [USER, ENTERPRISE] };
    expect((await call('PUT', `/Users/${user.id}`, body)).body).toMatchObject({ [ENTERPRISE]: { division: 'Labs' } });
    const cleared = await call('PUT', `/Users/${user.id}`, userBody('r@x.test'));
    expect(cleared.body).not.toHaveProperty(ENTERPRISE);
    expect(cleared.body.title).toBeUndefined();
  });

  it('a typed phone number by path: noTarget while there is none, added to the list, then replaced and removed', async () => {
    const user = await createUser('s@x.test', { phoneNumbers: [{ type: 'home', value: '1' }] });
    const work = 'phoneNumbers[type eq "work"]';
    expectScimError(
      await patch(`/Users/${user.id}`, { op: 'replace', path: `${work}.value`, value: '2' }),
      400,
      'noTarget',
    );
    await patch(`/Users/${user.id}`, { op: 'add', path: 'phoneNumbers', value: [{ type: 'work', value: '2' }] });
    await patch(`/Users/${user.id}`, { op: 'replace', path: `${work}.value`, value: '3' });
    expect(server.user(user.id)?.phoneNumbers).toEqual([
      { type: 'home', value: '1' },
      { type: 'work', value: '3' },
    ]);
    await patch(`/Users/${user.id}`, { op: 'remove', path: work });
    expect(server.user(user.id)?.phoneNumbers).toEqual([{ type: 'home', value: '1' }]);
  });
});

describe('ScimTestServer (dovetail): Dovetail’s schema and nothing more', () => {
  const DOVETAIL = 'urn:ietf:params:scim:schemas:extension:dovetail:2.0:User';

  beforeEach(async () => {
    await start({ dialect: 'dovetail' });
  });

  it.each([
    ['title', { title: 'Analyst' }],
    ['phoneNumbers', { phoneNumbers: [{ type: 'work', value: '1' }] }],
    ['roles', { roles: [{ value: 'Engineer' }] }],
    ['nickName', { nickName: 'A' }],
  ])('refuses %s, which Dovetail does not have, on POST and PATCH', async (_name, attribute) => {
    expectScimError(await call('POST', '/Users', userBody('a@x.test', attribute)), 400, 'invalidSyntax');
    const user = await createUser('b@x.test');
    expectScimError(await patch(`/Users/${user.id}`, { op: 'replace', value: attribute }), 400, 'invalidPath');
    expect(server.user(user.id)).not.toHaveProperty(Object.keys(attribute)[0] ?? '');
  });

  it('refuses the enterprise extension', async () => {
    const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    const body = { ...userBody('a@x.test', { [ENTERPRISE]: { department: 'R' } }), schemas: [USER, ENTERPRISE] };
    expectScimError(await call('POST', '/Users', body), 400, 'invalidSyntax');
    const user = await createUser('b@x.test');
    expectScimError(
      await patch(`/Users/${user.id}`, { op: 'replace', path: `${ENTERPRISE}:department`, value: 'R' }),
      400,
      'invalidPath',
    );
  });

  it('takes role and workspaceAdmin by PATCH, without a path and by path, and clears them with null', async () => {
    const user = await createUser('c@x.test', { active: true });
    await patch(`/Users/${user.id}`, {
      op: 'replace',
      value: { role: 'CONTRIBUTOR', [DOVETAIL]: { workspaceAdmin: true } },
    });
    expect(server.user(user.id)).toMatchObject({ role: 'CONTRIBUTOR', [DOVETAIL]: { workspaceAdmin: true } });
    await patch(`/Users/${user.id}`, { op: 'replace', path: `${DOVETAIL}:workspaceAdmin`, value: false });
    expect(server.user(user.id)?.[DOVETAIL]).toEqual({ workspaceAdmin: false });
    expectScimError(await patch(`/Users/${user.id}`, { op: 'replace', value: { role: 'OWNER' } }), 400, 'invalidValue');
    await patch(`/Users/${user.id}`, { op: 'replace', value: { role: null, [DOVETAIL]: { workspaceAdmin: null } } });
    expect(server.user(user.id)).not.toHaveProperty('role');
    expect(server.user(user.id)).not.toHaveProperty(DOVETAIL);
  });
});

describe('ScimTestServer (limited)', () => {
  beforeEach(async () => {
    await start({ mode: 'limited' });
  });

  it('filters users on userName eq only, and groups not at all', async () => {
    await createUser('Only@Example.com', { externalId: 'e-1' });
    const byName = await list('/Users', { filter: 'userName eq "only@example.com"' });
    expect(byName.body.totalResults).toBe(1);
    expectScimError(await list('/Users', { filter: 'externalId eq "e-1"' }), 400, 'invalidFilter');
    expectScimError(await list('/Users', { filter: 'userName sw "only"' }), 400, 'invalidFilter');
    expectScimError(await list('/Users', { filter: 'userName eq "a" and active eq true' }), 400, 'invalidFilter');
    expectScimError(await list('/Groups', { filter: 'displayName eq "x"' }), 400, 'invalidFilter');
  });

  it('says so in /ServiceProviderConfig: patch and filter supported, small maxResults, pages of that size', async () => {
    const config = await call('GET', '/ServiceProviderConfig');
    expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 10 } });
    for (let i = 0; i < 15; i++) server.seedUser({ userName: `u${i}@example.com` });
    expect((await list('/Users', { count: '100' })).body.itemsPerPage).toBe(10);
  });

  it('takes user changes only as replace without a path, answering 204', async () => {
    const user = await createUser('lim@example.com', { name: { givenName: 'L', familyName: 'M' }, active: true });
    const ok = await patch(`/Users/${user.id}`, { op: 'replace', value: { active: false, name: { givenName: 'Li' } } });
    expect(ok.status).toBe(204);
    expect(ok.body).toBeUndefined();
    expect(server.user(user.id)).toMatchObject({ active: false, name: { givenName: 'Li', familyName: 'M' } });
    expectScimError(
      await patch(`/Users/${user.id}`, { op: 'replace', path: 'active', value: true }),
      400,
      'invalidPath',
    );
    expectScimError(
      await patch(`/Users/${user.id}`, { op: 'replace', path: 'emails[type eq "work"].value', value: 'x@y' }),
      400,
      'invalidPath',
    );
  });

  it('takes members only by add of a value list and remove by members[value eq], and no members on create', async () => {
    const [a, b] = [await createUser('a@lim.test'), await createUser('b@lim.test')];
    const withMembers = { schemas: [GROUP], displayName: 'G', members: [{ value: a.id }] };
    expectScimError(await call('POST', '/Groups', withMembers), 400, 'invalidSyntax');
    const group = (await call('POST', '/Groups', { schemas: [GROUP], displayName: 'G' })).body;
    const add = await patch(`/Groups/${group.id}`, {
      op: 'add',
      path: 'members',
      value: [{ value: a.id }, { value: b.id }],
    });
    expect(add.status).toBe(204);
    expect((await patch(`/Groups/${group.id}`, { op: 'remove', path: `members[value eq "${a.id}"]` })).status).toBe(
      204,
    );
    expect(server.group(group.id)?.members?.map((member) => member.value)).toEqual([b.id]);
    const replaceMembers = { op: 'replace', path: 'members', value: [{ value: a.id }] };
    expectScimError(await patch(`/Groups/${group.id}`, replaceMembers), 400, 'invalidPath');
    const removeAll = { op: 'remove', path: 'members' };
    expectScimError(await patch(`/Groups/${group.id}`, removeAll), 400, 'invalidPath');
    expect((await patch(`/Groups/${group.id}`, { op: 'replace', value: { displayName: 'G2' } })).status).toBe(204);
  });

  it('does not implement PUT (501)', async () => {
    const user = await createUser('put@lim.test');
    expectScimError(await call('PUT', `/Users/${user.id}`, userBody('put@lim.test')), 501);
  });
});

describe('ScimTestServer without /ServiceProviderConfig', () => {
  it('answers 404 there, like apps that never implemented discovery', async () => {
    await start({ serviceProviderConfig: false });
    expectScimError(await call('GET', '/ServiceProviderConfig'), 404);
  });
});

describe('ScimTestServer: attributes and excludedAttributes (RFC 7644 §3.9)', () => {
  async function team(): Promise<{ readonly a: Body; readonly group: { readonly id: string } }> {
    const a = await createUser('a@x.test', { name: { givenName: 'A', familyName: 'Z' }, title: 'Eng' });
    return { a, group: server.seedGroup({ displayName: 'Team', externalId: 'g-1', memberIds: [a.id] }) };
  }

  it('leaves out what excludedAttributes names on GET, list, POST, PUT and PATCH answers, never id or schemas', async () => {
    await start();
    const { a, group } = await team();
    const query = '?excludedAttributes=members,id,schemas,meta';
    const got = await call('GET', `/Groups/${group.id}${query}`);
    expect(got.body).toEqual({ schemas: [GROUP], id: group.id, displayName: 'Team', externalId: 'g-1' });
    // The ETag is the group's version whatever the body holds.
    expect(got.headers.get('etag')).toBe(server.group(group.id)?.meta.version);
    const listed = await call(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "team"')}&excludedAttributes=members`,
    );
    expect(listed.body.Resources.map((resource) => resource.members)).toEqual([undefined]);
    const patched = await call(`PATCH`, `/Groups/${group.id}?excludedAttributes=MEMBERS`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { displayName: 'Team 2' } }],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: group.id, displayName: 'Team 2' });
    expect(patched.body.members).toBeUndefined();
    // Left out of the answer, not out of the group.
    expect(server.group(group.id)?.members?.map((member) => member.value)).toEqual([a.id]);
    const put = await call('PUT', `/Groups/${group.id}?excludedAttributes=members`, {
      schemas: [GROUP],
      displayName: 'Team 3',
      members: [{ value: a.id }],
    });
    expect([put.status, put.body.displayName, put.body.members]).toEqual([200, 'Team 3', undefined]);
    const posted = await call(
      'POST',
      '/Users?excludedAttributes=name.givenName,emails',
      userBody('b@x.test', {
        name: { givenName: 'B', familyName: 'Y' },
        emails: [{ value: 'b@x.test' }],
      }),
    );
    expect(posted.status).toBe(201);
    expect(posted.body.name).toEqual({ familyName: 'Y' });
    expect(posted.body).not.toHaveProperty('emails');
  });

  it('keeps only what attributes names, with id and schemas; both parameters at once are a 400', async () => {
    await start();
    const { a } = await team();
    const got = await call('GET', `/Users/${a.id}?attributes=name.givenName,title`);
    expect(got.body).toEqual({ schemas: [USER], id: a.id, name: { givenName: 'A' }, title: 'Eng' });
    expectScimError(await call('GET', `/Users/${a.id}?attributes=title&excludedAttributes=name`), 400, 'invalidValue');
    expectScimError(await call('GET', `/Users/${a.id}?attributes=name.given.name`), 400, 'invalidValue');
  });

  it('ignore: answers the whole group; refuse: a 400 naming the parameter, and nothing applied', async () => {
    await start({ attributeParameters: 'ignore' });
    const ignored = await team();
    const whole = await call('GET', `/Groups/${ignored.group.id}?excludedAttributes=members`);
    expect(whole.body.members).toEqual([expect.objectContaining({ value: ignored.a.id })]);
    await server.stop();

    await start({ attributeParameters: { refuse: ['PATCH'] } });
    const { group } = await team();
    const refused = await call('PATCH', `/Groups/${group.id}?excludedAttributes=members`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { displayName: 'Renamed' } }],
    });
    expectScimError(refused, 400, 'invalidValue');
    expect(refused.body.detail).toMatch(/excludedAttributes/);
    expect(server.group(group.id)?.displayName).toBe('Team');
    // Taken on the methods it is not refused on.
    expect((await call('GET', `/Groups/${group.id}?excludedAttributes=members`)).body.members).toBeUndefined();
  });
});
