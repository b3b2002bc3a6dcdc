// Hostile strings, from the IdP's wire to the app (issue 10, item 3): NUL and other controls, bidi controls, lone
// surrogates, very long values, confusables, and the metacharacters of SQL, JSON, HTML, SCIM filters and LIKE,
// driven through each connector's mapping, the central check, the mirror on SQLite and PostgreSQL, and the SCIM
// target. What passes the check must arrive byte-exact; what fails it is isolated, never a thrown database error.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphGroupEntrySchema, graphUserEntrySchema, USER_SELECT } from '../../connectors/graph/graph-wire.js';
import {
  graphGroupChanges,
  graphInvalidEntryChange,
  graphUserChange,
  isCompleteGraphUser,
} from '../../connectors/graph/graph-to-model.js';
import { parseOktaItems } from '../../connectors/okta/okta-items.js';
import { oktaGroupToModel, oktaInvalidItemToChange, oktaUserToModel } from '../../connectors/okta/okta-to-model.js';
import { oktaGroupSchema, oktaUserSchema } from '../../connectors/okta/okta-wire.js';
import { addDirectoryChange, emptyDirectoryDelta } from '../../src/core/directory-delta.js';
import { checkDirectoryGroup, checkDirectoryId, checkDirectoryUser } from '../../src/core/directory-object-check.js';
import type { DirectoryChange } from '../../src/core/model/directory-change.js';
import type { DirectoryUser } from '../../src/core/model/directory-user.js';
import { screenDirectoryChange } from '../../src/core/screen-directory-change.js';
import { IsolatedObjectRepository } from '../../src/store/isolated-object-repository.js';
import { MirrorRepository } from '../../src/store/mirror-repository.js';
import { ScimTarget } from '../../src/targets/scim/scim-target.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/test-databases.js';

// --- arbitraries -------------------------------------------------------------------------------------------------

const PIECES = [
  // NUL, C0 (tab, newlines, escape), DEL, C1
  ...['\u0000', '\u0001', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009f'],
  // bidi embeddings, overrides, isolates, marks; line and paragraph separators
  ...['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'],
  ...['\u200e', '\u200f', '\u061c', '\u2028', '\u2029'],
  // invisible format characters, joiners, odd spaces
  ...['\u200b', '\u200c', '\u200d', '\ufeff', '\u00ad', '\u2060', '\u00a0', '\u3000', ' '],
  // lone surrogates (invalid UTF-16), and valid pairs and combining sequences
  ...['\ud800', '\udbff', '\udc00', '\udfff', '😀', '👩‍💻', 'e\u0301', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
  // confusables and case folding traps
  ...['а', 'ɑ', 'ⅰ', 'Ａ', 'ß', 'İ', 'ı', 'ﬁ', 'Ω'],
  // SQL, JSON, HTML, SCIM filter and LIKE metacharacters
  ...["'", '"', '\\', ';', '--', '/*', '*/', "' OR '1'='1", '"; DROP TABLE idp_users; --'],
  ...['{"a":1}', '\\u0000', '<script>alert(1)</script>', '&amp;', '" or userName pr or "', ' eq ', '%', '_', '%_%'],
  ...['__proto__', 'constructor', 'null', '@', '+', '.', 'ada@example.com'],
];

const handMade = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4 })), { maxLength: 10 })
  .map((parts) => parts.join(''));
const utf16Units = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
  maxLength: 16,
});
// Around every limit of the check (255, 256, 1024), in single and double UTF-16 units.
const long = fc
  .tuple(fc.constantFrom('a', 'é', '😀', '\u0000'), fc.constantFrom(254, 255, 256, 257, 1023, 1024, 1025, 3000))
  .map(([unit, count]) => unit.repeat(count));
