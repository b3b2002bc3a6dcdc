import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../connectors/connector-error.js';
import type { ReadResult } from '../../../connectors/directory-connector.js';
import {
  bundledSampleDirectoryFile,
  SANDBOX_PAGE_SIZE,
  SandboxConnector,
} from '../../../connectors/sandbox/sandbox-connector.js';
import type { SandboxDirectoryFile } from '../../../connectors/sandbox/sandbox-directory-file.js';
import type { DirectoryChange, DirectoryPage } from '../../../src/core/model/directory-change.js';
import type { DirectoryUser } from '../../../src/core/model/directory-user.js';
import { OKTA_USER_STATUSES } from '../../../src/core/mapping/okta-user-mapping.js';
import { generateSandboxDirectory } from '../../fixtures/generate-sandbox-directory.js';
import { writeSandboxDirectoryFile } from '../../fixtures/write-sandbox-directory-file.js';
import type { TempSandboxDirectoryFile } from '../../fixtures/write-sandbox-directory-file.js';

async function readAll(connector: SandboxConnector): Promise<{ pages: DirectoryPage[]; result: ReadResult }> {
  const reader = connector.read({ full: false, cursor: null });
  const pages: DirectoryPage[] = [];
  for (;;) {
    const step = await reader.next();
    if (step.done === true) return { pages, result: step.value };
    pages.push(step.value);
  }
}

