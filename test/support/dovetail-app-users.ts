// How the policy e2e tests look at a Dovetail-like app: its users read back over its own SCIM API (Dovetail's `role`
// and `workspaceAdmin` included, which the test server's record helpers do not type), named by the test's own names.

export const DOVETAIL_USER_EXTENSION = 'urn:ietf:params:scim:schemas:extension:dovetail:2.0:User';

export interface DovetailUser {
  readonly id: string;
  readonly userName: string;
  readonly externalId?: string;
  readonly role?: string;
  readonly [DOVETAIL_USER_EXTENSION]?: { readonly workspaceAdmin?: boolean };
}

/** The app's users by test name (`ids`: test name → IdP id, which the app holds as `externalId`). */
export async function dovetailUsers(
  scimUrl: string,
  token: string,
  ids: Readonly<Record<string, string>>,
): Promise<Map<string, DovetailUser>> {
  const response = await fetch(`${scimUrl}/Users?count=100`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET /Users answered ${response.status}`);
  const body = (await response.json()) as { Resources?: DovetailUser[] };
  const byName = new Map<string, DovetailUser>();
  for (const user of body.Resources ?? []) {
    const name = Object.entries(ids).find(([, id]) => id === user.externalId)?.[0];
    if (name !== undefined) byName.set(name, user);
  }
  return byName;
}

/** `name → "ROLE/workspaceAdmin"` for every user the app has: one line to compare a whole workspace. */
export async function dovetailRolesAndAdmins(
  scimUrl: string,
  token: string,
  ids: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
  const users = await dovetailUsers(scimUrl, token, ids);
  return Object.fromEntries(
    [...users].map(([name, user]) => [
      name,
      `${user.role ?? '-'}/${String(user[DOVETAIL_USER_EXTENSION]?.workspaceAdmin)}`,
    ]),
  );
}
