import { GraphError } from '@microsoft/microsoft-graph-client';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../connectors/connector-error.js';
import type { ReadResult } from '../../../../connectors/directory-connector.js';
import { parseGraphConfig } from '../../../../connectors/graph/graph-config.js';
import { GRAPH_PAGE_CHANGES, GraphConnector } from '../../../../connectors/graph/graph-connector.js';
import type { GraphHttp } from '../../../../connectors/graph/graph-http.js';
import type { DirectoryPage } from '../../../../src/core/model/directory-change.js';

// The fake's links are on https://g: GRAPH_BASE_URL's origin, the only one the connector follows.
const CONFIG = parseGraphConfig({
  AZURE_TENANT_ID: 't1',
  AZURE_CLIENT_ID: 'c1',
  AZURE_CLIENT_SECRET: 's',
  GRAPH_BASE_URL: 'https://g/v1.0',
});
const CURSOR = JSON.stringify({
  users: 'https://g/v1.0/users/delta?$deltatoken=U1',
  groups: 'https://g/v1.0/groups/delta?$deltatoken=G1',
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

function user(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    userPrincipalName: `${id}@contoso.com`,
    mail: null,
    proxyAddresses: [],
    otherMails: [],
    givenName: null,
    surname: null,
    displayName: null,
    accountEnabled: true,
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
    expect(graph.gets).toContain(
      '/users/u1?$select=id,userPrincipalName,mail,proxyAddresses,otherMails,givenName,surname,displayName,accountEnabled',
    );
    expect(result).toEqual({
      full: false,
      cursor: JSON.stringify({
        users: 'https://g/v1.0/users/delta?$deltatoken=U2',
        groups: 'https://g/v1.0/groups/delta?$deltatoken=G2',
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
        value: [{ id: 'g1', displayName: 'G', 'members@delta': [] }],
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
    expect(graph.gets).toHaveLength(2);
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
                id: 'g1',
                displayName: 'Sales',
                'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: 'u1' }],
              },
              { id: 'g2', displayName: 42 },
              { id: 'g3', displayName: 'Ops', 'members@delta': [{ '@odata.type': '#microsoft.graph.user' }] },
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
