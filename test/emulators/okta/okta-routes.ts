import { oktaErrorBody } from './okta-error-body.js';
import { compileOktaExpression, OktaExpressionError, type OktaPredicate } from './okta-expression.js';
import { appGroupJson, appUserJson, groupJson, logEventJson, userJson } from './okta-json-views.js';
import { inCursorOrder, linkHeaders, pageByCursor, pageLimit, pageSortedByCursor } from './okta-paging.js';
import type { OktaStore } from './okta-store.js';

export interface OktaRouteReply {
  status: number;
  body: unknown;
  links?: string[];
}

/** The read scope an OAuth token needs for a management API path (`.manage` also satisfies it). */
export function requiredScopeFor(pathname: string): string | undefined {
  if (pathname.startsWith('/api/v1/users')) return 'okta.users.read';
  if (pathname.startsWith('/api/v1/groups')) return 'okta.groups.read';
  if (pathname.startsWith('/api/v1/apps')) return 'okta.apps.read';
  if (pathname.startsWith('/api/v1/logs')) return 'okta.logs.read';
  return undefined;
}

// `filter` accepts a fixed subset of properties; `search` any property (List all users, `filter` parameter).
const userFilterAttributes = [
  'status',
  'lastUpdated',
  'id',
  'profile.login',
  'profile.email',
  'profile.firstName',
  'profile.lastName',
];
const groupFilterAttributes = ['id', 'type', 'lastUpdated', 'lastMembershipUpdated', 'profile.name'];
const sevenDaysMs = 7 * 24 * 3600 * 1000;

