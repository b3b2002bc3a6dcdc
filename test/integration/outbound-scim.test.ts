import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TargetError } from '../../src/targets/target-error.js';
import type { UserWrite } from '../../src/targets/target.js';
import { ScimTarget } from '../../src/targets/scim/scim-target.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import type { ScimHttpMethod } from '../emulators/scim/scim-fault-injector.js';
import { RecordingServer } from './outbound-support/recording-server.js';

// DESIGN "Safety → Outbound requests": SCIM requests follow no redirects. The other origin is a second server on
// another loopback port that records every request: a followed redirect would re-send the bearer token and the
// person's data there. Every test asserts it received nothing at all.

const TOKEN = 'tok-outbound-7c1d-very-secret';

let server: ScimTestServer;
let other: RecordingServer;
let target: ScimTarget;

beforeAll(async () => {
  server = new ScimTestServer({ token: TOKEN });
  await server.start();
  // Answers like a SCIM app accepting the write, so a followed redirect would look like a success.
  other = await RecordingServer.start({
    tls: false,
    answer: () => ({
      status: 201,
      body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'elsewhere', userName: 'ada@example.com' },
    }),
  });
});

afterAll(async () => {
  await server.stop();
  await other.stop();
});

beforeEach(() => {
  server.reset();
  other.requests.length = 0;
  target = new ScimTarget({
    baseUrl: server.baseUrl,
    token: TOKEN,
    retry: { limit: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1_000 },
    sleep: () => Promise.resolve(),
    random: () => 0.5,
  });
});

const ada: UserWrite = {
  externalId: '00u-ada',
  userName: 'ada@example.com',
  email: 'ada@example.com',
  givenName: 'Ada',
  familyName: 'Lovelace',
  displayName: 'Ada Lovelace',
  active: true,
};

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function targetError(error: unknown): TargetError {
  if (!(error instanceof TargetError)) throw new Error(`expected a TargetError, got ${String(error)}`);
  return error;
}

describe('SCIM requests follow no redirects', () => {
  it('the other server is reachable, so a followed redirect would be recorded', async () => {
    const response = await fetch(`${other.origin}/probe`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(201);
    expect(other.requests.map((request) => request.url)).toEqual(['/probe']);
  });

  it.each([307, 308, 302, 301, 303] as const)(
    'a %i on POST /Users re-posts nothing to the other origin: the create fails naming the Location',
    async (status) => {
      server.failNext({
        method: 'POST',
        path: '/Users',
        status,
        location: `${other.origin}/scim/v2/Users?access_token=leak`,
      });

      const error = await caught(target.createUser(ada, { resumed: false }));

      expect(other.requests).toEqual([]);
      const failure = targetError(error);
      expect(failure.kind).toBe('config');
      expect(failure.stopsRun).toBe(true);
      expect(failure.status).toBe(status);
      expect(failure.message).toContain(`HTTP ${status}`);
      expect(failure.message).toContain(`redirect to ${other.origin}/scim/v2/Users`);
      expect(failure.message).toContain('dirsync follows no redirects: set APP_SCIM_URL to the final URL');
      expect(failure.message).not.toContain('access_token=leak');
      expect(failure.message).not.toContain(TOKEN);
      // Sent once: a redirect is not retried either.
      expect(server.requests({ method: 'POST', path: '/Users' })).toHaveLength(1);
      expect(server.users()).toEqual([]);
    },
  );

  it('a redirect of a GET (the lookup before a resumed create) is not followed either', async () => {
    server.failNext({ method: 'GET', path: '/Users', status: 302, location: `${other.origin}/scim/v2/Users` });

    const error = await caught(target.createUser(ada, { resumed: true }));

    expect(other.requests).toEqual([]);
    const failure = targetError(error);
    expect(failure.kind).toBe('config');
    expect(failure.message).toContain(`GET /Users`);
    expect(failure.message).toContain(`redirect to ${other.origin}/scim/v2/Users`);
  });

  it.each<[ScimHttpMethod, number]>([
    ['PATCH', 307],
    ['DELETE', 308],
  ])('a redirect of a %s (%i) is not followed', async (method, status) => {
    const { id } = server.seedGroup({ displayName: 'Staff', externalId: '00g-staff' });
    server.failNext({ method, path: `/Groups/${id}`, status, location: `${other.origin}/scim/v2/Groups/${id}` });

    const error = await caught(
      method === 'PATCH' ? target.updateGroup(id, { displayName: 'Everyone' }) : target.deleteGroup(id),
    );

    expect(other.requests).toEqual([]);
    expect(targetError(error).message).toContain(`redirect to ${other.origin}/scim/v2/Groups/${id}`);
  });

  it('a redirect without a Location still fails, and says so', async () => {
    server.failNext({ method: 'POST', path: '/Users', status: 307 });

    const failure = targetError(await caught(target.createUser(ada, { resumed: false })));

    expect(failure.kind).toBe('config');
    expect(failure.message).toContain('(no Location header)');
  });
});