async function readError(connector: SandboxConnector): Promise<ConnectorError> {
  const error: unknown = await readAll(connector).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

function usersOf(pages: readonly DirectoryPage[]): DirectoryUser[] {
  return pages.flatMap((page) => page.changes.flatMap((change) => (change.type === 'user' ? [change.user] : [])));
}

const temps: TempSandboxDirectoryFile[] = [];
async function tempFile(directory: SandboxDirectoryFile): Promise<TempSandboxDirectoryFile> {
  const temp = await writeSandboxDirectoryFile(directory);
  temps.push(temp);
  return temp;
}

afterEach(async () => {
  await Promise.all(temps.splice(0).map((temp) => temp.remove()));
});

const person = {
  userName: 'zoe.obrien@example.com',
  email: 'zoe@example.com',
  givenName: 'Zoë',
  familyName: "O'Brien",
};

describe('SandboxConnector with the bundled sample', () => {
  it('loads the sample by default: a few dozen people, every status, named groups with Everyone built in', async () => {
    const connector = new SandboxConnector();
    const { pages, result } = await readAll(connector);
    const users = usersOf(pages);
    const groups = pages.flatMap((page) => page.changes.flatMap((c) => (c.type === 'group' ? [c.group] : [])));

    expect(connector.idp).toBe('sandbox');
    expect(connector.source).toContain('sample-directory.json');
    expect(users.length).toBeGreaterThanOrEqual(30);
    expect(new Set(users.map((user) => user.status))).toEqual(new Set(OKTA_USER_STATUSES));
    expect(groups.find((group) => group.displayName === 'Everyone')).toMatchObject({ builtIn: true });
    expect(groups.filter((group) => !group.builtIn).length).toBeGreaterThanOrEqual(4);
    expect(users.some((user) => /[^\x20-\x7e]/.test(user.displayName))).toBe(true);
    expect(users.some((user) => user.familyName.includes("'"))).toBe(true);
    expect(users.some((user) => user.email !== user.userName)).toBe(true);
    expect(result.full).toBe(true);
  });

  it('puts every user in Everyone and leaves one group empty', async () => {
    const { pages } = await readAll(new SandboxConnector());
    const userIds = usersOf(pages).map((user) => user.id);
    const members = pages.flatMap((page) => page.changes.flatMap((c) => (c.type === 'members.replace' ? [c] : [])));
    const groups = pages.flatMap((page) => page.changes.flatMap((c) => (c.type === 'group' ? [c.group] : [])));
    const everyone = groups.find((group) => group.builtIn);
    expect(members.find((change) => change.groupId === everyone?.id)?.memberIds).toEqual(userIds);
    expect(members.some((change) => change.memberIds.length === 0)).toBe(true);
  });

  it('resolves the sample from the package root, where dist/ also finds it', () => {
    expect(bundledSampleDirectoryFile()).toMatch(/connectors[/\\]sandbox[/\\]sample-directory\.json$/);
  });
});

describe('SandboxConnector reading a file', () => {
  it('maps every Okta status to active or not as DESIGN says', async () => {
    const users = OKTA_USER_STATUSES.map((status, index) => ({
      ...person,
      id: `u-${status}`,
      userName: `user${index}@example.com`,
      status,
    }));
    const { pages } = await readAll(new SandboxConnector((await tempFile({ users, groups: [] })).path));
    const active = Object.fromEntries(usersOf(pages).map((user) => [user.status, user.active]));
    expect(active).toEqual({
      STAGED: false,
      PROVISIONED: true,
      ACTIVE: true,
      RECOVERY: true,
      PASSWORD_EXPIRED: true,
      LOCKED_OUT: true,
      SUSPENDED: false,
      DEPROVISIONED: false,
    });
  });

  it('maps fields like an Okta user, deriving the display name from given and family names when missing', async () => {
    const file = await tempFile({
      users: [
        { ...person, id: '00u1', status: 'ACTIVE' },
        { ...person, id: '00u2', userName: 'jose@example.com', displayName: 'Pepe', status: 'ACTIVE' },
      ],
      groups: [],
    });
    const [zoe, jose] = usersOf((await readAll(new SandboxConnector(file.path))).pages);
    expect(zoe).toEqual({
      id: '00u1',
      userName: 'zoe.obrien@example.com',
      email: 'zoe@example.com',
      givenName: 'Zoë',
      familyName: "O'Brien",
      displayName: "Zoë O'Brien",
      active: true,
      status: 'ACTIVE',
    });
    expect(jose?.displayName).toBe('Pepe');
  });

  it('carries attributes for the policy and groups nested in groups', async () => {
    const file = await tempFile({
      users: [
        { ...person, id: '00u1', status: 'ACTIVE', attributes: { userType: 'Guest', costCenter: 7, tags: ['a'] } },
      ],
      groups: [
        { id: 'g-leads', displayName: 'Leads', members: ['00u1'] },
        { id: 'g-all', displayName: 'Research', members: ['g-leads'], attributes: { mailEnabled: false } },
      ],
    });
    const { pages } = await readAll(new SandboxConnector(file.path));
    expect(usersOf(pages)[0]?.attributes).toEqual({ userType: 'Guest', costCenter: 7, tags: ['a'] });
    const changes = pages.flatMap((page) => page.changes);
    expect(changes).toContainEqual({
      type: 'group',
      group: { id: 'g-all', displayName: 'Research', builtIn: false, attributes: { mailEnabled: false } },
    });
    expect(changes).toContainEqual({ type: 'members.replace', groupId: 'g-all', memberIds: ['g-leads'] });
    const unknown = await tempFile({ users: [], groups: [{ id: 'g', displayName: 'G', members: ['nobody'] }] });
    expect((await readError(new SandboxConnector(unknown.path))).message).toContain(
      '"nobody" is not the id of a user or group in this file',
    );
  });

  it('reads users, then groups, then members, in pages of at most 200 changes, each kind on its own pages', async () => {
    const directory = generateSandboxDirectory({ people: 450, groups: 3, seed: 7 });
    const { pages } = await readAll(new SandboxConnector((await tempFile(directory)).path));

    expect(pages.map((page) => page.changes.length)).toEqual([SANDBOX_PAGE_SIZE, SANDBOX_PAGE_SIZE, 50, 4, 4]);
    const kinds = pages.map((page) => [...new Set(page.changes.map((change: DirectoryChange) => change.type))]);
    expect(kinds).toEqual([['user'], ['user'], ['user'], ['group'], ['members.replace']]);
    expect(usersOf(pages).map((user) => user.id)).toEqual(directory.users.map((user) => user.id));
  });

  it('reports each group once with the full list of its members', async () => {
    const directory = generateSandboxDirectory({ people: 60, groups: 5, seed: 3 });
    const { pages } = await readAll(new SandboxConnector((await tempFile(directory)).path));
    const members = pages.flatMap((page) => page.changes.flatMap((c) => (c.type === 'members.replace' ? [c] : [])));
    expect(members).toEqual(
      directory.groups.map((group) => ({ type: 'members.replace', groupId: group.id, memberIds: group.members })),
    );
  });

  it('is always a full read, with the SHA-256 of the file as cursor, whatever cursor it is given', async () => {
    const file = await tempFile(generateSandboxDirectory({ people: 10, groups: 2, seed: 1 }));
    const sha = createHash('sha256')
      .update(await readFile(file.path))
      .digest('hex');
    const connector = new SandboxConnector(file.path);
    const reader = connector.read({ full: false, cursor: sha });
    let step = await reader.next();
    while (step.done !== true) step = await reader.next();
    expect(step.value).toEqual({ full: true, cursor: sha });

    await file.write(generateSandboxDirectory({ people: 11, groups: 2, seed: 1 }));
    expect((await readAll(connector)).result.cursor).not.toBe(sha);
  });

  it('stops between pages when the read is aborted', async () => {
    const file = await tempFile(generateSandboxDirectory({ people: 500, groups: 2, seed: 1 }));
    const controller = new AbortController();
    const reader = new SandboxConnector(file.path).read({ full: true, cursor: null, signal: controller.signal });
    await reader.next();
    controller.abort();
    await expect(reader.next()).rejects.toThrow();
  });
});

describe('SandboxConnector errors', () => {
  it('fails with a config error naming DIRSYNC_SANDBOX_FILE and the path when the file is missing', async () => {
    const error = await readError(new SandboxConnector('/nonexistent/dir/people.json'));
    expect(error.kind).toBe('config');
    expect(error.message).toContain('DIRSYNC_SANDBOX_FILE /nonexistent/dir/people.json not found');
  });

  it('names the file, the entry (by index and id) and the field of a malformed entry, on one line', async () => {
    const file = await tempFile({
      users: [
        { ...person, id: '00u1', status: 'ACTIVE' },
        { ...person, id: '00u2', userName: 'b@example.com', status: 'ACTIVE' },
      ],
      groups: [],
    });
    const text = (await readFile(file.path, 'utf8')).replace(
      '"status": "ACTIVE"\n    }\n  ]',
      '"status": "GONE"\n    }\n  ]',
    );
    await writeFile(file.path, text);

    const error = await readError(new SandboxConnector(file.path));
    expect(error.kind).toBe('config');
    expect(error.message).toContain(`DIRSYNC_SANDBOX_FILE ${file.path}: users[1] (id "00u2") status:`);
    expect(error.message).not.toContain('\n');
  });

  it.each([
    [
      'a member that is not a user',
      {
        users: [{ ...person, id: '00u1', status: 'ACTIVE' }],
        groups: [{ id: 'g1', displayName: 'Sales', members: ['00u9'] }],
      },
      'groups[0] (id "g1") members[0]: "00u9" is not the id of a user',
    ],
    [
      'a login used twice (ignoring case)',
      {
        users: [
          { ...person, id: '00u1', status: 'ACTIVE' },
          { ...person, id: '00u2', userName: 'ZOE.OBRIEN@example.com', status: 'ACTIVE' },
        ],
        groups: [],
      },
      'users[1] (id "00u2") userName: is a duplicate',
    ],
    [
      'a group name used twice (ignoring case)',
      {
        users: [],
        groups: [
          { id: 'g1', displayName: 'Sales', members: [] },
          { id: 'g2', displayName: 'SALES', members: [] },
        ],
      },
      'groups[1] (id "g2") displayName: is a duplicate',
    ],
    [
      'a misspelt field',
      { users: [{ ...person, id: '00u1', status: 'ACTIVE', familyname: 'x' }], groups: [] },
      'users[0] (id "00u1")',
    ],
    ['a missing users list', { groups: [] }, 'users: '],
  ])('names the entry with %s', async (_case, content, expected) => {
    const file = await tempFile(content as unknown as SandboxDirectoryFile);
    const error = await readError(new SandboxConnector(file.path));
    expect(error.kind).toBe('config');
    expect(error.message).toContain(`DIRSYNC_SANDBOX_FILE ${file.path}: ${expected}`);
  });

  it('says the file is not JSON when it is not', async () => {
    const file = await tempFile({ users: [], groups: [] });
    await writeFile(file.path, '{ "users": [ ');
    const error = await readError(new SandboxConnector(file.path));
    expect(error.message).toContain(`DIRSYNC_SANDBOX_FILE ${file.path} is not valid JSON`);
  });
});

describe('generateSandboxDirectory', () => {
  it('gives the same directory for the same seed and another for another seed', () => {
    const options = { people: 500, groups: 12, seed: 42 };
    expect(JSON.stringify(generateSandboxDirectory(options))).toBe(JSON.stringify(generateSandboxDirectory(options)));
    expect(generateSandboxDirectory({ ...options, seed: 43 })).not.toEqual(generateSandboxDirectory(options));
  });

  it('makes a realistic directory the sandbox connector accepts', async () => {
    const directory = generateSandboxDirectory({ people: 500, groups: 12, seed: 42 });
    const { pages } = await readAll(new SandboxConnector((await tempFile(directory)).path));
    const users = usersOf(pages);

    expect(users).toHaveLength(500);
    expect(new Set(users.map((user) => user.userName.toLowerCase())).size).toBe(500);
    expect(new Set(users.map((user) => user.status))).toEqual(new Set(OKTA_USER_STATUSES));
    expect(users.filter((user) => user.status === 'ACTIVE').length).toBeGreaterThan(350);
    expect(users.some((user) => user.email !== user.userName)).toBe(true);
    expect(users.some((user) => /[^\x20-\x7e]/.test(user.displayName))).toBe(true);
    expect(users.some((user) => user.displayName.includes("'"))).toBe(true);

    const ordinary = directory.groups.filter((group) => group.type !== 'BUILT_IN');
    expect(ordinary).toHaveLength(12);
    expect(directory.groups.find((group) => group.type === 'BUILT_IN')?.members).toHaveLength(500);
    const sizes = ordinary.map((group) => group.members.length);
    expect(Math.max(...sizes)).toBeGreaterThan(3 * Math.min(...sizes));
    const memberships = ordinary.flatMap((group) => group.members);
    expect(new Set(memberships).size).toBeLessThan(memberships.length);
  });
});
