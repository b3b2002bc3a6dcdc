import { GraphError } from '@microsoft/microsoft-graph-client';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../connectors/connector-error.js';
import type { ReadResult } from '../../../../connectors/directory-connector.js';
import { parseGraphConfig } from '../../../../connectors/graph/graph-config.js';
import { GRAPH_PAGE_CHANGES, GraphConnector } from '../../../../connectors/graph/graph-connector.js';
import type { GraphHttp } from '../../../../connectors/graph/graph-http.js';
import { graphSelection } from '../../../../connectors/graph/graph-selection.js';
import type { DirectoryPage } from '../../../../src/core/model/directory-change.js';

// The fake's links are on https://g: GRAPH_BASE_URL's origin, the only one the connector follows.
const CONFIG = parseGraphConfig({
  AZURE_TENANT_ID: 't1',
  AZURE_CLIENT_ID: 'c1',
  AZURE_CLIENT_SECRET: 's',
  GRAPH_BASE_URL: 'https://g/v1.0',
});
const SELECTION = graphSelection();
const CURSOR = JSON.stringify({
  users: 'https://g/v1.0/users/delta?$deltatoken=U1',
  groups: 'https://g/v1.0/groups/delta?$deltatoken=G1',
  select: SELECTION.fingerprint,
});

type Answer = Record<string, unknown> | Error;

/** A GraphHttp answering by URL prefix; records every GET. */
class FakeGraph implements GraphHttp {
  readonly gets: string[] = [];
  constructor(readonly answers: (url: string) => Answer) {}
  async get(url: string): Promise<unknown> {
    this.gets.push(url);
    const answer = this.answers(url);
    if (answer instanceof Error) throw answer;
    return Promise.resolve(answer);
  }
}

/** A whole user as Graph answers it: every selected property, null or [] when unset. */
function user(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const whole: Record<string, unknown> = { id };
  for (const name of SELECTION.user) if (name !== 'id') whole[name] = null;
  return {
    ...whole,
    userPrincipalName: `${id}@contoso.com`,
    proxyAddresses: [],
    otherMails: [],
    businessPhones: [],
    accountEnabled: true,
    ...extra,
  };
}

/** A whole group as Graph answers it. */
function group(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    displayName: id.toUpperCase(),
    description: null,
    mail: null,
    mailEnabled: false,
    securityEnabled: true,
    groupTypes: [],
    ...extra,
  };
}

function gone(): GraphError {
  const error = new GraphError(410, 'gone');
  error.code = 'syncStateNotFound';
  return error;
}

function syncStateNotFound400(): GraphError {
  const error = new GraphError(400, 'bad token');
  error.code = 'syncStateNotFound';
  return error;
}

async function readAll(
  connector: GraphConnector,
  cursor: string | null,
  full = false,
): Promise<{ pages: DirectoryPage[]; result: ReadResult }> {
  const reader = connector.read({ full, cursor });
  const pages: DirectoryPage[] = [];
  for (;;) {
    const next = await reader.next();
    if (next.done === true) return { pages, result: next.value };
    pages.push(next.value);
  }
}

