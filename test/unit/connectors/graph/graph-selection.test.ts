import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../connectors/connector-error.js';
import { graphSelection, isDirectoryExtension } from '../../../../connectors/graph/graph-selection.js';
import { GROUP_SELECT, USER_SELECT } from '../../../../connectors/graph/graph-wire.js';

const COST_CENTER = 'extension_0a1b2c3d4e5f40718293a4b5c6d7e8f9_costCenter';
const BADGE = 'extension_0a1b2c3d4e5f40718293a4b5c6d7e8f9_badge';

describe('graphSelection', () => {
  it('selects the core user properties, then the extra ones, once each (Graph names are case-insensitive)', () => {
    const selection = graphSelection([COST_CENTER, 'employeeHireDate', 'USERTYPE', COST_CENTER]);
    expect(selection.user).toEqual([...USER_SELECT, COST_CENTER, 'employeeHireDate']);
    expect(selection.group).toEqual(GROUP_SELECT);
    expect(graphSelection().user).toEqual(USER_SELECT);
  });

  it('fingerprints the set selected: another set changes it, another order of the same set does not', () => {
    const none = graphSelection().fingerprint;
    const one = graphSelection([COST_CENTER]).fingerprint;
    expect(one).not.toBe(none);
    expect(graphSelection([COST_CENTER, BADGE]).fingerprint).not.toBe(one);
    expect(graphSelection([BADGE, COST_CENTER]).fingerprint).toBe(graphSelection([COST_CENTER, BADGE]).fingerprint);
    expect(graphSelection(['userType']).fingerprint).toBe(none);
    expect(none).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('refuses a name that cannot be a Graph property, naming it, with a config error', () => {
    for (const bad of ['cost-center', '1st', 'extension_x/../users', '', 'a b']) {
      let caught: unknown;
      try {
        graphSelection([COST_CENTER, bad]);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConnectorError);
      expect(caught).toMatchObject({ kind: 'config' });
      expect((caught as Error).message).toContain(`${JSON.stringify(bad)} is not a property name`);
    }
  });

  it('tells directory extension attributes by their prefix', () => {
    expect(isDirectoryExtension(COST_CENTER)).toBe(true);
    expect(isDirectoryExtension('Extension_abc_x')).toBe(true);
    expect(isDirectoryExtension('employeeType')).toBe(false);
  });
});
