import { describe, expect, it } from 'vitest';
import { parseConnectionSettings, ConnectionConfigProblems } from '../../../../src/config/connection-config.js';
import {
  learnRefusal,
  MAX_BULK_OPERATIONS,
  resolveScimDialect,
  unsupportedReason,
} from '../../../../src/targets/scim/scim-dialect.js';
import type { ScimDialectLessons, ScimDialectSetting } from '../../../../src/targets/scim/scim-dialect.js';
import { DEFAULT_SCIM_CAPABILITIES } from '../../../../src/targets/scim/scim-provider-capabilities.js';

const GENERIC: ScimDialectSetting = { preset: 'generic', overrides: {} };
const DOVETAIL: ScimDialectSetting = { preset: 'dovetail', overrides: {} };

function resolve(
  setting: ScimDialectSetting,
  lessons: ScimDialectLessons = {},
  capabilities = DEFAULT_SCIM_CAPABILITIES,
) {
  return resolveScimDialect({
    setting,
    capabilities,
    lessons,
    maxMembersPerPatch: 100,
    displayUrl: 'https://app.example.com/scim/v2',
  });
}

describe('resolving a SCIM dialect: defaults ← ServiceProviderConfig ← target.dialect ← what the app taught', () => {
  it('generic: everything by PATCH, every lookup filter, removals by filter path, named by host', () => {
    expect(resolve(GENERIC)).toMatchObject({
      appName: 'app.example.com',
      filterAttributes: ['userName', 'externalId', 'displayName'],
      userUpdate: 'patch',
      memberAdd: 'patch',
      memberRemove: 'patch',
      groupRename: 'patch',
      groupDelete: true,
      maxMembersPerRequest: 100,
      memberRemoveByFilter: true,
    });
  });

  it('dovetail: filters on userName/displayName, adds by PATCH, no removal, rename or delete', () => {
    expect(resolve(DOVETAIL)).toMatchObject({
      appName: 'Dovetail',
      filterAttributes: ['userName', 'displayName'],
      memberAdd: 'patch',
      memberRemove: 'none',
      groupRename: 'none',
      groupDelete: false,
    });
  });

  it('ServiceProviderConfig without filter or PATCH: lookups scan, PATCH writes become none', () => {
    const dialect = resolve(
      GENERIC,
      {},
      { ...DEFAULT_SCIM_CAPABILITIES, filterSupported: false, patchSupported: false },
    );
    expect(dialect.filterAttributes).toEqual([]);
    expect([dialect.userUpdate, dialect.memberAdd, dialect.memberRemove, dialect.groupRename]).toEqual([
      'none',
      'none',
      'none',
      'none',
    ]);
  });

  it('the operator’s fields win over the preset and ServiceProviderConfig', () => {
    const setting: ScimDialectSetting = {
      preset: 'dovetail',
      overrides: { memberRemove: 'put', groupDelete: true, maxMembersPerRequest: 7, filterAttributes: ['userName'] },
    };
    const dialect = resolve(setting, {}, { ...DEFAULT_SCIM_CAPABILITIES, patchSupported: false });
    expect(dialect).toMatchObject({
      memberRemove: 'put',
      groupDelete: true,
      maxMembersPerRequest: 7,
      filterAttributes: ['userName'],
      memberAdd: 'none',
    });
  });

  it('learns from refusals: filter path → value array → PUT → none; a pinned form goes straight to none', () => {
    let lessons: ScimDialectLessons = {};
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const dialect = resolve(GENERIC, lessons);
      seen.push(`${dialect.memberRemove}/${String(dialect.memberRemoveByFilter)}`);
      lessons = learnRefusal(dialect, GENERIC, lessons, 'memberRemove', 'HTTP 400 invalidPath');
    }
    seen.push(resolve(GENERIC, lessons).memberRemove);
    expect(seen).toEqual(['patch/true', 'patch/false', 'put/false', 'none']);
    expect(unsupportedReason('members.remove', resolve(GENERIC, lessons))).toBe(
      'app.example.com does not remove group members over SCIM (it refused a PUT: HTTP 400 invalidPath)',
    );

    const pinned: ScimDialectSetting = { preset: 'generic', overrides: { groupRename: 'patch' } };
    const taught = learnRefusal(resolve(pinned), pinned, {}, 'groupRename', 'HTTP 501');
    expect(resolve(pinned, taught).groupRename).toBe('none');
  });

  it('asks for groups without members by default; the operator may say no; a refusal says no whatever they said', () => {
    expect([resolve(GENERIC).excludeMembers, resolve(DOVETAIL).excludeMembers]).toEqual([true, true]);
    const off: ScimDialectSetting = { preset: 'generic', overrides: { excludeMembers: false } };
    expect(resolve(off).excludeMembers).toBe(false);
    const on: ScimDialectSetting = { preset: 'generic', overrides: { excludeMembers: true } };
    expect(resolve(on, { excludeMembers: false }).excludeMembers).toBe(false);
  });

  it('batches creates in /Bulk only where the app advertises it, at most MAX_BULK_OPERATIONS, less after a 413', () => {
    const advertised = { ...DEFAULT_SCIM_CAPABILITIES, bulk: { maxOperations: 1000, maxPayloadSize: 1_048_576 } };
    expect(resolve(GENERIC).bulk).toBeNull();
    expect(resolve(DOVETAIL).bulk).toBeNull();
    expect(resolve(GENERIC, {}, advertised).bulk).toEqual({
      maxOperations: MAX_BULK_OPERATIONS,
      maxPayloadSize: 1_048_576,
    });
    const small = { ...advertised, bulk: { maxOperations: 10, maxPayloadSize: 5000 } };
    expect(resolve(DOVETAIL, {}, small).bulk).toEqual({ maxOperations: 10, maxPayloadSize: 5000 });
    const off: ScimDialectSetting = { preset: 'generic', overrides: { bulk: false } };
    expect(resolve(off, {}, advertised).bulk).toBeNull();
    expect(resolve(GENERIC, { bulk: false }, advertised).bulk).toBeNull();
    expect(resolve(GENERIC, { bulk: { maxOperations: 25 } }, advertised).bulk?.maxOperations).toBe(25);
    // One operation per bulk is a POST with more ceremony: plain POSTs instead.
    expect(resolve(GENERIC, { bulk: { maxOperations: 1 } }, advertised).bulk).toBeNull();
    const one = { ...advertised, bulk: { maxOperations: 1, maxPayloadSize: 5000 } };
    expect(resolve(GENERIC, {}, one).bulk).toBeNull();
  });

  it('words the reasons to follow "… must be made by hand: "', () => {
    const dialect = resolve(DOVETAIL);
    expect(unsupportedReason('members.remove', dialect)).toBe(
      'Dovetail does not remove group members over SCIM (the dovetail dialect)',
    );
    expect(unsupportedReason('group.delete', dialect)).toBe(
      'Dovetail does not delete groups over SCIM (the dovetail dialect)',
    );
    expect(unsupportedReason('members.add', dialect)).toBeNull();
    expect(unsupportedReason('user.create', dialect)).toBeNull();
  });
});

