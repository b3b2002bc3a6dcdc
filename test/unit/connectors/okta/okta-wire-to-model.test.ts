import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../connectors/connector-error.js';
import { decodeOktaCursor, encodeOktaCursor } from '../../../../connectors/okta/okta-cursor.js';
import { nextLink } from '../../../../connectors/okta/okta-http.js';
import { parseOktaItems } from '../../../../connectors/okta/okta-items.js';
import {
  oktaGroupToModel,
  oktaInvalidItemToChange,
  oktaLogEventToChanges,
  oktaUserToModel,
} from '../../../../connectors/okta/okta-to-model.js';
import { oktaGroupSchema, oktaLogEventSchema, oktaUserSchema } from '../../../../connectors/okta/okta-wire.js';

describe('Okta wire parsing and mapping', () => {
  it('parses the fields it reads, keeps every profile attribute for the policy, and rejects an unknown status', () => {
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
      profile: { login: 'a@x.test', email: null, firstName: 'A', mobilePhone: '1' },
    });
    expect(oktaUserToModel(oktaUserSchema.parse(wire)).attributes).toEqual({
      login: 'a@x.test',
      email: null,
      firstName: 'A',
      mobilePhone: '1',
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

    expect(oktaGroupToModel(everyone)).toEqual({
      id: '00g1',
      displayName: 'Everyone',
      builtIn: true,
      attributes: { name: 'Everyone', type: 'BUILT_IN' },
    });
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

  describe('one malformed object does not fail the page', () => {
    const wireUser = (id: unknown, extra: Record<string, unknown> = {}) => ({
      id,
      status: 'ACTIVE',
      profile: { login: `${String(id)}@x.test`, email: null },
      ...extra,
    });
    const isolate = (body: unknown[], kind: 'user' | 'group' = 'user') => {
      const page = kind === 'user' ? parseOktaItems(body, oktaUserSchema) : parseOktaItems(body, oktaGroupSchema);
      return {
        items: page?.items.map((item) => item.id),
        changes: page?.invalid.map((item) => oktaInvalidItemToChange(kind, item)),
      };
    };

    it('isolates a user with an unknown status by its id, naming the status when it is a plain status word', () => {
      expect(
        isolate([wireUser('00u1'), wireUser('00u2', { status: 'PENDING_USER_ACTION' }), wireUser('00u3')]),
      ).toEqual({
        items: ['00u1', '00u3'],
        changes: [
          {
            type: 'user.isolated',
            id: '00u2',
            field: 'status',
            reason: 'status PENDING_USER_ACTION is not an Okta status dirsync knows: not active, kept as last read',
          },
        ],
      });
    });

    it('leaves a status that is not a plain word out of the reason: values may be hostile', () => {
      for (const status of ['ACTIVE\u0000', '<script>', 'active', 'X'.repeat(40), 7]) {
        const [change] = isolate([wireUser('00u1', { status })]).changes ?? [];
        expect(change).toMatchObject({ type: 'user.isolated', id: '00u1', field: 'status' });
        expect(JSON.stringify(change)).not.toContain('script');
        expect(JSON.stringify(change)).not.toContain('XXXX');
        expect(JSON.stringify(change)).not.toContain('\\u0000');
      }
    });

    it('isolates a user without a login, or with a mistyped name, naming the field', () => {
      expect(isolate([wireUser('00u1', { profile: { email: 'a@x.test' } })]).changes).toEqual([
        {
          type: 'user.isolated',
          id: '00u1',
          field: 'profile.login',
          reason: expect.stringMatching(/^profile\.login: Invalid input: expected string/),
        },
      ]);
      expect(isolate([wireUser('00u1', { profile: { login: 'a@x.test', firstName: 42 } })]).changes).toEqual([
        {
          type: 'user.isolated',
          id: '00u1',
          field: 'profile.firstName',
          reason: expect.stringMatching(/^profile\.firstName: /),
        },
      ]);
    });

    it('counts an object without a usable id as unidentified', () => {
      for (const id of [undefined, '', 42, null]) {
        expect(isolate([wireUser(id)]).changes).toEqual([
          { type: 'unidentified', kind: 'user', field: 'id', reason: expect.stringMatching(/^id: /) },
        ]);
      }
      expect(isolate([{ id: '00g1', type: 'OKTA_GROUP', profile: {} }], 'group').changes).toEqual([
        {
          type: 'group.isolated',
          id: '00g1',
          field: 'profile.name',
          reason: expect.stringMatching(/^profile\.name: /),
        },
      ]);
      expect(isolate([null, 'text'], 'group').changes).toEqual([
        { type: 'unidentified', kind: 'group', field: 'record', reason: expect.stringMatching(/^record: /) },
        { type: 'unidentified', kind: 'group', field: 'record', reason: expect.stringMatching(/^record: /) },
      ]);
    });

    it('refuses a page that is not a list at all (the read fails)', () => {
      expect(parseOktaItems({ errorCode: 'E0000001' }, oktaUserSchema)).toBeUndefined();
      expect(parseOktaItems('[]', oktaUserSchema)).toBeUndefined();
    });
  });
});
