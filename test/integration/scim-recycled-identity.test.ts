// DESIGN "Semantics", Adoption: an app account that looks like someone else's (another externalId, known to dirsync
// under another IdP id, or inactive) is never adopted silently. The SCIM target throws OpHeldError and writes
// nothing; an approved op (`adoptHeld`) adopts it and reactivates it; an active account without externalId is
// adopted as before.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpHeldError } from '../../src/targets/op-held-error.js';
import type { UserWrite } from '../../src/targets/target.js';
import { scimUserSchema } from '../../src/targets/scim/scim-schemas.js';
import { ScimTarget } from '../../src/targets/scim/scim-target.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import type { ScimProviderMode } from '../emulators/scim/scim-routes.js';
import type { ScimUserRecord } from '../emulators/scim/scim-records.js';

const TOKEN = 'tok-recycled-identity';

/** The new hire: a new IdP id, given the login of a person who left. */
function newHire(overrides: Partial<UserWrite> = {}): UserWrite {
  return {
    externalId: '00u-new',
    userName: 'alice@example.com',
    email: 'alice@example.com',
    givenName: 'Alice',
    familyName: 'Newman',
    displayName: 'Alice Newman',
    active: true,
    ...overrides,
  };
}

/** The departed person's account, as the app keeps it after dirsync deactivated it. */
function seedDeparted(overrides: { externalId?: string; active?: boolean } = {}): ScimUserRecord {
  return server.seedUser({
    userName: 'Alice@Example.com',
    externalId: '00u-old',
    displayName: 'Alice Oldham',
    givenName: 'Alice',
    familyName: 'Oldham',
    email: 'alice.oldham@example.com',
    active: false,
    ...overrides,
  });
}

async function held(promise: Promise<unknown>): Promise<OpHeldError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OpHeldError);
  return error as OpHeldError;
}

let server: ScimTestServer;
let target: ScimTarget;

/** Every write the app received (POSTs answered 409 wrote nothing and are left out). */
function writes(): string[] {
  return server
    .requests()
    .filter((request) => request.method !== 'GET' && request.status !== 409)
    .map((request) => `${request.method} ${request.path} ${String(request.status)}`);
}