const hostile = fc.oneof(
  { weight: 4, arbitrary: handMade },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: utf16Units },
  { weight: 1, arbitrary: long },
);
/** Values that pass the check often: metacharacters, confusables, emoji, marks, names at their limits. */
const passable = fc.oneof(
  fc
    .array(
      fc.constantFrom(
        // The pieces any field takes (an id takes the fewest characters).
        ...PIECES.filter((piece) => checkDirectoryId(piece) === null),
      ),
      {
        minLength: 1,
        maxLength: 8,
      },
    )
    .map((parts) => parts.join('')),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
  fc.constantFrom('a'.repeat(256), '😀'.repeat(256), 'é'.repeat(1024)),
);
// Each field is hostile one time in three: most objects then hold one or two bad fields, and about a third hold
// none, so both what is isolated and what must round-trip are well covered.
const text = fc.oneof({ weight: 1, arbitrary: hostile }, { weight: 2, arbitrary: passable });
const id = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('00u1', '00u2', '00u3', '00g1') },
  { weight: 1, arbitrary: hostile },
);

const directoryUser: fc.Arbitrary<DirectoryUser> = fc.record({
  id,
  userName: text,
  email: text,
  givenName: text,
  familyName: text,
  displayName: text,
  active: fc.boolean(),
  status: fc.oneof(fc.constantFrom('ACTIVE', 'SUSPENDED', 'enabled'), hostile),
});

/** A wire value: usually a string, sometimes what a broken IdP sends instead. */
const wireValue = fc.oneof(
  { weight: 8, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, 42, true, [], {}) },
);
const wireId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('00u1', '00g1', 'a1b2') },
  { weight: 1, arbitrary: wireValue },
);

// --- helpers -----------------------------------------------------------------------------------------------------

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const counts = new Map<string, number>();
/** Outcomes per property (clean, isolated, unidentified…), printed with the case count to show what was covered. */
const outcomes = new Map<string, Map<string, number>>();
function counted(name: string): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
}
function tally(name: string, outcome: string): void {
  const map = outcomes.get(name) ?? new Map<string, number>();
  map.set(outcome, (map.get(outcome) ?? 0) + 1);
  outcomes.set(name, map);
}
function report(name: string): void {
  const seen = [...(outcomes.get(name) ?? [])].map(([outcome, n]) => `${outcome} ${n}`).join(', ');
  console.log(`hostile-strings: ${name}: ${counts.get(name) ?? 0} cases${seen === '' ? '' : ` (${seen})`}`);
}

/** What the mirror is handed for one change: clean objects, or isolations with safe, ASCII reasons. */
function expectScreened(name: string, change: DirectoryChange | null): void {
  tally(name, change === null ? 'dropped' : change.type);
  if (change === null) return;
  switch (change.type) {
    case 'user':
      expect(checkDirectoryUser(change.user)).toEqual({ verdict: 'clean' });
      return;
    case 'group':
      expect(checkDirectoryGroup(change.group)).toEqual({ verdict: 'clean' });
      return;
    case 'user.isolated':
    case 'group.isolated':
    case 'unidentified':
      expect(change.field).toMatch(PRINTABLE_ASCII);
      // Reasons are built from field names and code points; a connector's zod message is ASCII too.
      expect(change.reason).toMatch(PRINTABLE_ASCII);
      return;
    case 'user.deleted':
    case 'group.deleted':
    case 'members.replace':
    case 'members.delta':
      return;
  }
}

// --- connectors' mappings and the central check ----------------------------------------------------------------

