import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConnectionsFile } from '../../../src/config/connections-file.js';
import { parseConnectionSettings } from '../../../src/config/connection-config.js';
import { loadPolicy, parsePolicyDocument, PolicyProblems } from '../../../src/config/policy-document.js';
import { DEFAULT_POLICY } from '../../../src/core/policy/policy.js';
import { ConfigError } from '../../../src/config/config-error.js';

const DESIGN_EXAMPLE = `
scope: { users: { exclude: [{ attribute: userType, equals: Guest }] }, groups: { include: ["Sales*", "Research"] } }
nestedGroups: flatten
mapping:
  userName: email
  attributes:
    title: title
    "urn:ietf:params:scim:schemas:extension:dovetail:2.0:User:workspaceAdmin": { group: "Dovetail Admins", then: true, else: false }
roles: { attribute: role, rules: [{ group: "Research Leads", value: MANAGER }, { group: Research, value: CONTRIBUTOR }], default: VIEWER }
groups: { links: { "Okta Sales": "Sales team" } }
`;

function problemsOf(raw: unknown): readonly string[] {
  try {
    parsePolicyDocument(raw);
  } catch (error) {
    if (error instanceof PolicyProblems) return error.problems;
    throw error;
  }
  return [];
}

describe('parsePolicyDocument', () => {
  it('reads the DESIGN example into a normalised policy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    writeFileSync(join(dir, 'p.yaml'), DESIGN_EXAMPLE);
    const policy = loadPolicy({ file: 'p.yaml' }, dir);
    expect(policy.scope.users.exclude).toEqual([{ kind: 'equals', attribute: 'userType', value: 'Guest' }]);
    expect(policy.scope.groups.include).toEqual([
      { kind: 'name', glob: 'Sales*' },
      { kind: 'name', glob: 'Research' },
    ]);
    expect(policy.nestedGroups).toBe('flatten');
    expect(policy.mapping.userName).toBe('email');
    expect(policy.mapping.attributes.map((a) => [a.path, a.source.kind])).toEqual([
      ['title', 'attribute'],
      ['urn:ietf:params:scim:schemas:extension:dovetail:2.0:User:workspaceAdmin', 'group'],
    ]);
    expect(policy.roles?.rules[0]).toEqual({ group: 'Research Leads', value: 'MANAGER' });
    expect(policy.roles?.default).toBe('VIEWER');
    expect(policy.groups.links).toEqual([{ from: 'Okta Sales', to: 'Sales team' }]);
  });

  it('gives the default policy for an empty document or none', () => {
    expect(parsePolicyDocument({})).toEqual(DEFAULT_POLICY);
    expect(loadPolicy(undefined, '/')).toBe(DEFAULT_POLICY);
  });

  it('names every bad field in one error', () => {
    expect(
      problemsOf({
        nestedGroups: 'deep',
        roles: { attribute: 'role', rules: [{ group: 'a', value: 'X' }, { group: 'b' }] },
        mapping: { userName: 'upn', attributes: { userName: 'login', costCenter: { constant: 1, creatOnly: true } } },
        scope: { users: { include: [{ attribute: 'x', like: 'y' }] } },
        extra: 1,
      }),
    ).toEqual(
      expect.arrayContaining([
        'policy: unknown key(s) extra',
        expect.stringMatching(/^policy\.nestedGroups: /),
        'policy.roles.rules[1].value: required',
        expect.stringMatching(/^policy\.mapping\.userName: /),
        'policy.mapping.attributes.costCenter: unknown key(s) creatOnly',
        expect.stringMatching(/^policy\.scope\.users\.include\[0\]: must be a rule/),
      ]),
    );
  });

  it('refuses attribute paths dirsync owns, unsupported ones, and the same attribute twice', () => {
    expect(problemsOf({ mapping: { attributes: { userName: 'login' } } })).toEqual([
      'policy.mapping.attributes["userName"]: "userName" is set by mapping.userName',
    ]);
    expect(problemsOf({ mapping: { attributes: { title: 'title', Title: 'jobTitle' } } })[0]).toContain(
      'the same attribute as',
    );
    expect(
      problemsOf({ mapping: { attributes: { role: 'x' } }, roles: { attribute: 'Role', rules: [] } })[0],
    ).toContain('policy.roles.attribute: the same attribute');
    expect(problemsOf({ mapping: { attributes: { roles: 'x' } } })[0]).toContain('roles: section');
  });

  it('refuses two IdP groups linked onto one app group', () => {
    expect(problemsOf({ groups: { links: { A: 'Team', B: 'team' } } })[0]).toContain('is already linked to');
  });

  it('refuses policy.file mixed with inline keys', () => {
    expect(() => loadPolicy({ file: 'p.yaml', nestedGroups: 'flatten' }, '/')).toThrow(/cannot be combined/);
  });
});

describe('loading the policy with a connection', () => {
  it('puts an inline policy of a connections file on the connection, and names a bad one with its connection', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-conn-'));
    const file = join(dir, 'connections.yaml');
    writeFileSync(
      file,
      'connections:\n  - id: acme\n    idp: { type: sandbox }\n    policy: { mapping: { userName: email } }\n  - id: beta\n    idp: { type: sandbox }\n',
    );
    const [acme, beta] = loadConnectionsFile(file, {});
    expect(acme?.policy.mapping.userName).toBe('email');
    expect(beta?.policy).toBe(DEFAULT_POLICY);
    writeFileSync(file, 'connections:\n  - id: acme\n    idp: { type: sandbox }\n    policy: { file: missing.yaml }\n');
    expect(() => loadConnectionsFile(file, {})).toThrow(ConfigError);
    expect(() => loadConnectionsFile(file, {})).toThrow(
      /connection acme: policy file .*missing\.yaml cannot be read \(ENOENT\)/,
    );
  });

  it('reads DIRSYNC_POLICY_FILE for the environment connection', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-env-'));
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ roles: { attribute: 'role', rules: [{ group: 'x' }] } }));
    expect(() =>
      parseConnectionSettings('default', { DIRSYNC_POLICY_FILE: join(dir, 'p.json') }, { origin: 'environment' }),
    ).toThrow(/DIRSYNC_POLICY_FILE: policy file .*p\.json: policy\.roles\.rules\[0\]\.value: required/);
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ nestedGroups: 'flatten' }));
    expect(
      parseConnectionSettings('default', { DIRSYNC_POLICY_FILE: join(dir, 'p.json') }, { origin: 'environment' }).policy
        .nestedGroups,
    ).toBe('flatten');
    expect(parseConnectionSettings('default', {}, { origin: 'environment' }).policy).toBe(DEFAULT_POLICY);
  });
});