describe('GraphConnector (fake Graph)', () => {
  it('completes a user whose delta entry carries only the changed properties, and skips one deleted since', async () => {
    const graph = new FakeGraph((url) => {
      if (url.startsWith('https://g/v1.0/users/delta')) {
        return {
          value: [
            { id: 'u1', accountEnabled: false },
            { id: 'u2', displayName: 'X' },
          ],
          '@odata.deltaLink': 'https://g/v1.0/users/delta?$deltatoken=U2',
        };
      }
      if (url.startsWith('/users/u1?')) return user('u1', { accountEnabled: false, displayName: 'Ada' });
      if (url.startsWith('/users/u2?')) return new GraphError(404, 'gone since');
      return { value: [], '@odata.deltaLink': 'https://g/v1.0/groups/delta?$deltatoken=G2' };
    });
    const { pages, result } = await readAll(new GraphConnector(CONFIG, { http: graph }), CURSOR);
    expect(pages.flatMap((page) => page.changes)).toEqual([
      { type: 'user', user: expect.objectContaining({ id: 'u1', active: false, displayName: 'Ada' }) },
    ]);
    expect(graph.gets).toContain(`/users/u1?$select=${SELECTION.user.join(',')}`);
    expect(result).toEqual({
      full: false,
      cursor: JSON.stringify({
        users: 'https://g/v1.0/users/delta?$deltatoken=U2',
        groups: 'https://g/v1.0/groups/delta?$deltatoken=G2',
        select: SELECTION.fingerprint,
      }),
    });
  });

  it('discards a later round whose groups link is refused with 400 syncStateNotFound and reads both resources in full', async () => {
    const graph = new FakeGraph((url) => {
      if (url.includes('deltatoken=U1'))
        return { value: [user('stale')], '@odata.deltaLink': 'https://g/v1.0/users/delta?$deltatoken=U2' };
      if (url.includes('deltatoken=G1')) return syncStateNotFound400();
      if (url.startsWith('/users/delta'))
        return { value: [user('u1')], '@odata.deltaLink': 'https://g/v1.0/users/delta?$deltatoken=U9' };
      return {
        value: [{ ...group('g1'), 'members@delta': [] }],
        '@odata.deltaLink': 'https://g/v1.0/groups/delta?$deltatoken=G9',
      };
    });
    const { pages, result } = await readAll(new GraphConnector(CONFIG, { http: graph }), CURSOR);
    const changes = pages.flatMap((page) => page.changes);
    // Nothing of the discarded half round ('stale') reaches the consumer.
    expect(changes.map((change) => change.type)).toEqual(['user', 'group', 'members.replace']);
    expect(changes[0]).toMatchObject({ user: { id: 'u1' } });
    expect(result.full).toBe(true);
    expect(JSON.parse(result.cursor!)).toEqual({
      users: 'https://g/v1.0/users/delta?$deltatoken=U9',
      groups: 'https://g/v1.0/groups/delta?$deltatoken=G9',
      select: SELECTION.fingerprint,
    });
  });

  it('reads in full when asked to, or when the cursor is not one of its own', async () => {
    const graph = new FakeGraph((url) =>
      url.startsWith('/users') ? { value: [], '@odata.deltaLink': 'U' } : { value: [], '@odata.deltaLink': 'G' },
    );
    const connector = new GraphConnector(CONFIG, { http: graph });
    expect((await readAll(connector, CURSOR, true)).result.full).toBe(true);
    expect((await readAll(connector, 'not json')).result.full).toBe(true);
    expect(
      graph.gets.every((url) => url.startsWith('/users/delta?$select=') || url.startsWith('/groups/delta?$select=')),
    ).toBe(true);
  });

  it(`yields pages of at most ${GRAPH_PAGE_CHANGES} changes`, async () => {
    const users = Array.from({ length: 450 }, (_, index) => user(`u${index}`));
    const graph = new FakeGraph((url) =>
      url.startsWith('/users') ? { value: users, '@odata.deltaLink': 'U' } : { value: [], '@odata.deltaLink': 'G' },
    );
    const { pages } = await readAll(new GraphConnector(CONFIG, { http: graph }), null);
    expect(pages.map((page) => page.changes.length)).toEqual([200, 200, 50]);
  });

  it('fails, with no cursor, on a next link that repeats', async () => {
    const graph = new FakeGraph(() => ({ value: [], '@odata.nextLink': 'https://g/v1.0/users/delta?$skiptoken=same' }));
    const reading = readAll(new GraphConnector(CONFIG, { http: graph }), null);
    await expect(reading).rejects.toThrow(ConnectorError);
    await expect(reading).rejects.toThrow(/users\/delta repeated an @odata.nextLink/);
    // The users round stopped at its second page (the repeat); the groups round, read beside it, may have made
    // up to two requests meanwhile (this fake answers every request with the same next link).
    expect(graph.gets.slice(0, 2).map((url) => url.split('?')[0])).toEqual([
      '/users/delta',
      'https://g/v1.0/users/delta',
    ]);
    expect(graph.gets.length).toBeLessThanOrEqual(4);
  });

  it('fails on a page that is not a delta page', async () => {
    const notAPage = new FakeGraph(() => ({ nothing: true }));
    await expect(readAll(new GraphConnector(CONFIG, { http: notAPage }), null)).rejects.toMatchObject({
      kind: 'bad_response',
    });
    const valueNotAList = new FakeGraph(() => ({ value: { id: 'u1' }, '@odata.deltaLink': 'U' }));
    await expect(readAll(new GraphConnector(CONFIG, { http: valueNotAList }), null)).rejects.toMatchObject({
      kind: 'bad_response',
    });
  });

  it('isolates a malformed user or group by its id and reads the rest of the page; counts one without an id', async () => {
    const graph = new FakeGraph((url) =>
      url.includes('/users/')
        ? {
            value: [
              user('u1'),
              user('u2', { userPrincipalName: null }),
              user('u3', { accountEnabled: 'yes' }),
              { id: 7, userPrincipalName: 'x@contoso.com' },
              { id: 'u5', '@removed': 'deleted' },
              user('u6'),
            ],
            '@odata.deltaLink': 'https://g/v1.0/users/delta?$deltatoken=U',
          }
        : {
            value: [
              {
                ...group('g1', { displayName: 'Sales' }),
                'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: 'u1' }],
              },
              group('g2', { displayName: 42 }),
              { ...group('g3'), 'members@delta': [{ '@odata.type': '#microsoft.graph.user' }] },
            ],
            '@odata.deltaLink': 'https://g/v1.0/groups/delta?$deltatoken=G',
          },
    );
    const { pages } = await readAll(new GraphConnector(CONFIG, { http: graph }), null);
    const changes = pages.flatMap((page) => page.changes);
    expect(changes.filter((change) => change.type === 'user').map((change) => change.user.id)).toEqual(['u1', 'u6']);
    expect(
      changes.filter(
        (change) => change.type !== 'user' && change.type !== 'group' && change.type !== 'members.replace',
      ),
    ).toEqual([
      {
        type: 'user.isolated',
        id: 'u2',
        field: 'userPrincipalName',
        reason: expect.stringMatching(/^userPrincipalName: Invalid input/),
      },
      {
        type: 'user.isolated',
        id: 'u3',
        field: 'accountEnabled',
        reason: expect.stringMatching(/^accountEnabled: Invalid input/),
      },
      { type: 'unidentified', kind: 'user', field: 'id', reason: expect.stringMatching(/^id: Invalid input/) },
      { type: 'user.isolated', id: 'u5', field: '@removed', reason: expect.stringMatching(/^@removed: /) },
      { type: 'group.isolated', id: 'g2', field: 'displayName', reason: expect.stringMatching(/^displayName: /) },
      {
        type: 'group.isolated',
        id: 'g3',
        field: 'members@delta.0.id',
        reason: expect.stringMatching(/^members@delta\.0\.id: /),
      },
    ]);
    expect(changes).toContainEqual({ type: 'members.replace', groupId: 'g1', memberIds: ['u1'] });
  });

  it('isolates a user whose partial entry is completed by a malformed answer, under the id of the entry', async () => {
    const graph = new FakeGraph((url) => {
      if (url.startsWith('https://g/v1.0/users/delta')) {
        return {
          value: [{ id: 'u1', displayName: 'Changed' }],
          '@odata.deltaLink': 'https://g/v1.0/users/delta?$deltatoken=U2',
        };
      }
      if (url.startsWith('/users/u1')) return user('u1', { userPrincipalName: '' });
      return { value: [], '@odata.deltaLink': 'https://g/v1.0/groups/delta?$deltatoken=G2' };
    });
    const { pages } = await readAll(new GraphConnector(CONFIG, { http: graph }), CURSOR);
    expect(pages.flatMap((page) => page.changes)).toEqual([
      {
        type: 'user.isolated',
        id: 'u1',
        field: 'userPrincipalName',
        reason: expect.stringMatching(/^userPrincipalName: Too small/),
      },
    ]);
  });

  it('reports a 410 in the middle of a full round as unavailable (the next run starts over)', async () => {
    const graph = new FakeGraph((url) =>
      url.startsWith('/users') ? { value: [], '@odata.nextLink': 'https://g/next' } : gone(),
    );
    await expect(readAll(new GraphConnector(CONFIG, { http: graph }), null)).rejects.toMatchObject({
      kind: 'unavailable',
    });
  });
});