/** Serves the GET endpoints of the management API from the store; `url` is the full request URL on the org. */
export function routeOktaGet(store: OktaStore, orgUrl: string, url: URL, now: Date): OktaRouteReply {
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  const [api, version, collection, id, sub, ...rest] = segments;
  if (api !== 'api' || version !== 'v1' || rest.length > 0) return notFound(url.pathname);
  const params = url.searchParams;
  try {
    if (collection === 'users' && id === undefined) return listUsers(store, orgUrl, url);
    if (collection === 'users' && id !== undefined && sub === undefined) {
      const user = store.users.get(id) ?? [...store.users.values()].find((u) => u.profile.login === id);
      return user === undefined ? notFound(`${id} (User)`) : { status: 200, body: userJson(orgUrl, user) };
    }
    if (collection === 'groups' && id === undefined) return listGroups(store, orgUrl, url);
    if (collection === 'groups' && id !== undefined) {
      const group = store.groups.get(id);
      if (group === undefined) return notFound(`${id} (UserGroup)`);
      if (sub === undefined) return { status: 200, body: groupJson(orgUrl, group) };
      if (sub !== 'users') return notFound(url.pathname);
      const members = store
        .groupMemberIds(id)
        .sort()
        .flatMap((userId) => {
          const user = store.users.get(userId);
          return user === undefined ? [] : [user];
        });
      const page = pageByCursor(members, (u) => u.id, params.get('after') ?? undefined, limit(params, 1000, 1000));
      return paged(
        url,
        page.nextAfter,
        page.items.map((user) => userJson(orgUrl, user)),
      );
    }
    if (collection === 'apps' && id !== undefined && (sub === 'users' || sub === 'groups')) {
      const app = store.apps.get(id);
      if (app === undefined) return notFound(`${id} (App)`);
      if (sub === 'groups') {
        const assigned = [...app.groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
        const page = pageByCursor(
          assigned,
          ([groupId]) => groupId,
          params.get('after') ?? undefined,
          limit(params, 20, 200),
        );
        return paged(
          url,
          page.nextAfter,
          page.items.map(([groupId, at]) => appGroupJson(orgUrl, app, groupId, at)),
        );
      }
      // Group assignments make app users with scope GROUP; a direct assignment wins (scope USER).
      const appUsers = new Map<string, { scope: 'USER' | 'GROUP'; at: string }>();
      for (const [groupId, at] of app.groups) {
        for (const userId of store.groupMemberIds(groupId)) appUsers.set(userId, { scope: 'GROUP', at });
      }
      for (const [userId, at] of app.users) appUsers.set(userId, { scope: 'USER', at });
      const rows = [...appUsers.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
      const page = pageByCursor(rows, ([userId]) => userId, params.get('after') ?? undefined, limit(params, 50, 500));
      return paged(
        url,
        page.nextAfter,
        page.items.flatMap(([userId, { scope, at }]) => {
          const user = store.users.get(userId);
          return user === undefined ? [] : [appUserJson(orgUrl, app, user, scope, at)];
        }),
      );
    }
    if (collection === 'logs' && id === undefined) return listLogs(store, url, now);
  } catch (error) {
    if (error instanceof OktaExpressionError) {
      return { status: 400, body: oktaErrorBody('E0000031', 'Invalid search criteria.', [error.message]) };
    }
    throw error;
  }
  return notFound(url.pathname);
}

function listUsers(store: OktaStore, orgUrl: string, url: URL): OktaRouteReply {
  const params = url.searchParams;
  const predicates: OktaPredicate[] = [];
  const filter = params.get('filter');
  const search = params.get('search');
  const q = params.get('q');
  if (filter !== null) predicates.push(compileOktaExpression(filter, { attributes: userFilterAttributes }));
  if (search !== null) predicates.push(compileOktaExpression(search));
  if (q !== null) {
    const needle = q.toLowerCase();
    predicates.push((view) => {
      const profile = (view as { profile: Record<string, unknown> }).profile;
      return ['firstName', 'lastName', 'email'].some((key) => {
        const value = profile[key];
        return typeof value === 'string' && value.toLowerCase().startsWith(needle);
      });
    });
  }
  // "List all users" without a query returns every user except DEPROVISIONED ones; a filter or search sees all.
  // https://developer.okta.com/docs/reference/user-query (now the listUsers reference).
  if (filter === null && search === null && q === null) {
    predicates.push((view) => (view as { status: string }).status !== 'DEPROVISIONED');
  }
  // Only the page's users are viewed and tested: a 100 000-user org is read in 500 pages.
  const page = pageSortedByCursor(
    inCursorOrder(store.users.values(), (user) => user.id),
    (user) => user.id,
    params.get('after') ?? undefined,
    limit(params, 200, 200),
    (user) => userJson(orgUrl, user),
    (view) => predicates.every((predicate) => predicate(view)),
  );
  return paged(url, page.nextAfter, page.items);
}

function listGroups(store: OktaStore, orgUrl: string, url: URL): OktaRouteReply {
  const params = url.searchParams;
  const predicates: OktaPredicate[] = [];
  const filter = params.get('filter');
  const search = params.get('search');
  const q = params.get('q');
  if (filter !== null) predicates.push(compileOktaExpression(filter, { attributes: groupFilterAttributes }));
  if (search !== null) predicates.push(compileOktaExpression(search));
  if (q !== null) {
    const needle = q.toLowerCase();
    predicates.push((view) => (view as { profile: { name: string } }).profile.name.toLowerCase().startsWith(needle));
  }
  const views = [...store.groups.values()]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((group) => groupJson(orgUrl, group))
    .filter((view) => predicates.every((predicate) => predicate(view)));
  const page = pageByCursor(
    views,
    (view) => String(view['id']),
    params.get('after') ?? undefined,
    limit(params, 10_000, 10_000),
  );
  return paged(url, page.nextAfter, page.items);
}

/**
 * System Log: `since`/`until` bound `published` (since defaults to seven days back). Without `until` the query is a
 * polling request and Okta always returns `rel="next"`, even on an empty page, so a client must stop on an empty
 * page (https://developer.okta.com/docs/reference/api/system-log/#request-types; okta-sdk-python issue #231).
 */
function listLogs(store: OktaStore, url: URL, now: Date): OktaRouteReply {
  const params = url.searchParams;
  const until = parseInstant(params.get('until'), 'until') ?? undefined;
  const since = parseInstant(params.get('since'), 'since') ?? (until ?? now.getTime()) - sevenDaysMs;
  const filter = params.get('filter');
  const predicate = filter === null ? () => true : compileOktaExpression(filter);
  const cursorOf = (sequence: number) => sequence.toString().padStart(12, '0');
  const events = store.logEvents
    .filter((event) => {
      const published = Date.parse(event.published);
      return published >= since && (until === undefined || published < until);
    })
    .map((event) => ({ sequence: event.sequence, view: logEventJson(event) }))
    .filter(({ view }) => predicate(view));
  const after = params.get('after') ?? undefined;
  const page = pageByCursor(events, ({ sequence }) => cursorOf(sequence), after, limit(params, 100, 1000));
  const items = page.items.map(({ view }) => view);
  if (until !== undefined) return paged(url, page.nextAfter, items);
  const last = page.items.at(-1);
  const nextAfter = last === undefined ? after : cursorOf(last.sequence);
  const links = linkHeaders(url, nextAfter);
  if (links.length === 1) links.push(`<${url.href}>; rel="next"`);
  return { status: 200, body: items, links };
}

function parseInstant(raw: string | null, name: string): number | undefined {
  if (raw === null) return undefined;
  const parsed = Date.parse(raw);
  if (Number.isNaN(parsed)) throw new OktaExpressionError(`${name} is not an ISO 8601 timestamp`);
  return parsed;
}

function limit(params: URLSearchParams, defaultLimit: number, maxLimit: number): number {
  return pageLimit(params.get('limit'), defaultLimit, maxLimit);
}

function paged(url: URL, nextAfter: string | undefined, items: unknown[]): OktaRouteReply {
  return { status: 200, body: items, links: linkHeaders(url, nextAfter) };
}

function notFound(what: string): OktaRouteReply {
  return { status: 404, body: oktaErrorBody('E0000007', `Not found: Resource not found: ${what}`) };
}
