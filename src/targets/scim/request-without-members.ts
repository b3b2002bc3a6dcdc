import type { ScimDialectState } from './scim-dialect-state.js';
import type { ScimHttpResponse } from './scim-http.js';

/** The query that asks for a group without its members (RFC 7644 §3.9; `id` and `schemas` always come). */
export const EXCLUDE_MEMBERS: Readonly<Record<string, string>> = { excludedAttributes: 'members' };

/**
 * A group request whose answer dirsync needs nothing of beyond its status (a PATCH) or the group's id and names
 * (a lookup): sent with `excludedAttributes=members` where the dialect allows, so that an app that answers with the
 * whole group does not send every member back — at 100 000 members, megabytes per PATCH, quadratic over a sync.
 *
 * An app that refuses the parameter — a 400 that names it, or a 501 that the same request without it does not
 * get — is sent the request again without it, and the dialect learns not to send it to that app again. Sending
 * again is safe: a 400 or 501 answer means nothing was applied (RFC 7644 §3.5.2: a PATCH "SHALL be treated as
 * atomic", the resource restored on any error; RFC 9110 §15.6.2: a 501 is a request the server does not do), so
 * no PATCH lands twice.
 */
export async function requestWithoutMembers(
  dialect: ScimDialectState,
  send: (query: Readonly<Record<string, string>>) => Promise<ScimHttpResponse>,
): Promise<ScimHttpResponse> {
  if (!(await dialect.get()).excludeMembers) return send({});
  const response = await send(EXCLUDE_MEMBERS);
  const namesParameter = response.status === 400 && /excludedAttributes/i.test(response.text);
  if (!namesParameter && response.status !== 501) return response;
  const again = await send({});
  // A 501 to both is the request itself (PATCH, a filter) that the app does not do: left to the caller's fallbacks,
  // and the parameter kept for the requests the app does take.
  if (namesParameter || again.status !== 501) dialect.learnNoExcludedAttributes();
  return again;
}
