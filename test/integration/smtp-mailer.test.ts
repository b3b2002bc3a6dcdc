import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildInviteMessage, INVITE_HEADER } from '../../src/invites/invite-mail.js';
import type { InviteMessage } from '../../src/invites/invite-mail.js';
import { MailerError } from '../../src/invites/mailer-error.js';
import { SMTP_MAX_CONNECTIONS, SmtpMailer } from '../../src/invites/smtp-mailer.js';
import { SmtpTestServer } from '../emulators/smtp/smtp-test-server.js';
import { sendError } from '../support/send-error.js';
import type { SmtpTestServerAddress } from '../emulators/smtp/smtp-test-server.js';

const USER = 'dirsync';
const PASSWORD = 'S3cret-p@ss:w/rd';

function invite(userExternalId: string, email: string): InviteMessage {
  return buildInviteMessage({
    connectionId: 'acme',
    userExternalId,
    email,
    displayName: "Zoë O'Brien",
    givenName: 'Zoë',
    from: 'Acme IT <it@acme.example>',
    appName: 'Dashworks',
    appLoginUrl: 'https://dash.example.com/login',
  });
}

describe('SmtpMailer against a real SMTP server', () => {
  const server = new SmtpTestServer({ auth: { user: USER, pass: PASSWORD } });
  let address: SmtpTestServerAddress;
  const mailers: SmtpMailer[] = [];

  function mailer(url: string): SmtpMailer {
    const created = new SmtpMailer(url, { connectTimeoutMs: 2_000 });
    mailers.push(created);
    return created;
  }

  beforeEach(async () => {
    address = await server.start();
  });

  afterEach(async () => {
    await Promise.all(mailers.splice(0).map((created) => created.close()));
    server.clear();
    await server.stop();
  });

  it('delivers the invite to its one recipient, from INVITE_FROM, with the stable Message-ID and headers', async () => {
    const message = invite('00u1', 'zoe.obrien@acme.example');
    await mailer(address.url).send(message);

    const [received, ...others] = server.messages();
    expect(others).toHaveLength(0);
    expect(received?.envelopeTo).toEqual(['zoe.obrien@acme.example']);
    expect(received?.to).toEqual(['zoe.obrien@acme.example']);
    expect(received?.envelopeFrom).toBe('it@acme.example');
    expect(received?.from).toBe('it@acme.example');
    expect(received?.messageId).toBe(message.messageId);
    expect(received?.headers[INVITE_HEADER.toLowerCase()]).toBe('acme/00u1');
    expect(received?.headers['auto-submitted']).toBe('auto-generated');
    expect(received?.subject).toBe("You're invited to Dashworks");
    expect(received?.text).toContain('Sign in here: https://dash.example.com/login');
    expect(received?.html).toContain('Hello Zoë,');
    expect(received?.authUser).toBe(USER);
  });

  it('sends each invite as its own message over the pool, Message-IDs kept apart', async () => {
    const sender = mailer(address.url);
    const messages = [
      invite('00u1', 'a@acme.example'),
      invite('00u2', 'b@acme.example'),
      invite('00u3', 'c@x.example'),
    ];
    await Promise.all(messages.map((message) => sender.send(message)));

    const received = server.messages();
    expect(received.map((mail) => mail.envelopeTo)).toEqual(
      expect.arrayContaining([['a@acme.example'], ['b@acme.example'], ['c@x.example']]),
    );
    expect(new Set(received.map((mail) => mail.messageId))).toEqual(new Set(messages.map((m) => m.messageId)));
  });

  it('sends invites over as many connections as its pool has, never more than SMTP_MAX_CONNECTIONS', async () => {
    const pooled = (options: { maxConnections?: number }) => {
      const created = new SmtpMailer(address.url, options);
      mailers.push(created);
      return created;
    };
    const three = pooled({ maxConnections: 3 });
    expect([three.connections, pooled({ maxConnections: 64 }).connections, pooled({}).connections]).toEqual([
      3,
      SMTP_MAX_CONNECTIONS,
      2,
    ]);
    // Two messages in flight per connection: one waiting for its reply, the next one's envelope behind it.
    expect(three.parallel).toBe(6);
    const batch = Array.from({ length: 12 }, (_, i) => invite(`00p${String(i)}`, `p${String(i)}@acme.example`));
    await Promise.all(batch.map((message) => three.send(message)));
    const sessions = new Set(server.messages().map((mail) => mail.sessionId));
    expect(server.messages()).toHaveLength(12);
    expect(sessions.size).toBeGreaterThanOrEqual(2);
    expect(sessions.size).toBeLessThanOrEqual(3);
  });

  it('reports a wrong password as an auth error naming host:port, never the password or the URL', async () => {
    const wrongPassword = 'wrong-Pa55word!';
    const url = `smtp://${USER}:${encodeURIComponent(wrongPassword)}@127.0.0.1:${address.port}`;
    const error = await sendError(mailer(url), invite('00u1', 'zoe@acme.example'));

    expect(error.kind).toBe('auth');
    expect(error.responseCode).toBe(535);
    expect(error.message).toContain(`127.0.0.1:${address.port}`);
    expect(error.message).toContain('SMTP_URL');
    for (const secret of [wrongPassword, encodeURIComponent(wrongPassword), url, PASSWORD]) {
      expect(error.message).not.toContain(secret);
      expect((error.cause as Error).message).not.toContain(secret);
    }
    expect(server.authFailures()).toBeGreaterThan(0);
    expect(server.messages()).toHaveLength(0);
  });

  it('reports a temporary refusal (451) as unavailable, so the invite stays due', async () => {
    server.failNext(1, 451);
    const error = await sendError(mailer(address.url), invite('00u1', 'zoe@acme.example'));
    expect(error.kind).toBe('unavailable');
    expect(error.responseCode).toBe(451);
    expect(server.messages()).toHaveLength(0);
  });

  it('reports a refused recipient (550) as rejected: this invite fails, the others go on', async () => {
    const sender = mailer(address.url);
    server.failNext(1, 550, 'rcpt');
    const error = await sendError(sender, invite('00u1', 'nobody@acme.example'));
    expect(error.kind).toBe('rejected');
    expect(error.responseCode).toBe(550);
    expect(error.message).toContain('nobody@acme.example');

    await sender.send(invite('00u2', 'zoe@acme.example'));
    expect(server.messages().map((mail) => mail.envelopeTo)).toEqual([['zoe@acme.example']]);
  });

  it('reports a server that is down as unavailable, naming host:port', async () => {
    const url = address.url;
    await server.stop();
    const error = await sendError(mailer(url), invite('00u1', 'zoe@acme.example'));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toContain(`127.0.0.1:${address.port}`);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain(encodeURIComponent(PASSWORD));
  });
});

describe('SmtpMailer configuration', () => {
  it.each([
    ['not a URL', 'mail.example.com:587'],
    ['another scheme', 'https://user:hunter22@mail.example.com'],
    ['query parameters', 'smtp://user:hunter22@mail.example.com:587?tls.rejectUnauthorized=false'],
  ])('refuses an SMTP_URL that is %s, without echoing its password', (_case, url) => {
    let thrown: unknown;
    try {
      new SmtpMailer(url);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MailerError);
    expect((thrown as MailerError).kind).toBe('config');
    expect((thrown as MailerError).message).toContain('SMTP_URL');
    expect((thrown as MailerError).message).not.toContain('hunter22');
  });

  it('describes its destination without credentials, with the default port of the scheme', async () => {
    const plain = new SmtpMailer('smtp://u:hunter22@mail.example.com');
    const secure = new SmtpMailer('smtps://u:hunter22@mail.example.com');
    expect(plain.destination).toBe('smtp://mail.example.com:587');
    expect(secure.destination).toBe('smtps://mail.example.com:465');
    await Promise.all([plain.close(), secure.close()]);
  });
});
