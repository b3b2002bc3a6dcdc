import type { ScimTestServer } from '../../test/emulators/scim/scim-test-server.js';
import type { SmtpTestServer } from '../../test/emulators/smtp/smtp-test-server.js';

/**
 * SCIM writes by route (`POST /Users`, `PATCH /Groups/{id}`, …), counted from the test server's log, which is then
 * emptied: the log keeps every request and response body, and at 100 000 users the PATCH answers of the big groups
 * (the whole group each time) would fill the bench's heap.
 */
export class ScimWriteCounter {
  readonly #server: ScimTestServer;
  readonly #byRoute = new Map<string, number>();
  #total = 0;

  constructor(server: ScimTestServer) {
    this.#server = server;
  }

  /** Counts what the log holds, empties it, and returns the writes counted so far. */
  drain(): number {
    const logged = this.#server.requests();
    this.#server.clearRequests();
    for (const request of logged) {
      if (request.method === 'GET') continue;
      const path = request.path.replace(/^\/(Users|Groups)\/.+$/, '/$1/{id}');
      // A /Bulk request carries writes, each logged on its own as well: those are counted, the carrier is listed.
      const route = `${request.method} ${path}${request.viaBulk === true ? ' (in /Bulk)' : ''}`;
      this.#byRoute.set(route, (this.#byRoute.get(route) ?? 0) + 1);
      if (path !== '/Bulk') this.#total++;
    }
    return this.#total;
  }

  get byRoute(): ReadonlyMap<string, number> {
    return this.#byRoute;
  }
}

/** Mails received, counted from the SMTP test server, which is then emptied (each message is kept with its raw text). */
export class MailCounter {
  readonly #server: SmtpTestServer;
  #total = 0;

  constructor(server: SmtpTestServer) {
    this.#server = server;
  }

  drain(): number {
    this.#total += this.#server.messages().length;
    this.#server.clear();
    return this.#total;
  }
}
