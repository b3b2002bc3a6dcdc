import { describe, expect, it } from 'vitest';
import type { OutboxEntry } from '../../../src/store/outbox-repository.js';
import { InviteReadiness } from '../../../src/sync/invite-readiness.js';

const entry = (op: OutboxEntry['op']): OutboxEntry => ({ id: op.key, op, attempts: 0, failures: 0, approved: false });
const create = entry({
  kind: 'user.create',
  key: 'user.create:ada',
  externalId: 'ada',
  attributes: {
    userName: 'ada@x.example',
    email: 'ada@x.example',
    givenName: 'Ada',
    familyName: 'L',
    displayName: 'Ada',
  },
  invite: true,
});
const update = entry({ kind: 'user.update', key: 'user.update:ada', externalId: 'ada', changes: { givenName: 'Ada' } });
const settledNow = async (promise: Promise<boolean>): Promise<boolean | 'waiting'> =>
  Promise.race([
    promise,
    new Promise<'waiting'>((resolve) =>
      setTimeout(() => {
        resolve('waiting');
      }, 10),
    ),
  ]);

describe('InviteReadiness', () => {
  it("is ready once every one of the person's user ops finished, not before", async () => {
    const readiness = new InviteReadiness([create, update]);
    const ready = readiness.ready('ada');
    readiness.finished(create);
    expect(await settledNow(ready)).toBe('waiting');
    readiness.finished(update);
    expect(await ready).toBe(true);
  });

  it('a person without user ops in the run is ready at once; other ops do not count', async () => {
    const readiness = new InviteReadiness([create]);
    expect(await readiness.ready('bob')).toBe(true);
    readiness.finished(entry({ kind: 'group.delete', key: 'group.delete:ada', externalId: 'ada' }));
    expect(await settledNow(readiness.ready('ada'))).toBe('waiting');
  });

  it("names the person's user ops, one or several, and no one else's", () => {
    const bob = entry({ kind: 'user.reactivate', key: 'user.reactivate:bob', externalId: 'bob', changes: {} });
    const readiness = new InviteReadiness([create, bob, update]);
    expect(readiness.opsOf('ada')).toEqual(['user.create:ada', 'user.update:ada']);
    expect(readiness.opsOf('bob')).toEqual(['user.reactivate:bob']);
    expect(readiness.opsOf('cy')).toEqual([]);
  });

  it('settles every invite waiting for the person, and those still waiting when the run ends as not ready', async () => {
    const bob = entry({ kind: 'user.reactivate', key: 'user.reactivate:bob', externalId: 'bob', changes: {} });
    const readiness = new InviteReadiness([create, bob]);
    const first = readiness.ready('ada');
    const second = readiness.ready('ada');
    const bobs = readiness.ready('bob');
    readiness.finished(create);
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(await settledNow(bobs)).toBe('waiting');
    readiness.over();
    expect(await bobs).toBe(false);
    // An op that still reports after the end does not make its person ready.
    readiness.finished(bob);
    expect(await readiness.ready('bob')).toBe(false);
    expect(await readiness.ready('ada')).toBe(true);
  });

  it('is not ready when the run ends before the ops ran (a stop)', async () => {
    const readiness = new InviteReadiness([create, update]);
    readiness.finished(create);
    readiness.over();
    expect(await readiness.ready('ada')).toBe(false);
  });
});
