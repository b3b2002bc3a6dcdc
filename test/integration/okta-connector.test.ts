import { afterEach, describe, expect, it } from 'vitest';
import type { ReadResult } from '../../connectors/directory-connector.js';
import { OktaConnector, type OktaConnectorOptions } from '../../connectors/okta/okta-connector.js';
import { parseOktaConfig } from '../../connectors/okta/okta-config.js';
import type { DirectoryChange } from '../../src/core/model/directory-change.js';
import { OKTA_USER_STATUSES } from '../../src/core/mapping/okta-user-mapping.js';
import { OktaCaTrustingRequestExecutor } from '../emulators/okta/okta-ca-trusting-request-executor.js';
import { OktaOrgEmulator, type OktaOrgEmulatorOptions } from '../emulators/okta/okta-org-emulator.js';
import type { OktaClock } from '../emulators/okta/okta-records.js';

/** A clock the test moves by hand, shared by the emulator (timestamps) and the connector (cursor). */
class SteppingClock implements OktaClock {
  private ms = Date.now();
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

let emulator: OktaOrgEmulator;
let caPem: string;

async function startEmulator(options: OktaOrgEmulatorOptions = {}): Promise<void> {
  emulator = new OktaOrgEmulator(options);
  ({ caPem } = await emulator.start());
}

afterEach(async () => {
  await emulator.stop();
});

function connector(env: Record<string, string> = {}, options: OktaConnectorOptions = {}): OktaConnector {
  const config = parseOktaConfig({ OKTA_CLIENT_ORGURL: emulator.orgUrl, OKTA_CLIENT_TOKEN: emulator.apiToken, ...env });
  return new OktaConnector(config, {
    requestExecutor: new OktaCaTrustingRequestExecutor(caPem),
    retry: { baseDelayMs: 5 },
    ...options,
  });
}

async function drain(
  conn: OktaConnector,
  full: boolean,
  cursor: string | null,
): Promise<{ pages: DirectoryChange[][]; changes: DirectoryChange[]; result: ReadResult }> {
  const generator = conn.read({ full, cursor });
  const pages: DirectoryChange[][] = [];
  for (;;) {
    const next = await generator.next();
    if (next.done === true) return { pages, changes: pages.flat(), result: next.value };
    pages.push([...next.value.changes]);
  }
}

const person = (name: string, extra: Record<string, string> = {}) => ({
  login: `${name}@example.test`,
  email: `${name}@example.test`,
  firstName: name,
  lastName: 'Tester',
  ...extra,
});

const usersOf = (changes: DirectoryChange[]) => changes.flatMap((c) => (c.type === 'user' ? [c.user] : []));
const groupsOf = (changes: DirectoryChange[]) => changes.flatMap((c) => (c.type === 'group' ? [c.group] : []));
const membersOf = (changes: DirectoryChange[], groupId: string) =>
  changes.flatMap((c) => (c.type === 'members.replace' && c.groupId === groupId ? c.memberIds : []));

describe('OktaConnector full read (real SDK against the emulator)', () => {
  it('reads users of all eight statuses, DEPROVISIONED included, Everyone as built-in, and every membership', async () => {
    await startEmulator();
    const store = emulator.store;
    const byStatus = OKTA_USER_STATUSES.map((status, i) => store.createUser({ profile: person(`status${i}`), status }));
    const zoe = store.createUser({
      profile: {
        login: 'zoë.ørsted@example.test',
        email: 'z.orsted@mail.example',
        firstName: 'Zoë',
        lastName: 'Ørsted',
      },
    });
    const upper = store.createUser({ profile: person('Case', { login: 'Case.Tester@example.test' }) });
    const lower = store.createUser({ profile: person('case', { login: 'case.tester@example.test' }) });
    const staff = store.createGroup({ name: 'Staff 日本' });
    store.addMember(staff.id, zoe.id);
    store.addMember(staff.id, upper.id);
    const empty = store.createGroup({ name: 'Empty' });

    const { changes, result } = await drain(connector(), false, null);

    expect(result.full).toBe(true);
    expect(JSON.parse(result.cursor ?? '')).toMatchObject({ v: 1, since: expect.any(String) as unknown });
    const users = new Map(usersOf(changes).map((user) => [user.id, user]));
    expect(users.size).toBe(11);
    for (const [i, status] of OKTA_USER_STATUSES.entries()) {
      expect(users.get(byStatus[i]!.id)).toMatchObject({
        status,
        active: !['STAGED', 'SUSPENDED', 'DEPROVISIONED'].includes(status),
      });
    }
    expect(users.get(zoe.id)).toEqual({
      id: zoe.id,
      userName: 'zoë.ørsted@example.test',
      email: 'z.orsted@mail.example',
      givenName: 'Zoë',
      familyName: 'Ørsted',
      displayName: 'Zoë Ørsted',
      active: true,
      status: 'ACTIVE',
      // Every profile attribute, for the policy's rules and mappings.
      attributes: {
        login: 'zoë.ørsted@example.test',
        email: 'z.orsted@mail.example',
        firstName: 'Zoë',
        lastName: 'Ørsted',
      },
    });
    expect([users.get(upper.id)?.userName, users.get(lower.id)?.userName]).toEqual([
      'Case.Tester@example.test',
      'case.tester@example.test',
    ]);
    expect(groupsOf(changes)).toEqual([
      expect.objectContaining({ id: store.everyoneGroupId, displayName: 'Everyone', builtIn: true }),
      expect.objectContaining({ id: staff.id, displayName: 'Staff 日本', builtIn: false }),
      expect.objectContaining({ id: empty.id, displayName: 'Empty', builtIn: false }),
    ]);
    expect(groupsOf(changes)[1]?.attributes).toMatchObject({ name: 'Staff 日本', type: 'OKTA_GROUP' });
    expect(membersOf(changes, staff.id).sort()).toEqual([zoe.id, upper.id].sort());
    expect(membersOf(changes, store.everyoneGroupId)).toHaveLength(11);
    expect(changes).toContainEqual({ type: 'members.replace', groupId: empty.id, memberIds: [] });
  });

  it('pages users across several pages and yields at most a few hundred changes per page', async () => {
    await startEmulator();
    for (let i = 0; i < 450; i += 1) emulator.store.createUser({ profile: person(`user${i}`) });
    emulator.store.setStatus([...emulator.store.users.keys()][0]!, 'DEPROVISIONED');

    const { pages, changes } = await drain(connector(), true, 'ignored for a full read');

    expect(new Set(usersOf(changes).map((user) => user.id)).size).toBe(450);
    expect(Math.max(...pages.map((page) => page.length))).toBeLessThanOrEqual(200);
    // 449 listed users in 3 pages, 1 DEPROVISIONED search, 1 groups page, Everyone's 450 members in 1 page (the lists
    // are read side by side, so only the first request's place is fixed).
    const paths = emulator.requests.entries.map((entry) => entry.path.split('?')[0]);
    expect(paths[0]).toBe('/api/v1/users');
    expect(paths.sort()).toEqual([
      '/api/v1/groups',
      `/api/v1/groups/${emulator.store.everyoneGroupId}/users`,
      '/api/v1/users',
      '/api/v1/users',
      '/api/v1/users',
      '/api/v1/users',
    ]);
  });

  it('reads independent lists side by side, at most four requests at once, and yields them as a sequential read', async () => {
    await startEmulator();
    const people = Array.from({ length: 30 }, (_, i) => emulator.store.createUser({ profile: person(`p${i}`) }));
    const groups = Array.from({ length: 12 }, (_, g) => {
      const group = emulator.store.createGroup({ name: `Team ${String(g).padStart(2, '0')}` });
      for (const member of people.filter((_, i) => i % 12 <= g)) emulator.store.addMember(group.id, member.id);
      return group;
    });
    // Every member list answers slowly, so a sequential reader would never have two in flight.
    emulator.faults.inject({ path: /^\/api\/v1\/groups\/[^/]+\/users$/, kind: { type: 'delay', ms: 40 }, times: 100 });

    const { changes } = await drain(connector(), true, 'ignored for a full read');

    expect(emulator.concurrency.max).toBeGreaterThan(1);
    expect(emulator.concurrency.max).toBeLessThanOrEqual(4);
    // Groups in the order the groups list gave them, each group's member pages together.
    const replaced = changes.flatMap((c) => (c.type === 'members.replace' ? [c.groupId] : []));
    expect(replaced).toEqual([...groupsOf(changes).map((group) => group.id)]);
    for (const [g, group] of groups.entries()) {
      expect(membersOf(changes, group.id).sort()).toEqual(
        people
          .filter((_, i) => i % 12 <= g)
          .map((member) => member.id)
          .sort(),
      );
    }
  });
});

describe('OktaConnector incremental read', () => {
  it('returns only what changed, deletions from the System Log, and costs three requests when nothing did', async () => {
    const clock = new SteppingClock();
    await startEmulator({ clock });
    const store = emulator.store;
    const [ann, bob, cy, dee] = ['ann', 'bob', 'cy', 'dee'].map((name) => store.createUser({ profile: person(name) }));
    const staff = store.createGroup({ name: 'Staff' });
    const old = store.createGroup({ name: 'Old' });
    const quiet = store.createGroup({ name: 'Quiet' });
    store.addMember(staff.id, ann!.id);
    store.addMember(quiet.id, dee!.id);
    // Older than the read's minute of overlap, so the next incremental read does not see it again.
    clock.advance(5 * 60_000);
    const conn = connector({}, { now: () => clock.now() });
    const first = await drain(conn, false, null);
    clock.advance(5 * 60_000);

    store.updateUser(ann!.id, { lastName: 'Renamed' });
    store.setStatus(bob!.id, 'SUSPENDED');
    store.setStatus(cy!.id, 'DEPROVISIONED');
    store.deleteUser(cy!.id);
    store.renameGroup(staff.id, 'Staff (all)');
    const fresh = store.createGroup({ name: 'Fresh' });
    store.deleteGroup(old.id);
    store.addMember(staff.id, bob!.id);
    store.removeMember(staff.id, ann!.id);
    clock.advance(2 * 60_000);
    emulator.requests.clear();

    const second = await drain(conn, false, first.result.cursor);

    expect(second.result.full).toBe(false);
    expect(usersOf(second.changes).map((user) => [user.id, user.familyName, user.status])).toEqual([
      [ann!.id, 'Renamed', 'ACTIVE'],
      [bob!.id, 'Tester', 'SUSPENDED'],
    ]);
    expect(groupsOf(second.changes).map((group) => group.displayName)).toEqual(['Everyone', 'Staff (all)', 'Fresh']);
    expect(membersOf(second.changes, staff.id)).toEqual([bob!.id]);
    expect(membersOf(second.changes, fresh.id)).toEqual([]);
    expect(second.changes.some((c) => c.type === 'members.replace' && c.groupId === quiet.id)).toBe(false);
    expect(second.changes.filter((c) => c.type.endsWith('.deleted'))).toEqual([
      { type: 'user.deleted', id: cy!.id },
      { type: 'group.deleted', id: old.id },
    ]);

    clock.advance(5 * 60_000);
    emulator.requests.clear();
    const third = await drain(conn, false, second.result.cursor);

    expect(third.changes).toEqual([]);
    expect(emulator.requests.entries.map((entry) => entry.path.split('?')[0])).toEqual([
      '/api/v1/users',
      '/api/v1/groups',
      '/api/v1/logs',
    ]);
    expect(third.result.cursor).not.toBe(second.result.cursor);
  });

  it('keeps a change made during a read for the next one: the cursor is the read start', async () => {
    const clock = new SteppingClock();
    await startEmulator({ clock });
    const ann = emulator.store.createUser({ profile: person('ann') });
    const conn = connector({}, { now: () => clock.now() });
    const generator = conn.read({ full: true, cursor: null });
    await generator.next();
    clock.advance(5 * 60_000);
    emulator.store.updateUser(ann.id, { firstName: 'Anna' });
    let done = await generator.next();
    while (done.done !== true) done = await generator.next();

    const next = await drain(conn, false, done.value.cursor);

    expect(usersOf(next.changes).map((user) => user.givenName)).toEqual(['Anna']);
  });

  it('reads in full when the cursor is older than the System Log keeps (90 days)', async () => {
    const clock = new SteppingClock();
    await startEmulator({ clock });
    emulator.store.createUser({ profile: person('ann') });
    const conn = connector({}, { now: () => clock.now() });
    const first = await drain(conn, false, null);
    clock.advance(90 * 24 * 3600 * 1000);

    const late = await drain(conn, false, first.result.cursor);

    expect(late.result.full).toBe(true);
    expect(usersOf(late.changes)).toHaveLength(1);
  });
});

describe('OktaConnector with OKTA_APP_ID', () => {
  it("reads only the app assignments, with each user's real status, and always reads in full", async () => {
    await startEmulator();
    const store = emulator.store;
    const [ann, bob, cy] = ['ann', 'bob', 'cy'].map((name) => store.createUser({ profile: person(name) }));
    store.createUser({ profile: person('outsider') });
    const staff = store.createGroup({ name: 'Staff' });
    store.createGroup({ name: 'Unassigned' });
    store.addMember(staff.id, ann!.id);
    store.addMember(staff.id, bob!.id);
    store.setStatus(cy!.id, 'SUSPENDED');
    const app = store.createApp('dirsync');
    store.assignGroupToApp(app.id, staff.id);
    store.assignUserToApp(app.id, cy!.id);
    const conn = connector({ OKTA_APP_ID: app.id });

    const first = await drain(conn, false, null);
    const again = await drain(conn, false, first.result.cursor);

    expect(usersOf(first.changes).map((user) => [user.userName, user.status])).toEqual([
      ['ann@example.test', 'ACTIVE'],
      ['bob@example.test', 'ACTIVE'],
      ['cy@example.test', 'SUSPENDED'],
    ]);
    expect(groupsOf(first.changes).map((group) => group.id)).toEqual([staff.id]);
    expect(membersOf(first.changes, staff.id)).toEqual([ann!.id, bob!.id]);
    expect(again.result.full).toBe(true);
    expect(again.changes).toEqual(first.changes);
  });
});
