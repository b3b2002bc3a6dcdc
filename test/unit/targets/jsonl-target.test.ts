import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonlTarget } from '../../../src/targets/jsonl/jsonl-target.js';
import { TargetError } from '../../../src/targets/target-error.js';
import type { UserWrite } from '../../../src/targets/target.js';

const zoe: UserWrite = {
  externalId: '00u1',
  userName: 'zoe.obrien@acme.example',
  email: 'zoe@acme.example',
  givenName: 'Zoë',
  familyName: "O'Brien",
  displayName: "Zoë O'Brien",
  active: true,
};

/** A clock that ticks one second per reading, from a fixed instant. */
function tickingClock(): () => Date {
  let tick = 0;
  return () => new Date(Date.UTC(2025, 0, 1, 0, 0, tick++));
}

describe('JsonlTarget', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dirsync-jsonl-'));
    file = join(dir, 'nested', 'app.jsonl');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function lines(): Promise<unknown[]> {
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as unknown);
  }

  it('appends every applied write as one timestamped JSON line, in call order', async () => {
    const target = new JsonlTarget(file, { now: tickingClock() });
    const user = await target.createUser(zoe, { resumed: false });
    const group = await target.createGroup({ externalId: '00g1', displayName: 'Engineering' }, { resumed: false });
    await target.updateUser(user.appId, { email: 'zoe.obrien@acme.example', active: false });
    await target.updateGroup(group.appId, { displayName: 'R&D', addMemberIds: [user.appId], removeMemberIds: [] });
    await target.deleteGroup(group.appId);

    expect(user).toEqual({ appId: 'u-00u1', adopted: false });
    expect(group).toEqual({ appId: 'g-00g1', adopted: false });
    expect(await lines()).toEqual([
      { at: '2025-01-01T00:00:00.000Z', op: 'user.create', appId: 'u-00u1', externalId: '00u1', user: zoe },
      {
        at: '2025-01-01T00:00:01.000Z',
        op: 'group.create',
        appId: 'g-00g1',
        externalId: '00g1',
        group: { externalId: '00g1', displayName: 'Engineering' },
      },
      {
        at: '2025-01-01T00:00:02.000Z',
        op: 'user.update',
        appId: 'u-00u1',
        changes: { email: 'zoe.obrien@acme.example', active: false },
      },
      {
        at: '2025-01-01T00:00:03.000Z',
        op: 'group.update',
        appId: 'g-00g1',
        changes: { displayName: 'R&D', addMemberIds: ['u-00u1'] },
      },
      { at: '2025-01-01T00:00:04.000Z', op: 'group.delete', appId: 'g-00g1' },
    ]);
  });

  it('keeps concurrent calls whole: one complete line each, none interleaved', async () => {
    const target = new JsonlTarget(file, { now: tickingClock(), durable: false });
    const users = Array.from({ length: 50 }, (_, index) => ({ ...zoe, externalId: `00u${index}` }));
    await Promise.all(users.map((user) => target.createUser(user, { resumed: false })));
    const written = (await lines()) as { appId: string }[];
    expect(written.map((line) => line.appId).sort()).toEqual(users.map((user) => `u-${user.externalId}`).sort());
  });

  it('carries the policy’s extra attributes of a create and an update as given, a cleared one as null', async () => {
    const target = new JsonlTarget(file, { now: tickingClock() });
    const department = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department';
    const extra = { title: 'Analyst', [department]: 'Research', roles: ['Engineer', 'Reviewer'] };
    await target.createUser({ ...zoe, extra }, { resumed: false });
    await target.updateUser('u-00u1', { extra: { title: null, 'phoneNumbers[type eq "work"].value': '+1 555 0100' } });
    await target.updateUser('u-00u1', { displayName: 'Zoë', extra: {} });
    expect(await lines()).toEqual([
      expect.objectContaining({ op: 'user.create', user: { ...zoe, extra } }),
      expect.objectContaining({
        op: 'user.update',
        changes: { extra: { title: null, 'phoneNumbers[type eq "work"].value': '+1 555 0100' } },
      }),
      // An empty set of extra attributes is no change: not written.
      expect.objectContaining({ op: 'user.update', changes: { displayName: 'Zoë' } }),
    ]);
  });

  it('writes nothing for an update without changes', async () => {
    const target = new JsonlTarget(file, { now: tickingClock() });
    await target.updateUser('u-00u1', {});
    await target.updateUser('u-00u1', { extra: {} });
    await target.updateGroup('g-00g1', { addMemberIds: [], removeMemberIds: [] });
    await expect(readFile(file, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('returns the same app id for a resumed create and writes no second create line', async () => {
    await new JsonlTarget(file, { now: tickingClock() }).createUser(zoe, { resumed: false });
    await new JsonlTarget(file, { now: tickingClock() }).createGroup(
      { externalId: '00g1', displayName: 'Sales' },
      { resumed: false },
    );

    // A new process after the crash: it knows nothing but the file.
    const resumed = new JsonlTarget(file, { now: tickingClock() });
    expect(await resumed.createUser(zoe, { resumed: true })).toEqual({ appId: 'u-00u1', adopted: false });
    expect(await resumed.createGroup({ externalId: '00g1', displayName: 'Sales' }, { resumed: true })).toEqual({
      appId: 'g-00g1',
      adopted: false,
    });
    expect(((await lines()) as { op: string }[]).map((line) => line.op)).toEqual(['user.create', 'group.create']);
  });

  it('does write a resumed create whose first attempt never reached the file', async () => {
    const target = new JsonlTarget(file, { now: tickingClock() });
    await target.createUser({ ...zoe, externalId: '00u0' }, { resumed: false });
    expect(await target.createUser(zoe, { resumed: true })).toEqual({ appId: 'u-00u1', adopted: false });
    // Once read, the file's creates are remembered together with this process's own appends.
    await target.createUser(zoe, { resumed: true });
    expect(((await lines()) as { appId: string }[]).map((line) => line.appId)).toEqual(['u-00u0', 'u-00u1']);
  });

  it('re-creates a group whose last line is its delete', async () => {
    const first = new JsonlTarget(file, { now: tickingClock() });
    await first.createGroup({ externalId: '00g1', displayName: 'Sales' }, { resumed: false });
    await first.deleteGroup('g-00g1');
    const resumed = new JsonlTarget(file, { now: tickingClock() });
    await resumed.createGroup({ externalId: '00g1', displayName: 'Sales' }, { resumed: true });
    expect(((await lines()) as { op: string }[]).map((line) => line.op)).toEqual([
      'group.create',
      'group.delete',
      'group.create',
    ]);
  });

  it('starts a new line after a line torn by a crash, and does not count the torn create', async () => {
    const target = new JsonlTarget(file, { now: tickingClock() });
    await target.createUser({ ...zoe, externalId: '00u0' }, { resumed: false });
    await appendFile(file, '{"at":"2025-01-01T00:00:09.000Z","op":"user.create","appId":"u-00u1","exte');

    const resumed = new JsonlTarget(file, { now: tickingClock() });
    await resumed.createUser(zoe, { resumed: true });

    const text = await readFile(file, 'utf8');
    const [, torn, last] = text.trimEnd().split('\n');
    expect(torn?.endsWith('"exte')).toBe(true);
    expect(JSON.parse(last ?? '')).toMatchObject({ op: 'user.create', appId: 'u-00u1', user: zoe });
  });

  it('fails with a config error naming APP_JSONL_PATH when the path cannot be written', async () => {
    await writeFile(join(dir, 'a-file'), 'not a directory');
    const target = new JsonlTarget(join(dir, 'a-file', 'app.jsonl'));
    const error: unknown = await target.createUser(zoe, { resumed: false }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({ kind: 'config' });
    expect((error as TargetError).message).toContain(`APP_JSONL_PATH ${join(dir, 'a-file', 'app.jsonl')}`);
  });
});
