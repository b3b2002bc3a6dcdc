import { describe, expect, it } from 'vitest';
import type { AppUser } from '../../../../src/core/model/app-state.js';
import type { DesiredUser } from '../../../../src/core/model/desired-state.js';
import { identityHolds } from '../../../../src/core/planner/identity-holds.js';
import type { Op } from '../../../../src/core/planner/op.js';
import { CONNECTION, appStateOf, appUser, desiredOf, desiredUser } from '../builders.js';

function person(id: string, login: string, overrides: Partial<DesiredUser> = {}): DesiredUser {
  return desiredUser(id, { userName: login, email: login, displayName: `Person ${id}`, ...overrides });
}

function known(id: string, login: string, overrides: Partial<AppUser> = {}): AppUser {
  return appUser(id, { appId: `app-${id}`, userName: login, email: login, displayName: `Known ${id}`, ...overrides });
}

function createOf(user: DesiredUser): Op {
  const { externalId, active: _active, ...attributes } = user;
  return { kind: 'user.create', key: `user.create:${CONNECTION}:${externalId}`, externalId, attributes, invite: true };
}

function holdsFor(people: readonly DesiredUser[], app: readonly AppUser[], extra: readonly Op[] = []) {
  return identityHolds([...extra, ...people.map(createOf)], desiredOf({ users: people }), appStateOf({ users: app }));
}

