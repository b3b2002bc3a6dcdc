import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ScimTestServer } from '../../test/emulators/scim/scim-test-server.js';
import { plainRequest } from './plain-request.js';

/** The minimal writes a first sync must make to the app. */
export interface ScimWriteWork {
  readonly userCreates: number;
  /** The member count of every group to create (0: a group without members, created and not patched). */
  readonly groupMembers: readonly number[];
  /** SCIM_MAX_MEMBERS_PER_PATCH. */
  readonly membersPerPatch: number;
}

export interface ScimWriteFloor {
  readonly ms: number;
  readonly posts: number;
  readonly patches: number;
}

/**
 * The write floor: one POST /Users per user, one POST /Groups per group and its members added by PATCH in chunks
 * of `membersPerPatch`, one request at a time over one keep-alive connection with plain node:http, against a fresh
 * SCIM test server (generic dialect, strict) like the one the sync wrote to.
 */
export async function measureScimWriteFloor(token: string, work: ScimWriteWork): Promise<ScimWriteFloor> {
  const server = new ScimTestServer({ token });
  const baseUrl = await server.start();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
  const send = async (method: string, path: string, body: unknown, expected: number) => {
    const answer = await plainRequest(agent, `${baseUrl}${path}`, { method, headers, body: JSON.stringify(body) });
    // The server logs every body. Forget them as they come (see ScimWriteCounter).
    server.clearRequests();
    if (answer.status !== expected) {
      throw new Error(`SCIM write floor: ${method} ${path} answered ${String(answer.status)}: ${answer.body}`);
    }
    return answer.body;
  };
  let posts = 0;
  let patches = 0;
  try {
    const start = performance.now();
    const userIds: string[] = [];
    for (let i = 0; i < work.userCreates; i++) {
      const userName = `floor${String(i)}@acme.example`;
      const created = await send(
        'POST',
        '/Users',
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          externalId: `floor-${String(i)}`,
          userName,
          name: { givenName: 'Floor', familyName: `User ${String(i)}` },
          displayName: `Floor User ${String(i)}`,
          emails: [{ value: userName, type: 'work', primary: true }],
          active: true,
        },
        201,
      );
      userIds.push((JSON.parse(created) as { id: string }).id);
      posts++;
    }
    let next = 0;
    for (const [g, members] of work.groupMembers.entries()) {
      const created = await send(
        'POST',
        '/Groups',
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          externalId: `floor-g${String(g)}`,
          displayName: `Floor ${String(g)}`,
        },
        201,
      );
      posts++;
      const groupId = (JSON.parse(created) as { id: string }).id;
      for (let from = 0; from < members; from += work.membersPerPatch) {
        const chunk = Math.min(work.membersPerPatch, members - from);
        // Members taken round-robin from the created users; distinct within a group while it is smaller than them.
        const value = Array.from({ length: chunk }, () => ({ value: userIds[next++ % userIds.length] ?? '' }));
        // The answer without members, as dirsync asks for it (RFC 7644 §3.9): the floor is the cheapest exchange.
        await send(
          'PATCH',
          `/Groups/${groupId}?excludedAttributes=members`,
          {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'add', path: 'members', value }],
          },
          // RFC 7644 §3.5.2: 200 with the resource, or 204; the test server answers 200.
          200,
        );
        patches++;
      }
    }
    return { ms: performance.now() - start, posts, patches };
  } finally {
    agent.destroy();
    await server.stop();
  }
}
