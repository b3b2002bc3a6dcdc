import { GraphSelectError, projectObject } from './graph-select.js';
import { contextUrl, listAnswer, listStateOf, notFound } from './graph-route-context.js';
import type { GraphRouteContext, GraphRouteRequest, GraphRouteResponse } from './graph-route-context.js';
import { APP_ROLE_ASSIGNMENT_PROPERTIES } from './graph-service-principals.js';

/**
 * `GET /servicePrincipals/{id}/appRoleAssignedTo` (serviceprincipal-list-approleassignedto): the users, groups and
 * service principals assigned to the enterprise application, paged by `$top` and `$skiptoken`, with `$select`.
 * An unknown service principal answers 404 `Request_ResourceNotFound`.
 */
export function appRoleAssignedToRoute(
  context: GraphRouteContext,
  request: GraphRouteRequest,
  servicePrincipalId: string,
): GraphRouteResponse {
  const assignments = context.servicePrincipals.assignedTo(servicePrincipalId);
  if (assignments === undefined) throw notFound(servicePrincipalId);
  const state = listStateOf(context, request, () => ({
    select: assignmentSelect(request.query.get('$select')),
    ids: null,
  }));
  const items = assignments.map((assignment) =>
    projectObject(assignment, state.select ?? APP_ROLE_ASSIGNMENT_PROPERTIES),
  );
  const path = `/servicePrincipals/${servicePrincipalId}/appRoleAssignedTo`;
  return listAnswer(
    context,
    state,
    items,
    path,
    contextUrl(context, `servicePrincipals('${servicePrincipalId}')/appRoleAssignedTo`, state.select),
  );
}

function assignmentSelect(raw: string | null): string[] | null {
  if (raw === null || raw.trim() === '') return null;
  const names = new Set<string>(['id']);
  for (const part of raw.split(',')) {
    const wanted = part.trim().toLowerCase();
    if (wanted === '') continue;
    const name = APP_ROLE_ASSIGNMENT_PROPERTIES.find((candidate) => candidate.toLowerCase() === wanted);
    if (name === undefined) {
      throw new GraphSelectError(
        `Could not find a property named '${part.trim()}' on type 'microsoft.graph.appRoleAssignment'.`,
      );
    }
    names.add(name);
  }
  return [...names];
}