describe('SCIM_DIALECT / target.dialect validation', () => {
  const parse = (dialect: string) =>
    parseConnectionSettings(
      'acme',
      { APP_SCIM_URL: 'https://app.example.com/scim/v2', APP_SCIM_TOKEN: 't', SCIM_DIALECT: dialect },
      {
        origin: 'environment',
        name: (variable) => (variable === 'SCIM_DIALECT' ? 'target.dialect' : variable),
      },
    );
  const problems = (dialect: string): readonly string[] => {
    try {
      parse(dialect);
    } catch (error) {
      if (error instanceof ConnectionConfigProblems) return error.problems;
      throw error;
    }
    return [];
  };

  it('takes a preset name, or fields over a preset', () => {
    const dovetail = parse('dovetail').target;
    expect(dovetail.kind === 'scim' && dovetail.dialect).toEqual({ preset: 'dovetail', overrides: {} });
    const fields = parse(
      '{"preset":"dovetail","memberRemove":"put","groupDelete":"true","maxMembersPerRequest":"20","excludeMembers":false,"bulk":"false"}',
    ).target;
    expect(fields.kind === 'scim' && fields.dialect).toEqual({
      preset: 'dovetail',
      overrides: {
        memberRemove: 'put',
        groupDelete: true,
        maxMembersPerRequest: 20,
        excludeMembers: false,
        bulk: false,
      },
    });
    expect(problems('{"bulk":"sometimes"}')).toEqual(['target.dialect.bulk: expected true or false']);
  });

  it('names the field of every bad value', () => {
    const found = problems('{"memberRemove":"delete","filterAttributes":["email"],"colour":1}');
    expect(found).toHaveLength(3);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^target\.dialect: unknown field\(s\) colour \(known: preset, /),
        'target.dialect.filterAttributes.0: expected one of userName, externalId, displayName',
        'target.dialect.memberRemove: expected one of patch, put, none',
      ]),
    );
    expect(problems('okta')).toEqual(['target.dialect: expected one of generic, dovetail']);
    expect(problems('{not json')).toEqual([expect.stringContaining('target.dialect is neither a preset')]);
  });
});
