import { DEFAULT_GROUP_SELECT, DEFAULT_USER_SELECT, GROUP_PROPERTIES } from './graph-directory-objects.js';
import type { GraphMemberRef } from './graph-directory-objects.js';
import { idsOfFilter } from './graph-id-filter.js';
import type { JsonObject } from './graph-json.js';
import { contextUrl, listAnswer, listStateOf, notFound } from './graph-route-context.js';
import type { GraphRouteContext, GraphRouteRequest, GraphRouteResponse } from './graph-route-context.js';
import { parseSelect, projectObject } from './graph-select.js';

/**
 * `GET /users` and `GET /groups`, paged by `$top` and `$skiptoken`, with `$select` and the `$filter` on ids Graph
 * takes on every directory object collection (`id eq '…'`, `id in ('…', …)` up to 15 ids): objects in creation order,
 * the ids that name none left out.
 */
export function listRoute(
  context: GraphRouteContext,
  request: GraphRouteRequest,
  collection: 'users' | 'groups',
): GraphRouteResponse {
  const kind = collection === 'users' ? 'user' : 'group';
  const state = listStateOf(context, request, () => ({
    select: parseSelect(request.query.get('$select'), kind),
    ids: idsOfFilter(request.query.get('$filter')),
  }));
  const records = collection === 'users' ? context.store.users() : context.store.groups();
  const wanted = state.ids === null ? null : new Set(state.ids);
  const properties = state.select ?? (collection === 'users' ? DEFAULT_USER_SELECT : DEFAULT_GROUP_SELECT);
  const items = records
    .filter((record) => wanted === null || wanted.has(record.id))
    .map((record) => projectObject(record, properties));
  return listAnswer(context, state, items, `/${collection}`, contextUrl(context, collection, state.select));
}

/** An OData cast on a member list: only the members of that type (`/members/microsoft.graph.user`). */
export type GraphMemberCast = 'user' | 'group' | undefined;

/**
 * `GET /groups/{id}/members` (direct) or `/transitiveMembers` (direct and nested, once each: group-list-members,
 * group-list-transitivemembers): directory objects with their `@odata.type`, paged by `$top` and `$skiptoken`. With an
 * OData cast (`/members/microsoft.graph.user`), only the members of that type, with that type's properties.
 */
export function membersRoute(
  context: GraphRouteContext,
  request: GraphRouteRequest,
  groupId: string,
  relation: 'members' | 'transitiveMembers',
  cast: GraphMemberCast,
): GraphRouteResponse {
  const refs = relation === 'members' ? context.store.members(groupId) : context.store.transitiveMembers(groupId);
  if (refs === undefined) throw notFound(groupId);
  const state = listStateOf(context, request, () => ({
    select:
      cast === undefined
        ? parseSelect(request.query.get('$select'), 'user', GROUP_PROPERTIES)
        : parseSelect(request.query.get('$select'), cast),
    ids: null,
  }));
  const items = refs
    .filter((ref) => cast === undefined || ref.type === cast)
    .flatMap((ref) => memberObject(context, ref, state.select));
  const odataContext = `${context.baseUrl}/$metadata#${cast === undefined ? 'directoryObjects' : `${cast}s`}`;
  const path = `/groups/${groupId}/${relation}${cast === undefined ? '' : `/microsoft.graph.${cast}`}`;
  return listAnswer(context, state, items, path, odataContext);
}

function memberObject(context: GraphRouteContext, ref: GraphMemberRef, select: readonly string[] | null): JsonObject[] {
  const record = ref.type === 'user' ? context.store.user(ref.id) : context.store.group(ref.id);
  if (record === undefined) return [];
  const properties = select ?? (ref.type === 'user' ? DEFAULT_USER_SELECT : DEFAULT_GROUP_SELECT);
  return [{ '@odata.type': `#microsoft.graph.${ref.type}`, ...projectObject(record, properties) }];
}