describe('identityHolds', () => {
  it('holds a new hire given a departed person’s login (same login, inactive account): both identities', () => {
    const newHire = person('00u2', 'alice@example.com');
    const holds = holdsFor([newHire], [known('00u1', 'Alice@Example.com', { active: false, appId: '7f3c' })]);
    expect([...holds.keys()]).toEqual([`user.create:${CONNECTION}:00u2`]);
    expect(holds.get(`user.create:${CONNECTION}:00u2`)).toEqual({
      reason: 'recycled-known-as-other',
      message:
        'login "alice@example.com" (IdP 00u2) is the same login as "Alice@Example.com" (app user 7f3c, IdP 00u1, ' +
        `inactive): held as a possible recycled or spoofed identity; approve with dirsync approve user.create:${CONNECTION}:00u2`,
      incoming: {
        externalId: '00u2',
        appId: null,
        userName: 'alice@example.com',
        email: 'alice@example.com',
        displayName: 'Person 00u2',
        active: true,
      },
      existing: {
        externalId: '00u1',
        appId: '7f3c',
        userName: 'Alice@Example.com',
        email: 'Alice@Example.com',
        displayName: 'Known 00u1',
        active: false,
      },
    });
  });

  it('holds the same login of an active account dirsync knows under another IdP id', () => {
    const holds = holdsFor([person('00u2', 'bob@example.com')], [known('00u1', 'bob@example.com')]);
    const hold = holds.get(`user.create:${CONNECTION}:00u2`);
    expect(hold?.reason).toBe('recycled-known-as-other');
    expect(hold?.existing.active).toBe(true);
    expect(hold?.message).toContain('(app user app-00u1, IdP 00u1, active)');
  });

  it('holds a login that differs from a known one only by a confusable, naming both', () => {
    const holds = holdsFor(
      [person('00u2', '\u0430lice@example.com')],
      [known('00u1', 'alice@example.com', { active: false, appId: '7f3c' })],
    );
    const hold = holds.get(`user.create:${CONNECTION}:00u2`);
    expect(hold?.reason).toBe('confusable');
    expect(hold?.message).toBe(
      'login "\u0430lice@example.com" (IdP 00u2) looks like "alice@example.com" (app user 7f3c, IdP 00u1, inactive): ' +
        `held as a possible recycled or spoofed identity; approve with dirsync approve user.create:${CONNECTION}:00u2`,
    );
    expect(hold?.incoming.userName).toBe('\u0430lice@example.com');
    expect(hold?.existing.userName).toBe('alice@example.com');
  });

  it.each([
    ['Greek ο', 'b\u03bfb@example.com', 'bob@example.com'],
    ['"rn" for "m"', 'rnary@example.com', 'mary@example.com'],
    ['fullwidth letters', '\uff42\uff4f\uff42@example.com', 'bob@example.com'],
    ['a capital I for a small L', 'aIice@example.com', 'alice@example.com'],
  ])('holds a look-alike login (%s) as confusable', (_name, login, existing) => {
    const holds = holdsFor([person('new', login)], [known('old', existing)]);
    expect(holds.get(`user.create:${CONNECTION}:new`)?.reason).toBe('confusable');
  });

  it('holds a new person whose e-mail is a known person’s e-mail, naming the field and the login', () => {
    const holds = holdsFor(
      [person('new', 'carol.new@example.com', { email: 'carol@example.com' })],
      [known('old', 'carol.old@example.com', { email: 'Carol@example.com' })],
    );
    expect(holds.get(`user.create:${CONNECTION}:new`)).toMatchObject({
      reason: 'confusable',
      message: expect.stringContaining(
        'e-mail "carol@example.com" (IdP new) is the same e-mail as "Carol@example.com" (app user app-old, login carol.old@example.com, IdP old, active)',
      ) as unknown,
    });
  });

  it('holds a new login that looks like a known person’s e-mail (logins are often e-mails)', () => {
    const holds = holdsFor(
      [person('new', 'dave@example.com', { email: 'dave.new@mail.example.com' })],
      [known('old', 'dsmith', { email: 'dave@example.com' })],
    );
    expect(holds.get(`user.create:${CONNECTION}:new`)?.message).toContain(
      'login "dave@example.com" (IdP new) is the same as the e-mail "dave@example.com" (app user app-old, login dsmith, IdP old, active)',
    );
  });

  it('holds against the login a known person gets in this very plan', () => {
    const rename: Op = {
      kind: 'user.update',
      key: `user.update:${CONNECTION}:old@1`,
      externalId: 'old',
      changes: { userName: 'erin@example.com' },
    };
    const holds = holdsFor([person('new', 'erin@example.com')], [known('old', 'erin.x@example.com')], [rename]);
    expect(holds.get(`user.create:${CONNECTION}:new`)?.reason).toBe('recycled-known-as-other');
  });

  it('holds the later of two creates whose logins look alike, against the other incoming person', () => {
    const first = person('p1', 'frank@example.com');
    const second = person('p2', 'fr\u0430nk@example.com');
    const holds = holdsFor([first, second], []);
    expect([...holds.keys()]).toEqual([`user.create:${CONNECTION}:p2`]);
    const hold = holds.get(`user.create:${CONNECTION}:p2`);
    expect(hold?.reason).toBe('confusable');
    expect(hold?.existing).toEqual({
      externalId: 'p1',
      appId: null,
      userName: 'frank@example.com',
      email: 'frank@example.com',
      displayName: 'Person p1',
      active: true,
    });
    expect(hold?.message).toContain('looks like "frank@example.com" (IdP p1, also created by this plan)');
  });

  it('holds every later create of a look-alike group, each against the first', () => {
    const people = [
      person('p1', 'gina@example.com'),
      person('p2', 'GINA@example.com'),
      person('p3', 'g\u0456na@example.com'),
    ];
    const holds = holdsFor(people, []);
    expect([...holds.keys()]).toEqual([`user.create:${CONNECTION}:p2`, `user.create:${CONNECTION}:p3`]);
    for (const hold of holds.values()) expect(hold.existing.externalId).toBe('p1');
  });

  it('does not compare e-mails between two creates: two new hires may share a mailbox', () => {
    const holds = holdsFor(
      [
        person('p1', 'hank@example.com', { email: 'team@example.com' }),
        person('p2', 'ivy@example.com', { email: 'team@example.com' }),
      ],
      [],
    );
    expect(holds.size).toBe(0);
  });

  it('prefers the known account with the same login over a look-alike one', () => {
    const holds = holdsFor(
      [person('new', 'jack@example.com')],
      [known('a', 'j\u0430ck@example.com'), known('b', 'JACK@example.com', { active: false })],
    );
    expect(holds.get(`user.create:${CONNECTION}:new`)).toMatchObject({
      reason: 'recycled-known-as-other',
      existing: { externalId: 'b' },
    });
  });

  it('never holds a person against their own account or their own values', () => {
    const me = person('me', 'kate@example.com');
    expect(holdsFor([me], [known('me', 'kate@example.com', { active: false })]).size).toBe(0);
  });

  it('holds nothing for unrelated logins and e-mails, nor for ops other than creates', () => {
    const update: Op = {
      kind: 'user.update',
      key: `user.update:${CONNECTION}:old@1`,
      externalId: 'old',
      changes: { displayName: 'Someone' },
    };
    const holds = holdsFor(
      [person('n1', 'liam@example.com'), person('n2', 'nora@example.com')],
      [known('old', 'olga@example.com'), known('gone', 'paul@example.com', { active: false })],
      [update],
    );
    expect(holds.size).toBe(0);
  });

  it('ignores empty e-mails: an empty value looks like nothing', () => {
    const holds = holdsFor(
      [person('new', 'quinn@example.com', { email: '' })],
      [known('old', 'rita@example.com', { email: '' })],
    );
    expect(holds.size).toBe(0);
  });
});