const EXTENSION = 'extension_0a1b2c3d4e5f40718293a4b5c6d7e8f9_costCenter';

/** Answers both delta queries with empty rounds, and records which were started in full. */
function emptyRounds(): FakeGraph {
  return new FakeGraph((url) =>
    url.includes('/users/')
      ? { value: [], '@odata.deltaLink': 'https://g/v1.0/users/delta?$deltatoken=U2' }
      : { value: [], '@odata.deltaLink': 'https://g/v1.0/groups/delta?$deltatoken=G2' },
  );
}

describe('GraphConnector selection of properties (fake Graph)', () => {
  it('reads in full from a cursor written before attributes were selected: its links select the old properties', async () => {
    const graph = emptyRounds();
    const legacy = JSON.stringify({
      users: 'https://g/v1.0/users/delta?$deltatoken=U1',
      groups: 'https://g/v1.0/groups/delta?$deltatoken=G1',
    });
    const { result } = await readAll(new GraphConnector(CONFIG, { http: graph }), legacy);
    expect(result.full).toBe(true);
    expect(graph.gets).toEqual([
      `/users/delta?$select=${SELECTION.user.join(',')}`,
      `/groups/delta?$select=${SELECTION.group.join(',')}`,
    ]);
  });

  it('reads in full when extraUserProperties changed since the cursor, and follows the links again once they match', async () => {
    const graph = emptyRounds();
    const withExtension = new GraphConnector(CONFIG, { http: graph, extraUserProperties: [EXTENSION] });
    const first = await readAll(withExtension, CURSOR);
    expect(first.result.full).toBe(true);
    expect(graph.gets[0]).toBe(`/users/delta?$select=${SELECTION.user.join(',')},${EXTENSION}`);
    const again = await readAll(withExtension, first.result.cursor);
    expect(again.result.full).toBe(false);
    const without = await readAll(new GraphConnector(CONFIG, { http: graph }), again.result.cursor);
    expect(without.result.full).toBe(true);
  });

  it('refuses extraUserProperties that are no property names with a config error', () => {
    expect(() => new GraphConnector(CONFIG, { http: emptyRounds(), extraUserProperties: ['cost center'] })).toThrow(
      ConnectorError,
    );
  });

  it('names the extra user properties when Graph refuses the $select with a 400', async () => {
    const refused = new GraphError(
      400,
      "Could not find a property named 'extension_x_y' on type 'microsoft.graph.user'.",
    );
    refused.code = 'Request_BadRequest';
    const graph = new FakeGraph(() => refused);
    const connector = new GraphConnector(CONFIG, { http: graph, extraUserProperties: ['extension_x_y'] });
    await expect(readAll(connector, null)).rejects.toMatchObject({
      kind: 'config',
      message: expect.stringContaining('check the extra user properties (extension_x_y)'),
    });
  });

  it('fetches a user of a later round whose entry leaves out a selected extension (unchanged or unset: unknown)', async () => {
    const graph = new FakeGraph((url) => {
      if (url.includes('deltatoken=U1')) {
        return {
          value: [user('u1', { department: 'Ops' }), user('u2', { [EXTENSION]: 'CC-2' })],
          '@odata.deltaLink': 'https://g/v1.0/users/delta?$deltatoken=U2',
        };
      }
      if (url.startsWith('/users/u1?')) return user('u1', { department: 'Ops' });
      return { value: [], '@odata.deltaLink': 'https://g/v1.0/groups/delta?$deltatoken=G2' };
    });
    const connector = new GraphConnector(CONFIG, { http: graph, extraUserProperties: [EXTENSION] });
    const cursor = JSON.stringify({ ...JSON.parse(CURSOR), select: graphSelection([EXTENSION]).fingerprint });
    const { pages } = await readAll(connector, cursor);
    const users = pages.flatMap((page) => page.changes).filter((change) => change.type === 'user');
    expect(users.map((change) => [change.user.id, change.user.attributes?.[EXTENSION]])).toEqual([
      ['u1', undefined],
      ['u2', 'CC-2'],
    ]);
    expect(graph.gets.filter((url) => url.startsWith('/users/'))).toEqual([
      `/users/u1?$select=${SELECTION.user.join(',')},${EXTENSION}`,
    ]);
  });

  it('fetches a group of a later round that carries only its changed properties, and keeps its member changes', async () => {
    const graph = new FakeGraph((url) => {
      if (url.includes('/users/'))
        return { value: [], '@odata.deltaLink': 'https://g/v1.0/users/delta?$deltatoken=U2' };
      if (url.includes('deltatoken=G1')) {
        return {
          value: [
            {
              id: 'g1',
              displayName: 'Renamed',
              'members@delta': [{ '@odata.type': '#microsoft.graph.group', id: 'g2' }],
            },
            { id: 'g3', description: 'gone since' },
          ],
          '@odata.deltaLink': 'https://g/v1.0/groups/delta?$deltatoken=G2',
        };
      }
      if (url.startsWith('/groups/g1?')) return group('g1', { displayName: 'Renamed', description: 'Platform' });
      return new GraphError(404, 'gone');
    });
    const { pages } = await readAll(new GraphConnector(CONFIG, { http: graph }), CURSOR);
    expect(pages.flatMap((page) => page.changes)).toEqual([
      {
        type: 'group',
        group: expect.objectContaining({
          id: 'g1',
          displayName: 'Renamed',
          attributes: expect.objectContaining({ description: 'Platform' }),
        }),
      },
      { type: 'members.delta', groupId: 'g1', added: ['g2'], removed: [] },
    ]);
    expect(graph.gets).toContain(
      '/groups/g1?$select=id,displayName,description,mail,mailEnabled,securityEnabled,groupTypes',
    );
  });
});

