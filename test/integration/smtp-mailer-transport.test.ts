import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildInviteMessage } from '../../src/invites/invite-mail.js';
import type { InviteMessage } from '../../src/invites/invite-mail.js';
import type { MailerError } from '../../src/invites/mailer-error.js';
import { SmtpMailer } from '../../src/invites/smtp-mailer.js';
import type { SmtpMailerOptions } from '../../src/invites/smtp-mailer.js';
import { MESSAGES_PER_CONNECTION } from '../../src/invites/smtp-pool.js';
import { SmtpTestServer } from '../emulators/smtp/smtp-test-server.js';
import { waitFor } from '../support/cli-process.js';
import { sendError } from '../support/send-error.js';
import type { SmtpTestServerOptions } from '../emulators/smtp/smtp-test-server.js';
import { createThrowawayCa } from '../emulators/tls/throwaway-ca.js';
import type { ThrowawayCa } from '../emulators/tls/throwaway-ca.js';

const USER = 'dirsync';
const PASSWORD = 'S3cret-p@ss:w/rd';

function invite(n: number, email = `p${String(n)}@acme.example`, text?: string): InviteMessage {
  const message = buildInviteMessage({
    connectionId: 'acme',
    userExternalId: `00u${String(n)}`,
    email,
    displayName: 'Zoë',
    givenName: 'Zoë',
    from: 'Acme IT <it@acme.example>',
    appName: 'Dashworks',
    appLoginUrl: 'https://dash.example.com/login',
  });
  return text === undefined ? message : { ...message, text };
}

const servers: SmtpTestServer[] = [];
const mailers: SmtpMailer[] = [];

async function serve(
  options: SmtpTestServerOptions = {},
): Promise<{ server: SmtpTestServer; url: string; port: number }> {
  const server = new SmtpTestServer(options);
  servers.push(server);
  const { url, port } = await server.start();
  return { server, url, port };
}