describe('hostile strings through the connectors and the central check', () => {
  const RUNS = 1000;

  it('Okta user and group wire → model → check: never throws; clean or isolated with a safe reason', () => {
    const name = 'okta wire → model → check';
    fc.assert(
      fc.property(
        wireId,
        fc.record({
          login: wireValue,
          email: wireValue,
          firstName: wireValue,
          lastName: wireValue,
          displayName: wireValue,
        }),
        fc.oneof(fc.constantFrom('ACTIVE', 'SUSPENDED', 'DEPROVISIONED'), wireValue),
        wireValue,
        (userId, profile, status, groupName) => {
          counted(name);
          const users = parseOktaItems([{ id: userId, status, profile }], oktaUserSchema);
          const groups = parseOktaItems(
            [{ id: userId, type: 'OKTA_GROUP', profile: { name: groupName } }],
            oktaGroupSchema,
          );
          expect(users).toBeDefined();
          expect(groups).toBeDefined();
          const changes: DirectoryChange[] = [
            ...(users?.items ?? []).map((user): DirectoryChange => ({ type: 'user', user: oktaUserToModel(user) })),
            ...(users?.invalid ?? []).map((item) => oktaInvalidItemToChange('user', item)),
            ...(groups?.items ?? []).map((group): DirectoryChange => ({
              type: 'group',
              group: oktaGroupToModel(group),
            })),
            ...(groups?.invalid ?? []).map((item) => oktaInvalidItemToChange('group', item)),
          ];
          expect(changes).toHaveLength(2);
          for (const change of changes) expectScreened(name, screenDirectoryChange(change));
        },
      ),
      { numRuns: RUNS },
    );
    report(name);
  });

  it('Graph user and group entries → model → check: never throws; clean or isolated with a safe reason', () => {
    const name = 'graph wire → model → check';
    fc.assert(
      fc.property(
        wireId,
        fc.record({
          userPrincipalName: wireValue,
          mail: wireValue,
          givenName: wireValue,
          surname: wireValue,
          displayName: wireValue,
        }),
        fc.array(wireValue, { maxLength: 3 }),
        fc.array(
          fc.record({
            '@odata.type': fc.constantFrom('#microsoft.graph.user', '#microsoft.graph.group'),
            id: wireValue,
          }),
          { maxLength: 3 },
        ),
        (entryId, fields, proxyAddresses, members) => {
          counted(name);
          // Every selected property present (null where unset), as Graph sends a whole user in a full round.
          const unset = Object.fromEntries(USER_SELECT.map((property) => [property, null]));
          const rawUser = { ...unset, id: entryId, ...fields, proxyAddresses, otherMails: [], accountEnabled: true };
          const user = graphUserEntrySchema.safeParse(rawUser);
          // A parsed user reaches the mapping: otherwise this property would test nothing of it.
          if (user.success && typeof rawUser.userPrincipalName === 'string')
            expect(isCompleteGraphUser(user.data)).toBe(true);
          const userChange = !user.success
            ? graphInvalidEntryChange('user', rawUser, user.error)
            : isCompleteGraphUser(user.data)
              ? graphUserChange(user.data)
              : null;
          expectScreened(name, userChange === null ? null : screenDirectoryChange(userChange));
          const rawGroup = { id: entryId, displayName: fields.displayName, 'members@delta': members };
          const group = graphGroupEntrySchema.safeParse(rawGroup);
          const groupChanges = group.success
            ? graphGroupChanges(group.data, 'full')
            : [graphInvalidEntryChange('group', rawGroup, group.error)];
          for (const change of groupChanges) expectScreened(name, screenDirectoryChange(change));
        },
      ),
      { numRuns: RUNS },
    );
    report(name);
  });

  it('the check names the field and never echoes the value: every reason is printable ASCII', () => {
    const name = 'check reasons';
    fc.assert(
      fc.property(directoryUser, (user) => {
        counted(name);
        const check = checkDirectoryUser(user);
        tally(name, check.verdict);
        if (check.verdict === 'clean') return;
        expect(check.isolation.reason).toMatch(PRINTABLE_ASCII);
        expect(check.isolation.reason.startsWith(`${check.isolation.field} `)).toBe(true);
      }),
      { numRuns: RUNS * 2 },
    );
    report(name);
  });
});

// --- the mirror on both databases ------------------------------------------------------------------------------

