import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../connectors/connector-error.js';
import { decodeOktaCursor, encodeOktaCursor } from '../../../../connectors/okta/okta-cursor.js';
import { nextLink } from '../../../../connectors/okta/okta-http.js';
import { oktaGroupToModel, oktaLogEventToChanges } from '../../../../connectors/okta/okta-to-model.js';
import { oktaGroupSchema, oktaLogEventSchema, oktaUserSchema } from '../../../../connectors/okta/okta-wire.js';

describe('Okta wire parsing and mapping', () => {
  it('parses only the user fields it reads and rejects an unknown status', () => {
    const wire = {
      id: '00u1',
      status: 'LOCKED_OUT',
      lastUpdated: '2026-01-01T00:00:00.000Z',
      profile: { login: 'a@x.test', email: null, firstName: 'A', mobilePhone: '1' },
      credentials: {},
    };

    expect(oktaUserSchema.parse(wire)).toEqual({
      id: '00u1',
      status: 'LOCKED_OUT',
      lastUpdated: '2026-01-01T00:00:00.000Z',
      profile: { login: 'a@x.test', email: null, firstName: 'A' },
    });
    expect(oktaUserSchema.safeParse({ ...wire, status: 'GONE' }).success).toBe(false);
  });

  it('marks BUILT_IN groups and turns deletion events into user.deleted / group.deleted', () => {
    const everyone = oktaGroupSchema.parse({ id: '00g1', type: 'BUILT_IN', profile: { name: 'Everyone' } });
    const events = [
      { eventType: 'user.lifecycle.delete.initiated', target: [{ id: '00u1', type: 'User' }] },
      { eventType: 'group.lifecycle.delete', target: [{ id: '00g2', type: 'UserGroup' }] },
      { eventType: 'user.lifecycle.deactivate', target: [{ id: '00u3', type: 'User' }] },
      { eventType: 'group.lifecycle.delete', target: null },
    ].map((event) => oktaLogEventSchema.parse(event));

    expect(oktaGroupToModel(everyone)).toEqual({ id: '00g1', displayName: 'Everyone', builtIn: true });
    expect(events.flatMap(oktaLogEventToChanges)).toEqual([
      { type: 'user.deleted', id: '00u1' },
      { type: 'group.deleted', id: '00g2' },
    ]);
  });

  it('finds rel="next" in one or several Link headers', () => {
    expect(nextLink('<https://o/a?x=1>; rel="self", <https://o/a?after=2>; rel="next"')).toBe('https://o/a?after=2');
    expect(nextLink('<https://o/a>; rel="self"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });

  it('round-trips its cursor and calls a foreign one expired', () => {
    const since = new Date('2026-02-03T04:05:06.789Z');

    expect(decodeOktaCursor(encodeOktaCursor({ since }))).toEqual({ since });
    expect(() => decodeOktaCursor('{"deltaLink":"x"}')).toThrow(ConnectorError);
    expect(() => decodeOktaCursor('not json')).toThrow(/full read/);
  });
});