function mailer(url: string, options: SmtpMailerOptions & { testTrustedCa?: string } = {}): SmtpMailer {
  const { testTrustedCa, ...rest } = options;
  const created = new SmtpMailer(url, {
    connectTimeoutMs: 2_000,
    ...rest,
    ...(testTrustedCa === undefined ? {} : { testTrustedCa }),
  });
  mailers.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(mailers.splice(0).map((created) => created.close()));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

/** The chunks that carried a MAIL FROM, as the server received them. */
function envelopeWrites(server: SmtpTestServer): string[] {
  return server.clientWrites().filter((chunk) => chunk.includes('MAIL FROM:'));
}

describe('SmtpMailer on the wire', () => {
  it('pipelines MAIL, RCPT and DATA in one write when the server offers PIPELINING', async () => {
    const { server, url } = await serve();
    const sender = mailer(url, { maxConnections: 1 });
    for (const n of [1, 2, 3]) await sender.send(invite(n));

    expect(server.messages().map((mail) => mail.envelopeTo)).toEqual([
      ['p1@acme.example'],
      ['p2@acme.example'],
      ['p3@acme.example'],
    ]);
    const writes = envelopeWrites(server);
    expect(writes).toHaveLength(3);
    for (const chunk of writes)
      expect(chunk).toMatch(/^MAIL FROM:<it@acme\.example>\r\nRCPT TO:<p\d@acme\.example>\r\nDATA\r\n$/);
  });

  it('goes lock-step, one command per write, when the server hides PIPELINING', async () => {
    const { server, url } = await serve({ hidePIPELINING: true });
    const sender = mailer(url, { maxConnections: 1 });
    for (const n of [1, 2]) await sender.send(invite(n));

    expect(server.messages()).toHaveLength(2);
    const writes = envelopeWrites(server);
    expect(writes).toHaveLength(2);
    for (const chunk of writes) expect(chunk).toBe('MAIL FROM:<it@acme.example>\r\n');
    expect(server.clientWrites().filter((chunk) => chunk === 'DATA\r\n')).toHaveLength(2);
  });

  it('sends several messages over one connection', async () => {
    const { server, url } = await serve();
    const sender = mailer(url, { maxConnections: 1 });
    for (const n of [1, 2, 3, 4]) await sender.send(invite(n));
    expect(new Set(server.messages().map((mail) => mail.sessionId)).size).toBe(1);
    expect(server.mostSessions()).toBe(1);
  });

  it('replaces a connection after MESSAGES_PER_CONNECTION messages', async () => {
    const { server, url } = await serve();
    const sender = mailer(url, { maxConnections: 1 });
    for (let n = 0; n <= MESSAGES_PER_CONNECTION; n += 1) await sender.send(invite(n));
    const sessions = server.messages().map((mail) => mail.sessionId);
    expect(new Set(sessions.slice(0, MESSAGES_PER_CONNECTION)).size).toBe(1);
    expect(sessions[MESSAGES_PER_CONNECTION]).not.toBe(sessions[0]);
    expect(server.mostSessions()).toBe(1);
  });

  it.each([false, true])(
    'sends again on a new connection when the server caps messages per session (421 at MAIL FROM, hidePIPELINING %s)',
    async (hidePIPELINING) => {
      const { server, url } = await serve({ maxMessagesPerSession: 3, hidePIPELINING });
      const sender = mailer(url, { maxConnections: 1 });
      for (let n = 0; n < 8; n += 1) await sender.send(invite(n, `p${String(n)}@acme.example`));
      // Each message once, in order, three to a session.
      const received = server.messages();
      expect(received.map((mail) => mail.envelopeTo[0])).toEqual(
        Array.from({ length: 8 }, (_, n) => `p${String(n)}@acme.example`),
      );
      expect(new Set(received.map((mail) => mail.sessionId)).size).toBe(3);
      expect(server.mostSessions()).toBe(1);
    },
  );

  it('gives up after one new connection when the server closes every session before the message', async () => {
    const { server, url } = await serve({ maxMessagesPerSession: 0 });
    const error = await sendError(mailer(url, { maxConnections: 1 }), invite(1));
    expect(error.kind).toBe('unavailable');
    expect(server.messages()).toHaveLength(0);
    expect(server.clientWrites().filter((chunk) => chunk.startsWith('MAIL FROM'))).toHaveLength(2);
  });

  it('never opens more connections than its pool size, however many messages wait', async () => {
    const { server, url } = await serve();
    const sender = mailer(url, { maxConnections: 2 });
    await Promise.all(Array.from({ length: 20 }, (_, n) => sender.send(invite(n))));
    expect(server.messages()).toHaveLength(20);
    expect(server.mostSessions()).toBe(2);
  });

  it('delivers a message whose lines start with a dot intact (dot-stuffing), bare LFs as CRLF', async () => {
    const { server, url } = await serve();
    const text = '.\n..two dots\n.leading dot\nlast line\n.';
    await mailer(url).send(invite(1, 'p1@acme.example', text));
    const [received] = server.messages();
    expect(received?.text.replace(/\r\n/g, '\n').trimEnd()).toBe(text);
  });

  it('reconnects for the next message after the server closed an idle connection (421 Timeout)', async () => {
    const { server, url } = await serve({ idleTimeoutMs: 150 });
    const sender = mailer(url, { maxConnections: 1 });
    await sender.send(invite(1));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await sender.send(invite(2));
    const sessions = server.messages().map((mail) => mail.sessionId);
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).not.toBe(sessions[1]);
  });

  it('fails only the refused recipient (550); the next message goes over the same connection', async () => {
    const { server, url } = await serve();
    const sender = mailer(url, { maxConnections: 1 });
    await sender.send(invite(1));
    server.failNext(1, 550, 'rcpt');
    const error = await sendError(sender, invite(2, 'nobody@acme.example'));
    expect(error.kind).toBe('rejected');
    expect(error.responseCode).toBe(550);
    await sender.send(invite(3));
    expect(server.messages().map((mail) => mail.envelopeTo)).toEqual([['p1@acme.example'], ['p3@acme.example']]);
    expect(new Set(server.messages().map((mail) => mail.sessionId)).size).toBe(1);
  });

  it('reports a 451 at the end of the data as unavailable; the connection stays usable', async () => {
    const { server, url } = await serve();
    const sender = mailer(url, { maxConnections: 1 });
    server.failNext(1, 451, 'data');
    const error = await sendError(sender, invite(1));
    expect(error.kind).toBe('unavailable');
    expect(error.responseCode).toBe(451);
    expect(error.message).toContain('retry');
    await sender.send(invite(2));
    expect(server.messages().map((mail) => mail.envelopeTo)).toEqual([['p2@acme.example']]);
  });

  it('a message refused at the end of its data fails alone; the envelope pipelined behind it goes on intact', async () => {
    const { server, url } = await serve();
    const sender = mailer(url, { maxConnections: 1 });
    server.failNext(1, 554, 'data');
    const [first, second] = await Promise.allSettled([sender.send(invite(1)), sender.send(invite(2))]);
    expect(first.status === 'rejected' && (first.reason as MailerError).kind).toBe('rejected');
    expect(second.status).toBe('fulfilled');
    const received = server.messages();
    expect(received.map((mail) => mail.envelopeTo)).toEqual([['p2@acme.example']]);
    expect(received[0]?.text).toBe(invite(2).text);
    // The refusal needed no RSET: one would have landed inside the second transaction.
    expect(server.clientWrites().some((chunk) => chunk.includes('RSET'))).toBe(false);
  });

  it('refuses a non-ASCII recipient as rejected, before sending, when the server lacks SMTPUTF8', async () => {
    const { server, url } = await serve({ hideSMTPUTF8: true });
    const error = await sendError(mailer(url), invite(1, 'zoë@acme.example'));
    expect(error.kind).toBe('rejected');
    expect(error.message).toContain('SMTPUTF8');
    expect(envelopeWrites(server)).toHaveLength(0);
  });

  it('sends a non-ASCII recipient with the SMTPUTF8 parameter when the server offers it', async () => {
    const { server, url } = await serve();
    await mailer(url).send(invite(1, 'zoë@acme.example'));
    expect(server.messages().map((mail) => mail.envelopeTo)).toEqual([['zoë@acme.example']]);
    expect(envelopeWrites(server)[0]).toMatch(/^MAIL FROM:<it@acme\.example> SMTPUTF8[ \r]/);
  });

  it.each([['PLAIN' as const], ['LOGIN' as const]])(
    'logs in with AUTH %s when that is what the server offers',
    async (method) => {
      const { server, url } = await serve({ auth: { user: USER, pass: PASSWORD }, authMethods: [method] });
      await mailer(url).send(invite(1));
      expect(server.messages()[0]?.authUser).toBe(USER);
      expect(server.clientWrites().some((chunk) => chunk.startsWith(`AUTH ${method}`))).toBe(true);
    },
  );

  it.each([['PLAIN' as const], ['LOGIN' as const]])(
    'reports a wrong password over AUTH %s as auth, without the password anywhere',
    async (method) => {
      const { server, port } = await serve({ auth: { user: USER, pass: PASSWORD }, authMethods: [method] });
      const wrong = 'wrong-Pa55word!';
      const url = `smtp://${USER}:${encodeURIComponent(wrong)}@127.0.0.1:${String(port)}`;
      const error = await sendError(mailer(url), invite(1));
      expect(error.kind).toBe('auth');
      expect(error.responseCode).toBe(535);
      const base64 = [Buffer.from(wrong).toString('base64'), Buffer.from(`\0${USER}\0${wrong}`).toString('base64')];
      for (const secret of [wrong, encodeURIComponent(wrong), ...base64]) {
        expect(error.message).not.toContain(secret);
        expect((error.cause as Error).message).not.toContain(secret);
      }
      expect(server.authFailures()).toBe(1);
      expect(server.messages()).toHaveLength(0);
    },
  );
});