describe.each(DIALECTS)('hostile strings through the mirror on %s', (dialect) => {
  let database: TestDatabase;
  let connection = 0;
  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'hostile_strings');
  });
  afterAll(async () => {
    await database.destroy();
  });

  it('whatever passes the check round-trips byte-exact; whatever fails is isolated, never a database error', async () => {
    const name = `mirror round trip on ${dialect}`;
    await fc.assert(
      fc.asyncProperty(fc.array(directoryUser, { minLength: 1, maxLength: 4 }), text, async (users, groupName) => {
        counted(name);
        const connectionId = `fuzz-${++connection}`;
        const delta = emptyDirectoryDelta();
        const changes: DirectoryChange[] = [
          ...users.map((user): DirectoryChange => ({ type: 'user', user })),
          { type: 'group', group: { id: '00g9', displayName: groupName, builtIn: false } },
          { type: 'members.replace', groupId: '00g9', memberIds: users.map((user) => user.id) },
        ];
        for (const change of changes) {
          const screened = screenDirectoryChange(change);
          if (screened !== null) addDirectoryChange(delta, screened);
          if (change.type === 'user') tally(name, `user ${screened?.type ?? 'dropped'}`);
        }
        const now = new Date().toISOString();
        await database.db.transaction().execute(async (trx) => {
          const stillIsolated = await new IsolatedObjectRepository(trx).recordRead(connectionId, delta, {
            runId: 'fuzz',
            full: true,
            now,
          });
          await new MirrorRepository(trx).writeDelta(delta, { connectionId, full: true, now, stillIsolated });
        });
        const directory = await new MirrorRepository(database.db).loadDirectory(connectionId);
        expect([...directory.users.keys()].sort()).toEqual([...delta.users.keys()].sort());
        for (const [userId, user] of delta.users) expect(directory.users.get(userId)).toEqual(user);
        expect([...directory.groups.values()]).toEqual([...delta.groups.values()]);
        const isolatedRows = await database.db
          .selectFrom('isolated_objects')
          .select(['id', 'reason'])
          .where('connection_id', '=', connectionId)
          .execute();
        expect(isolatedRows.map((row) => row.id).sort()).toEqual(
          [...delta.isolatedUsers.keys(), ...delta.isolatedGroups.keys()].sort(),
        );
      }),
      { numRuns: dialect === 'sqlite' ? 500 : 300 },
    );
    report(name);
  });
});

// --- the SCIM target -------------------------------------------------------------------------------------------

describe('hostile strings through the SCIM target (emulated app)', () => {
  const server = new ScimTestServer({ token: 'fuzz-token' });
  let target: ScimTarget;
  beforeAll(async () => {
    await server.start();
    target = new ScimTarget({ baseUrl: server.baseUrl, token: 'fuzz-token', retry: { limit: 0 } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('a user that passes the check is created and read back equal, and a lost answer finds it again by filter', async () => {
    const name = 'scim create, read back and look up';
    await fc.assert(
      fc.asyncProperty(
        fc.record({ userName: passable, email: text, givenName: text, familyName: text, displayName: passable }),
        passable,
        async (attributes, groupName) => {
          const user: DirectoryUser = { id: '00u-fuzz', ...attributes, active: true, status: 'ACTIVE' };
          fc.pre(checkDirectoryUser(user).verdict === 'clean');
          fc.pre(checkDirectoryGroup({ id: '00g-fuzz', displayName: groupName, builtIn: false }).verdict === 'clean');
          counted(name);
          server.reset();
          const write = { externalId: user.id, ...attributes, active: true };
          const created = await target.createUser(write, { resumed: false });
          const stored = server.user(created.appId);
          expect(stored).toMatchObject({
            userName: user.userName,
            externalId: user.id,
            displayName: user.displayName,
            active: true,
            name: { givenName: user.givenName, familyName: user.familyName },
          });
          expect(stored?.emails?.[0]?.value).toBe(user.email);
          // A create whose answer was lost is looked up (externalId, then userName filters) before it is sent again.
          expect(await target.createUser(write, { resumed: true })).toEqual({ appId: created.appId, adopted: false });
          expect(server.users()).toHaveLength(1);

          const group = await target.createGroup(
            { externalId: '00g-fuzz', displayName: groupName },
            { resumed: false },
          );
          expect(server.group(group.appId)?.displayName).toBe(groupName);
          expect(
            (await target.createGroup({ externalId: '00g-fuzz', displayName: groupName }, { resumed: true })).appId,
          ).toBe(group.appId);
        },
      ),
      { numRuns: 400 },
    );
    report(name);
  });
});
