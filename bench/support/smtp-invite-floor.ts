import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { buildInviteMessage } from '../../src/invites/invite-mail.js';
import { composeInviteMime } from '../../src/invites/invite-mime.js';
import { SmtpTestServer } from '../../test/emulators/smtp/smtp-test-server.js';

export interface SmtpInviteFloor {
  readonly ms: number;
  readonly mails: number;
}

/**
 * The mail floor: `count` invites (dirsync's own, see `inviteTemplate`) sent one after another over one plain SMTP
 * connection (a raw socket: EHLO once, then per message MAIL FROM, RCPT TO and DATA pipelined in one write, then the
 * message, each message awaiting its 250 before the next) to a fresh
 * SMTP test server. Nagle's algorithm is off (TCP_NODELAY), as in dirsync's mailer: with it on, a client's last
 * small write waits for the server's delayed ACK (~40 ms per message), which no floor should include.
 */
export async function measureSmtpInviteFloor(count: number): Promise<SmtpInviteFloor> {
  const server = new SmtpTestServer();
  const { host, port } = await server.start();
  const socket = connect({ host, port, noDelay: true });
  const replies = replyReader(socket);
  try {
    await expect(replies, 220);
    await command(socket, replies, 'EHLO floor.invalid', 250);
    const template = inviteTemplate();
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const to = `floor${String(i)}@acme.example`;
      // PIPELINING (RFC 2920), as dirsync's client sends when the server offers it: the envelope and DATA in one
      // write, then the message. Still one message at a time, each awaiting its 250.
      socket.write(`MAIL FROM:<it@acme.example>\r\nRCPT TO:<${to}>\r\nDATA\r\n`);
      await expect(replies, 250);
      await expect(replies, 250);
      await expect(replies, 354);
      await command(socket, replies, `${invite(template, to, i)}\r\n.`, 250);
    }
    const ms = performance.now() - start;
    await command(socket, replies, 'QUIT', 221);
    const received = server.messages().length;
    if (received !== count)
      throw new Error(`SMTP floor: sent ${String(count)} mails, the server has ${String(received)}`);
    return { ms, mails: count };
  } finally {
    socket.destroy();
    await server.stop();
  }
}

const PLACEHOLDER = 'floor-recipient@acme.example';

/**
 * A real invite as dirsync sends it (the bundled templates, text and HTML, `composeInviteMime`) for a
 * placeholder recipient: the server's work per message (parsing a multipart mail) belongs to the floor, the
 * client's composing does not, so it is composed once and only the recipient and Message-ID change per mail.
 */
function inviteTemplate(): string {
  const message = buildInviteMessage({
    connectionId: 'floor',
    userExternalId: 'floor-user',
    email: PLACEHOLDER,
    displayName: 'Floor User',
    givenName: 'Floor',
    from: 'Acme IT <it@acme.example>',
    appName: 'Acme',
    appLoginUrl: 'https://app.acme.example/login',
  });
  const raw = composeInviteMime({ ...message, messageId: '<floor-message-id@acme.example>' });
  // SMTP dot-stuffing (RFC 5321 §4.5.2): a line that starts with a dot gets another.
  return raw.toString('utf8').replace(/\r\n\./g, '\r\n..');
}

function invite(template: string, to: string, i: number): string {
  return template
    .replaceAll(PLACEHOLDER, to)
    .replace('<floor-message-id@acme.example>', `<floor-${String(i)}@acme.example>`);
}

/** The server's replies, one complete (possibly multi-line) reply per call. */
function replyReader(socket: Socket): () => Promise<string> {
  let buffer = '';
  const complete: string[] = [];
  let waiting: { resolve: (reply: string) => void; reject: (error: Error) => void } | undefined;
  let failure: Error | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    // A reply ends with a line whose fourth character is a space (RFC 5321 §4.2.1).
    for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (line[3] === '-') continue;
      if (waiting !== undefined) {
        waiting.resolve(line);
        waiting = undefined;
      } else complete.push(line);
    }
  });
  const fail = (error: Error) => {
    failure = error;
    waiting?.reject(error);
  };
  socket.on('error', fail);
  socket.on('close', () => {
    fail(new Error('SMTP floor: the server closed the connection'));
  });
  return () => {
    const next = complete.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (failure !== undefined) return Promise.reject(failure);
    return new Promise((resolve, reject) => (waiting = { resolve, reject }));
  };
}

async function expect(replies: () => Promise<string>, code: number): Promise<void> {
  const reply = await replies();
  if (!reply.startsWith(String(code)))
    throw new Error(`SMTP floor: expected ${String(code)}, the server said "${reply}"`);
}

async function command(socket: Socket, replies: () => Promise<string>, line: string, code: number): Promise<void> {
  socket.write(`${line}\r\n`);
  await expect(replies, code);
}