/** A promise and the functions that settle it. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

// The invite's attempt mark is committed while the envelope is on the wire (apply-plan's `beforeData`): the
// message itself must never leave before the mark is stored, and never after a mark that failed.
describe.each([
  ['pipelined', {}],
  ['lock-step', { hidePIPELINING: true }],
] as const)('SmtpMailer holding a message until it is cleared (%s)', (_name, serverOptions) => {
  it('sends the envelope at once and the message only once cleared', async () => {
    const { server, url } = await serve(serverOptions);
    const sender = mailer(url, { maxConnections: 1 });
    const clearance = deferred();
    const sent = sender.send(invite(1), { beforeData: clearance.promise });
    await waitFor('the envelope', () => server.clientWrites().some((chunk) => chunk.includes('DATA\r\n')), 2_000);
    // Long enough for a message written after the envelope to have arrived.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.clientWrites().some((chunk) => chunk.includes('Message-ID:'))).toBe(false);
    expect(server.messages()).toHaveLength(0);

    clearance.resolve();
    await sent;
    expect(server.messages().map((mail) => mail.envelopeTo)).toEqual([['p1@acme.example']]);
  });

  it('delivers nothing when the clearance fails, rejects with its error unchanged, and goes on over a new connection', async () => {
    const { server, url } = await serve(serverOptions);
    const sender = mailer(url, { maxConnections: 1 });
    const clearance = deferred();
    const sent = sender.send(invite(1), { beforeData: clearance.promise }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    await waitFor('the envelope', () => server.clientWrites().some((chunk) => chunk.includes('DATA\r\n')), 2_000);
    const fault = new Error('the database refused the attempt mark');
    clearance.reject(fault);
    expect(await sent).toBe(fault);

    await sender.send(invite(2));
    const delivered = server.messages();
    expect(delivered.map((mail) => mail.envelopeTo)).toEqual([['p2@acme.example']]);
    // Only the second message's data ever reached the server.
    expect(server.clientWrites().filter((chunk) => chunk.includes('Message-ID:'))).toHaveLength(1);
  });
});

describe('SmtpMailer with TLS (a throwaway CA)', () => {
  let ca: ThrowawayCa;
  let other: ThrowawayCa;

  beforeAll(() => {
    ca = createThrowawayCa();
    other = createThrowawayCa();
  });

  afterAll(() => {
    ca.remove();
    other.remove();
  });

  it('upgrades smtp:// with STARTTLS when offered, and logs in over TLS', async () => {
    const { server, url } = await serve({
      auth: { user: USER, pass: PASSWORD },
      tls: { key: ca.key, cert: ca.cert },
    });
    const sender = mailer(url, { testTrustedCa: ca.caPem });
    await sender.send(invite(1));
    await sender.send(invite(2));
    expect(server.messages().map((mail) => mail.authUser)).toEqual([USER, USER]);
  });

  it('speaks TLS from the first byte on smtps://', async () => {
    const { server, url } = await serve({ tls: { key: ca.key, cert: ca.cert, implicit: true } });
    expect(url.startsWith('smtps://')).toBe(true);
    await mailer(url, { testTrustedCa: ca.caPem }).send(invite(1));
    expect(server.messages()).toHaveLength(1);
  });

  it.each([
    ['STARTTLS', false],
    ['smtps://', true],
  ])('reports a certificate it cannot verify (%s) as config, naming NODE_EXTRA_CA_CERTS', async (_case, implicit) => {
    const { server, url } = await serve({ tls: { key: ca.key, cert: ca.cert, implicit } });
    const error = await sendError(mailer(url, { testTrustedCa: other.caPem }), invite(1));
    expect(error.kind).toBe('config');
    expect(error.message).toContain('NODE_EXTRA_CA_CERTS');
    expect(server.messages()).toHaveLength(0);
  });
});

describe('SmtpMailer against a scripted server (one that stops answering, or holds a reply)', () => {
  let silent: Server;
  let port: number;
  const sockets: Socket[] = [];

  /**
   * Greets (or not), then answers each command line with `answer(line)` (nothing when it returns undefined): lines
   * of the message data come through `answer` too.
   */
  async function listen(greeting: string | undefined, answer: (line: string) => string | undefined = () => undefined) {
    silent = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      let pending = '';
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.toString('latin1');
        const lines = pending.split('\r\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const reply = answer(line);
          if (reply !== undefined) socket.write(reply);
        }
      });
      if (greeting !== undefined) socket.write(greeting);
    });
    await new Promise<void>((resolve) => {
      silent.listen(0, '127.0.0.1', resolve);
    });
    const address = silent.address();
    port = address !== null && typeof address === 'object' ? address.port : 0;
  }

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('reports no reply within the reply timeout as unavailable', async () => {
    await listen('220 silent.invalid ESMTP\r\n');
    const started = Date.now();
    const error = await sendError(mailer(`smtp://127.0.0.1:${String(port)}`, { replyTimeoutMs: 200 }), invite(1));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toContain('200 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('rejects, as unavailable, a message whose end of data gets no reply: no 250, no success', async () => {
    let dataLines = 0;
    let inData = false;
    await listen('220 mute.invalid ESMTP\r\n', (line) => {
      if (inData) {
        dataLines += 1;
        return undefined;
      }
      if (line.startsWith('EHLO')) return '250-mute.invalid\r\n250 8BITMIME\r\n';
      if (line.startsWith('MAIL') || line.startsWith('RCPT')) return '250 OK\r\n';
      if (line === 'DATA') {
        inData = true;
        return '354 go ahead\r\n';
      }
      return undefined;
    });
    const error = await sendError(mailer(`smtp://127.0.0.1:${String(port)}`, { replyTimeoutMs: 300 }), invite(1));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toContain('300 ms');
    expect(dataLines).toBeGreaterThan(10);
  });

  it("pipelines the next message's envelope behind the previous message's data, before its reply (RFC 2920 §3.1)", async () => {
    // This server answers the end of the first message only once the next envelope has arrived: a client that
    // waited for that answer before going on would wait until its reply timeout.
    let inData = false;
    let ended = 0;
    let held = false;
    await listen('220 scripted.invalid ESMTP\r\n', (line) => {
      if (inData) {
        if (line !== '.') return undefined;
        inData = false;
        ended += 1;
        if (ended === 1) {
          held = true;
          return undefined;
        }
        return '250 queued\r\n';
      }
      if (line.startsWith('EHLO')) return '250-scripted.invalid\r\n250 PIPELINING\r\n';
      if (line.startsWith('MAIL')) {
        const release = held ? '250 queued\r\n' : '';
        held = false;
        return `${release}250 OK\r\n`;
      }
      if (line.startsWith('RCPT')) return '250 OK\r\n';
      if (line === 'DATA') {
        inData = true;
        return '354 go ahead\r\n';
      }
      if (line === 'QUIT') return '221 bye\r\n';
      return undefined;
    });
    const sender = mailer(`smtp://127.0.0.1:${String(port)}`, { maxConnections: 1, replyTimeoutMs: 1_000 });
    await Promise.all([sender.send(invite(1)), sender.send(invite(2))]);
    expect(ended).toBe(2);
  });

  it('reports no greeting within the connect timeout as unavailable', async () => {
    await listen(undefined);
    const error = await sendError(mailer(`smtp://127.0.0.1:${String(port)}`, { connectTimeoutMs: 200 }), invite(1));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toContain('greeting');
  });
});
