import { expect } from 'vitest';
import type { SandboxDirectoryFile } from '../../connectors/sandbox/sandbox-directory-file.js';
import type { ScimTestServer } from '../emulators/scim/scim-test-server.js';

// The oracle: DESIGN "Semantics" restated independently of the product's code, so a shared bug in the
// product's mapping cannot make a test pass.
const ACTIVE = new Set(['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY', 'PROVISIONED']);

export interface ExpectedUser {
  readonly userName: string;
  readonly email: string;
  readonly displayName: string;
  readonly active: boolean;
}

/**
 * What the app must hold after syncing `directory`, given the external ids dirsync has created or adopted
 * before (`everCreated`: people once active stay in the app, inactive, when they leave).
 */
export function expectedApp(directory: SandboxDirectoryFile, everCreated: ReadonlySet<string>) {
  const users = new Map<string, ExpectedUser>();
  for (const user of directory.users) {
    const active = ACTIVE.has(user.status);
    if (!active && !everCreated.has(user.id)) continue;
    users.set(user.id, {
      userName: user.userName,
      email: user.email,
      displayName: user.displayName ?? [user.givenName, user.familyName].filter(Boolean).join(' '),
      active,
    });
  }
  const activeIds = new Set(directory.users.filter((u) => ACTIVE.has(u.status)).map((u) => u.id));
  const groups = new Map<string, { displayName: string; members: Set<string> }>();
  for (const group of directory.groups) {
    if (group.type === 'BUILT_IN') continue;
    groups.set(group.id, {
      displayName: group.displayName,
      members: new Set(group.members.filter((m) => activeIds.has(m))),
    });
  }
  return { users, groups };
}

/** Differences between what the SCIM server holds and what it should hold; empty when exact. */
export function diffApp(
  scim: ScimTestServer,
  expected: ReturnType<typeof expectedApp>,
  everCreated: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const byExternalId = new Map(scim.users().map((u) => [u.externalId ?? '', u]));
  for (const [id, want] of expected.users) {
    const have = byExternalId.get(id);
    if (!have) {
      problems.push(`user ${id} (${want.userName}) missing`);
      continue;
    }
    if (have.userName.toLowerCase() !== want.userName.toLowerCase())
      problems.push(`user ${id} userName ${have.userName} ≠ ${want.userName}`);
    const email = have.emails?.find((e) => e.primary === true)?.value ?? have.emails?.[0]?.value;
    if (email?.toLowerCase() !== want.email.toLowerCase()) problems.push(`user ${id} email ${email} ≠ ${want.email}`);
    if (have.displayName !== want.displayName)
      problems.push(`user ${id} displayName ${have.displayName} ≠ ${want.displayName}`);
    if ((have.active ?? true) !== want.active) problems.push(`user ${id} active ${have.active} ≠ ${want.active}`);
  }
  for (const user of scim.users()) {
    const id = user.externalId ?? '';
    if (!expected.users.has(id) && everCreated.has(id) && user.active !== false)
      problems.push(`user ${id} should be inactive`);
    if (!expected.users.has(id) && !everCreated.has(id)) problems.push(`user ${user.userName} should not exist`);
  }
  const appIdToExternal = new Map(scim.users().map((u) => [u.id, u.externalId ?? '']));
  const groups = scim.groups();
  if (groups.length !== expected.groups.size)
    problems.push(`${groups.length} groups in the app, expected ${expected.groups.size}`);
  for (const [id, want] of expected.groups) {
    const have = groups.find((g) => g.externalId === id);
    if (!have) {
      problems.push(`group ${want.displayName} missing`);
      continue;
    }
    if (have.displayName !== want.displayName)
      problems.push(`group ${id} named ${have.displayName} ≠ ${want.displayName}`);
    const members = new Set((have.members ?? []).map((m) => appIdToExternal.get(m.value) ?? `?${m.value}`));
    const missing = [...want.members].filter((m) => !members.has(m));
    const extra = [...members].filter((m) => !want.members.has(m));
    if (missing.length > 0 || extra.length > 0) {
      problems.push(`group ${want.displayName}: missing members [${missing.join(',')}], extra [${extra.join(',')}]`);
    }
  }
  return problems;
}

/** Asserts the SCIM app holds exactly what `directory` says, given everyone dirsync has linked so far. */
export function expectAppExact(scim: ScimTestServer, directory: SandboxDirectoryFile): void {
  const ever = new Set(scim.users().map((u) => u.externalId ?? ''));
  expect(diffApp(scim, expectedApp(directory, ever), ever)).toEqual([]);
}

/** Writes (anything but GET) the SCIM app has received. */
export function scimWrites(scim: ScimTestServer): number {
  return scim.requests().filter((r) => r.method !== 'GET').length;
}
