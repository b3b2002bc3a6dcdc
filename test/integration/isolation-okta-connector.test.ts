import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OktaConnector } from '../../connectors/okta/okta-connector.js';
import { parseOktaConfig } from '../../connectors/okta/okta-config.js';
import { encodeOktaCursor } from '../../connectors/okta/okta-cursor.js';
import type { DirectoryChange } from '../../src/core/model/directory-change.js';
import { OktaCaTrustingRequestExecutor } from '../emulators/okta/okta-ca-trusting-request-executor.js';
import { OktaOrgEmulator } from '../emulators/okta/okta-org-emulator.js';

// The Okta connector against the emulator serving malformed users: each one is isolated (or counted) where it is
// read, and the page, the read and everyone else go on.
let emulator: OktaOrgEmulator;
let caPem: string;

beforeEach(async () => {
  emulator = new OktaOrgEmulator();
  ({ caPem } = await emulator.start());
});
afterEach(async () => {
  await emulator.stop();
});

async function readAll(env: Record<string, string> = {}, cursor: string | null = null): Promise<DirectoryChange[]> {
  const config = parseOktaConfig({ OKTA_CLIENT_ORGURL: emulator.orgUrl, OKTA_CLIENT_TOKEN: emulator.apiToken, ...env });
  const connector = new OktaConnector(config, {
    requestExecutor: new OktaCaTrustingRequestExecutor(caPem),
    retry: { baseDelayMs: 5 },
  });
  const changes: DirectoryChange[] = [];
  for await (const page of connector.read({ full: cursor === null, cursor })) changes.push(...page.changes);
  return changes;
}

const person = (name: string) => ({
  login: `${name}@example.test`,
  email: `${name}@example.test`,
  firstName: name,
  lastName: 'Tester',
});
const notUsersOrGroups = (changes: DirectoryChange[]) =>
  changes.filter((change) => change.type.endsWith('.isolated') || change.type === 'unidentified');

describe('OktaConnector with malformed users (real SDK against the emulator)', () => {
  it('isolates a user with an unknown status or no login by id, counts one without an id, and reads the rest', async () => {
    const store = emulator.store;
    const [ann, bob, cy, dee, eve] = ['ann', 'bob', 'cy', 'dee', 'eve'].map((name) =>
      store.createUser({ profile: person(name) }),
    );
    store.setWireOverride(bob!.id, { status: 'PENDING_USER_ACTION' });
    store.setWireOverride(cy!.id, { profile: { email: 'cy@example.test', firstName: 'Cy' } });
    store.setWireOverride(dee!.id, { id: 7 });
    const staff = store.createGroup({ name: 'Staff' });
    for (const user of [ann, bob, eve]) store.addMember(staff.id, user!.id);

    const changes = await readAll();

    expect(changes.flatMap((change) => (change.type === 'user' ? [change.user.id] : []))).toEqual([ann!.id, eve!.id]);
    expect(notUsersOrGroups(changes)).toEqual([
      {
        type: 'user.isolated',
        id: bob!.id,
        field: 'status',
        reason: 'status PENDING_USER_ACTION is not an Okta status dirsync knows: not active, kept as last read',
      },
      {
        type: 'user.isolated',
        id: cy!.id,
        field: 'profile.login',
        reason: 'profile.login: Invalid input: expected string, received undefined',
      },
      {
        type: 'unidentified',
        kind: 'user',
        field: 'id',
        reason: 'id: Invalid input: expected string, received number',
      },
      // Everyone lists every user, the one without an id too: its member list is unknowable, so it is isolated.
      {
        type: 'group.isolated',
        id: store.everyoneGroupId,
        field: 'members',
        reason:
          'members: a member entry has no usable id (id: Invalid input: expected string, received number), so the member list is unknown',
      },
    ]);
    // A member whose user object is malformed is still listed as a member: the mirror decides what that is worth.
    expect(changes).toContainEqual({
      type: 'members.replace',
      groupId: staff.id,
      memberIds: [ann!.id, bob!.id, eve!.id],
    });
  });

  it('isolates the users an incremental read finds malformed, and maps them again once fixed', async () => {
    const store = emulator.store;
    const ann = store.createUser({ profile: person('ann') });
    const first = await readAll();
    expect(notUsersOrGroups(first)).toEqual([]);
    const cursor = encodeOktaCursor({ since: new Date(Date.now() - 5_000) });

    store.setWireOverride(ann.id, { status: 'ZOMBIE' });
    expect(notUsersOrGroups(await readAll({}, cursor))).toMatchObject([{ type: 'user.isolated', id: ann.id }]);

    store.setWireOverride(ann.id, undefined);
    const fixed = await readAll({}, cursor);
    expect(notUsersOrGroups(fixed)).toEqual([]);
    expect(fixed).toContainEqual(
      expect.objectContaining({ type: 'user', user: expect.objectContaining({ id: ann.id }) }),
    );
  });

  it('in an app-scoped read, isolates a malformed assigned user and ignores a malformed user of another app', async () => {
    const store = emulator.store;
    const [ann, bob, out] = ['ann', 'bob', 'outsider'].map((name) => store.createUser({ profile: person(name) }));
    store.setWireOverride(bob!.id, { status: 'ZOMBIE' });
    store.setWireOverride(out!.id, { status: 'ZOMBIE' });
    const app = store.createApp('dirsync');
    store.assignUserToApp(app.id, ann!.id);
    store.assignUserToApp(app.id, bob!.id);

    const changes = await readAll({ OKTA_APP_ID: app.id });

    expect(changes.flatMap((change) => (change.type === 'user' ? [change.user.id] : []))).toEqual([ann!.id]);
    expect(notUsersOrGroups(changes)).toMatchObject([{ type: 'user.isolated', id: bob!.id, field: 'status' }]);
  });
});