const SP = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const SCOPED = parseGraphConfig({
  AZURE_TENANT_ID: 't1',
  AZURE_CLIENT_ID: 'c1',
  AZURE_CLIENT_SECRET: 's',
  GRAPH_BASE_URL: 'https://g/v1.0',
  GRAPH_SERVICE_PRINCIPAL_ID: SP,
});

function assignment(principalType: string, principalId: string): Record<string, unknown> {
  return { id: `a-${principalId}`, appRoleId: '00000000-0000-0000-0000-000000000000', principalType, principalId };
}

/** `id in ('a','b')` of a request's `$filter`, decoded. */
function filteredIds(url: string): string[] {
  const filter = new URL(url, 'https://g/v1.0/').searchParams.get('$filter') ?? '';
  return [...filter.matchAll(/'([^']*)'/g)].map((match) => match[1]!);
}

describe('GraphConnector scoped to an enterprise application (fake Graph)', () => {
  it('reads group members whole with the member list, other users in batches of 15 ids, each once; no service principal', async () => {
    const direct = Array.from({ length: 20 }, (_, index) => `u${index}`);
    const graph = new FakeGraph((url) => {
      if (url.startsWith(`/servicePrincipals/${SP}/appRoleAssignedTo`)) {
        return {
          value: [
            ...direct.map((id) => assignment('User', id)),
            assignment('User', 'u0'),
            assignment('Group', 'g1'),
            assignment('ServicePrincipal', 'sp-client'),
          ],
        };
      }
      if (url.startsWith('/groups?')) return { value: filteredIds(url).map((id) => group(id)) };
      if (url.startsWith('/groups/g1/members/microsoft.graph.user?')) return { value: [user('u1'), user('u99')] };
      if (url.startsWith('/groups/g1/members/microsoft.graph.group?')) return { value: [group('g2')] };
      if (url.startsWith('/users?')) return { value: filteredIds(url).map((id) => user(id)) };
      return new Error(`unexpected ${url}`);
    });
    const { pages, result } = await readAll(new GraphConnector(SCOPED, { http: graph }), CURSOR);
    expect(result).toEqual({ full: true, cursor: JSON.stringify({ appScoped: SP }) });
    const changes = pages.flatMap((page) => page.changes);
    const users = changes.filter((change) => change.type === 'user').map((change) => change.user.id);
    // The members of Sales come whole with the member list; only the other directly assigned users are fetched.
    expect(users).toEqual(['u1', 'u99', ...direct.filter((id) => id !== 'u1')]);
    expect(changes.filter((change) => change.type === 'members.replace')).toEqual([
      { type: 'members.replace', groupId: 'g1', memberIds: ['u1', 'u99'] },
      { type: 'members.replace', groupId: 'g1', memberIds: ['g2'] },
    ]);
    expect(graph.gets).toContain(
      `/groups/g1/members/microsoft.graph.user?$select=${SELECTION.user.join(',')}&$top=999`,
    );
    const userRequests = graph.gets.filter((url) => url.startsWith('/users?'));
    expect(userRequests.map((url) => filteredIds(url).length)).toEqual([15, 4]);
    expect(userRequests[0]).toContain(`&$select=${SELECTION.user.join(',')}`);
    expect(graph.gets.some((url) => url.includes('delta'))).toBe(false);
  });

  it('stops the read on an assignment without a usable principal: who is assigned decides who is deactivated', async () => {
    const graph = new FakeGraph(() => ({ value: [assignment('User', 'u1'), { principalType: 'User' }] }));
    await expect(readAll(new GraphConnector(SCOPED, { http: graph }), null)).rejects.toMatchObject({
      kind: 'bad_response',
      message: expect.stringContaining(`GRAPH_SERVICE_PRINCIPAL_ID=${SP} answered an assignment without a usable`),
    });
  });

  it('stops the read on a member of an assigned group without a usable id', async () => {
    const graph = new FakeGraph((url) => {
      if (url.includes('appRoleAssignedTo')) return { value: [assignment('Group', 'g1')] };
      if (url.startsWith('/groups?')) return { value: [group('g1')] };
      return { value: [{ '@odata.type': '#microsoft.graph.user' }] };
    });
    await expect(readAll(new GraphConnector(SCOPED, { http: graph }), null)).rejects.toMatchObject({
      kind: 'bad_response',
      message: expect.stringContaining('of assigned group g1 answered a member without a usable id'),
    });
  });
});