describe.each<ScimProviderMode>(['strict', 'limited'])('recycled identities against a %s SCIM provider', (mode) => {
  beforeEach(async () => {
    server = new ScimTestServer({ mode, token: TOKEN });
    await server.start();
    target = new ScimTarget({
      baseUrl: server.baseUrl,
      token: TOKEN,
      retry: { limit: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
      sleep: () => Promise.resolve(),
      random: () => 0.5,
    });
  });

  afterEach(async () => {
    await server.stop();
  });

  it('holds a 409 on an inactive account with another externalId: both identities, nothing written', async () => {
    const departed = seedDeparted();
    const before = server.user(departed.id);
    const error = await held(target.createUser(newHire(), { resumed: false }));
    expect(error.hold.reason).toBe('recycled-other-external-id');
    expect(error.hold.incoming).toEqual({
      externalId: '00u-new',
      appId: null,
      userName: 'alice@example.com',
      email: 'alice@example.com',
      displayName: 'Alice Newman',
      active: true,
    });
    expect(error.hold.existing).toEqual({
      externalId: '00u-old',
      appId: departed.id,
      userName: 'Alice@Example.com',
      email: 'alice.oldham@example.com',
      displayName: 'Alice Oldham',
      active: false,
    });
    expect(error.message).toBe(
      `login "alice@example.com" (IdP 00u-new) is taken in the app by app user ${departed.id} "Alice@Example.com" ` +
        '(Alice Oldham, alice.oldham@example.com), and it carries externalId 00u-old, it is inactive: held as a ' +
        'possible recycled identity, nothing written; approving this op (dirsync approve with its key) adopts it',
    );
    expect(server.countRequests({ method: 'POST', path: '/Users', status: 409 })).toBe(1);
    expect(writes()).toEqual([]);
    expect(server.users()).toEqual([before]);
  });

  it('holds an inactive account without externalId (a departed person made by hand)', async () => {
    const departed = seedDeparted({ externalId: '' });
    const error = await held(target.createUser(newHire(), { resumed: false }));
    expect(error.hold.reason).toBe('recycled-inactive');
    expect(error.hold.existing).toMatchObject({ appId: departed.id, externalId: null, active: false });
    expect(writes()).toEqual([]);
  });

  it('holds an active account that carries another externalId (another person, or another tool’s link)', async () => {
    seedDeparted({ active: true });
    const error = await held(target.createUser(newHire(), { resumed: false }));
    expect(error.hold.reason).toBe('recycled-other-external-id');
    expect(error.hold.existing.active).toBe(true);
    expect(writes()).toEqual([]);
  });

  it('holds an account dirsync links to another IdP id, even when the app keeps no externalId on it', async () => {
    const known = server.seedUser({ userName: 'alice@example.com', email: 'alice@example.com', active: true });
    const error = await held(
      target.createUser(newHire(), {
        resumed: false,
        linkedExternalIdOf: (appId) => (appId === known.id ? '00u-old' : undefined),
      }),
    );
    expect(error.hold.reason).toBe('recycled-known-as-other');
    expect(error.hold.existing).toMatchObject({ appId: known.id, externalId: '00u-old', active: true });
    expect(error.message).toContain('dirsync knows it as IdP 00u-old');
    expect(writes()).toEqual([]);
  });

  it('adopts the account when the op was approved: linked, our attributes, reactivated, no second user', async () => {
    const departed = seedDeparted();
    const result = await target.createUser(newHire(), {
      resumed: false,
      adoptHeld: true,
      linkedExternalIdOf: (appId) => (appId === departed.id ? '00u-old' : undefined),
    });
    expect(result).toEqual({ appId: departed.id, adopted: true });
    expect(server.users()).toHaveLength(1);
    expect(server.user(departed.id)).toMatchObject({
      userName: 'alice@example.com',
      externalId: '00u-new',
      displayName: 'Alice Newman',
      name: { givenName: 'Alice', familyName: 'Newman' },
      emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
      active: true,
    });
  });

  it('adopts an active account with no externalId, linked to nobody, as before', async () => {
    const handMade = server.seedUser({ userName: 'ALICE@example.com', email: 'a@example.com', active: true });
    const result = await target.createUser(newHire(), { resumed: false, linkedExternalIdOf: () => undefined });
    expect(result).toEqual({ appId: handMade.id, adopted: true });
    expect(server.user(handMade.id)).toMatchObject({ externalId: '00u-new', active: true });
  });

  it('adopts an active account dirsync already links to this very person', async () => {
    const mine = server.seedUser({ userName: 'alice@example.com', active: true });
    const result = await target.createUser(newHire(), {
      resumed: false,
      linkedExternalIdOf: (appId) => (appId === mine.id ? '00u-new' : undefined),
    });
    expect(result).toEqual({ appId: mine.id, adopted: true });
  });

  it('on a resumed create holds a found account that is someone else’s, and writes nothing', async () => {
    seedDeparted();
    const error = await held(target.createUser(newHire(), { resumed: true }));
    expect(error.hold.reason).toBe('recycled-other-external-id');
    expect(server.countRequests({ method: 'POST', path: '/Users' })).toBe(0);
    expect(writes()).toEqual([]);
  });

  it('holds, after a lost answer, the account another tool made under that login: the resend meets 409', async () => {
    const other = server.seedUser({ userName: 'ALICE@example.com', externalId: 'other-tool-7', active: true });
    server.failNext({ method: 'POST', path: '/Users', status: 503 });
    const error = await held(target.createUser(newHire(), { resumed: false }));
    expect(error.hold).toMatchObject({ reason: 'recycled-other-external-id', existing: { appId: other.id } });
    expect(server.countRequests({ method: 'POST', path: '/Users', status: 409 })).toBe(1);
    expect(server.user(other.id)?.externalId).toBe('other-tool-7');
    expect(server.users()).toHaveLength(1);
  });

  it('never holds its own earlier create: found by externalId on a resume, or after a lost answer', async () => {
    const first = await target.createUser(newHire(), { resumed: false });
    // Deactivated since (the person left and came back): still our own account, not a recycled one.
    await target.updateUser(first.appId, { active: false });
    expect(await target.createUser(newHire(), { resumed: true })).toEqual({ appId: first.appId, adopted: false });

    const grace = newHire({ externalId: '00u-grace', userName: 'grace@example.com', email: 'grace@example.com' });
    server.failNext({ method: 'POST', path: '/Users', status: 502, afterApply: true });
    const landed = await target.createUser(grace, { resumed: false });
    expect(landed.adopted).toBe(false);
    expect(server.users().filter((user) => user.userName === 'grace@example.com')).toHaveLength(1);
    expect(server.countRequests({ method: 'POST', path: '/Users' })).toBe(2);
  });
});

describe('the SCIM user schema, as adoption reads it', () => {
  const base = { id: 'u1', userName: 'alice@example.com' };

  it('reads a user without `active` as active, and one without `emails` as having none', () => {
    const parsed = scimUserSchema.parse(base);
    expect(parsed.active).toBe(true);
    expect(parsed.emails ?? []).toEqual([]);
  });

  it.each([
    [false, false],
    ['false', false],
    ['False', false],
    [true, true],
    ['true', true],
    [null, true],
  ])('reads `active: %j` as %s', (active, expected) => {
    expect(scimUserSchema.parse({ ...base, active }).active).toBe(expected);
  });

  it('drops `emails` or `displayName` of an unexpected shape instead of failing the lookup', () => {
    const parsed = scimUserSchema.parse({ ...base, emails: 'alice@example.com', displayName: 42 });
    expect(parsed).toMatchObject({ id: 'u1', emails: null, displayName: null });
  });
});
