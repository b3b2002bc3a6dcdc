import { describe, expect, it } from 'vitest';
import { buildInviteMessage, INVITE_HEADER, inviteMessageId } from '../../../src/invites/invite-mail.js';
import type { InviteMailInput } from '../../../src/invites/invite-mail.js';
import { MailerError } from '../../../src/invites/mailer-error.js';

const base: InviteMailInput = {
  connectionId: 'acme-okta',
  userExternalId: '00u1a2b3c4d5e6f7g8h9',
  email: 'zoe.obrien@acme.example',
  displayName: "Zoë O'Brien",
  givenName: 'Zoë',
  from: 'Acme IT <it@acme.example>',
};

function thrown(action: () => unknown): MailerError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(MailerError);
    return error as MailerError;
  }
  throw new Error('expected an error');
}

const withApp: InviteMailInput = { ...base, appName: 'Dashworks', appLoginUrl: 'https://dash.example.com/login' };

// RFC 5322 msg-id with a dot-atom-text left and right part (no quoted strings, no domain literals).
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const MSG_ID = new RegExp(`^<${ATEXT}(?:\\.${ATEXT})*@${ATEXT}(?:\\.${ATEXT})*>$`);

describe('buildInviteMessage', () => {
  it('names the app in the subject and the app and sign-in link in both bodies when they are given', () => {
    const message = buildInviteMessage(withApp);
    expect(message.subject).toBe("You're invited to Dashworks");
    expect(message.text).toContain("You're invited to Dashworks.");
    expect(message.text).toContain('Sign in here: https://dash.example.com/login');
    expect(message.html).toContain("You're invited to <strong>Dashworks</strong>");
    expect(message.html).toContain('<a href="https://dash.example.com/login">Sign in to Dashworks</a>');
  });

  it('speaks of "the app" and of the administrator when no app name or sign-in link is configured', () => {
    const message = buildInviteMessage(base);
    expect(message.subject).toBe('You have been invited to the app');
    expect(message.text).toContain('You have been invited to the app.');
    expect(message.text).toContain('Your administrator will tell you how to sign in.');
    expect(message.text).not.toContain('undefined');
    expect(message.html).not.toContain('<a ');
    expect(message.html).not.toContain('undefined');
  });

  it('links the sign-in page without an app name, and names the app without a link', () => {
    const linkOnly = buildInviteMessage({ ...base, appLoginUrl: 'https://app.example.com/' });
    expect(linkOnly.subject).toBe('You have been invited to the app');
    expect(linkOnly.html).toContain('<a href="https://app.example.com/">Sign in</a>');
    const nameOnly = buildInviteMessage({ ...base, appName: 'Dashworks' });
    expect(nameOnly.subject).toBe("You're invited to Dashworks");
    expect(nameOnly.text).toContain('Your administrator will tell you how to sign in.');
  });

  it('greets by given name, else by display name, else plainly', () => {
    expect(buildInviteMessage(base).text.startsWith('Hello Zoë,\n')).toBe(true);
    const { givenName: _, ...noGiven } = base;
    expect(buildInviteMessage(noGiven).text.startsWith("Hello Zoë O'Brien,\n")).toBe(true);
    expect(buildInviteMessage({ ...base, givenName: ' ', displayName: '' }).text.startsWith('Hello,\n')).toBe(true);
  });

  it('escapes names and the app name in HTML and keeps them verbatim in text', () => {
    const message = buildInviteMessage({
      ...withApp,
      givenName: '<script>alert("x")</script>',
      appName: 'R&D "Tools" <beta>',
      appLoginUrl: 'https://dash.example.com/login?next=a&b="c"',
    });
    expect(message.html).not.toContain('<script>');
    expect(message.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(message.html).toContain('R&amp;D &quot;Tools&quot; &lt;beta&gt;');
    expect(message.html).toContain('href="https://dash.example.com/login?next=a&amp;b=%22c%22"');
    expect(message.text).toContain('Hello <script>alert("x")</script>,');
    expect(message.subject).toBe('You\'re invited to R&D "Tools" <beta>');
  });

  it("keeps non-ASCII and apostrophes intact (Zoë, O'Brien, 佐藤)", () => {
    const message = buildInviteMessage({ ...withApp, givenName: '', displayName: "佐藤 D'Angelo-Müller" });
    expect(message.text).toContain("Hello 佐藤 D'Angelo-Müller,");
    expect(message.html).toContain('Hello 佐藤 D&#39;Angelo-Müller,');
  });

  it('flattens line breaks in names and app names so they cannot add headers or lines', () => {
    const message = buildInviteMessage({ ...withApp, appName: 'Dash\r\nBcc: all@acme.example', givenName: 'Zoë\nX' });
    expect(message.subject).toBe("You're invited to Dash Bcc: all@acme.example");
    expect(message.text.startsWith('Hello Zoë X,\n')).toBe(true);
  });

  it('addresses exactly one recipient, the bare e-mail, from INVITE_FROM', () => {
    const message = buildInviteMessage(base);
    expect(message.to).toBe('zoe.obrien@acme.example');
    expect(message.from).toBe('Acme IT <it@acme.example>');
    expect(message.text).toContain('This invitation was sent to zoe.obrien@acme.example.');
  });

  it.each([
    ['two addresses', 'a@acme.example, b@acme.example'],
    ['a semicolon list', 'a@acme.example;b@acme.example'],
    ['no domain', 'zoe@'],
    ['no @ at all', 'zoe'],
    ['a line break', 'zoe@acme.example\r\nBcc: x@evil.example'],
  ])('refuses a recipient with %s as a rejected invite: the others can still go', (_case, email) => {
    expect(thrown(() => buildInviteMessage({ ...base, email }))).toMatchObject({ kind: 'rejected' });
  });

  it('refuses a sender or sign-in link that is malformed as a config error naming the variable', () => {
    expect(thrown(() => buildInviteMessage({ ...base, from: 'Acme IT' }))).toMatchObject({
      kind: 'config',
      message: expect.stringContaining('INVITE_FROM') as unknown,
    });
    expect(thrown(() => buildInviteMessage({ ...base, appLoginUrl: 'javascript:alert(1)' }))).toMatchObject({
      kind: 'config',
      message: expect.stringMatching(/APP_LOGIN_URL .* http\(s\)/) as unknown,
    });
    expect(thrown(() => buildInviteMessage({ ...base, appLoginUrl: 'not a url' }))).toMatchObject({ kind: 'config' });
  });

  it('marks the message as automated and names the connection and user in a header', () => {
    const message = buildInviteMessage(base);
    expect(message.headers[INVITE_HEADER]).toBe('acme-okta/00u1a2b3c4d5e6f7g8h9');
    expect(message.headers['Auto-Submitted']).toBe('auto-generated');
  });
});

describe('invite Message-ID', () => {
  it('is a valid RFC 5322 msg-id ending in the sender domain', () => {
    const { messageId } = buildInviteMessage(base);
    expect(messageId).toMatch(MSG_ID);
    expect(messageId.endsWith('@acme.example>')).toBe(true);
  });

  it('is the same for the same connection and user, whatever else changed (a resend after a crash)', () => {
    const first = buildInviteMessage(base).messageId;
    const resent = buildInviteMessage({
      ...withApp,
      email: 'zoe@other.example',
      displayName: 'Zoe',
      from: 'it@acme.example',
    }).messageId;
    expect(resent).toBe(first);
  });

  it('differs between users and between connections, even when the ids concatenate alike', () => {
    const ids = new Set([
      buildInviteMessage(base).messageId,
      buildInviteMessage({ ...base, userExternalId: '00u1a2b3c4d5e6f7g8hX' }).messageId,
      buildInviteMessage({ ...base, connectionId: 'acme-graph' }).messageId,
      inviteMessageId('ab', 'c', 'acme.example'),
      inviteMessageId('a', 'bc', 'acme.example'),
    ]);
    expect(ids.size).toBe(5);
  });

  it('stays valid for GUIDs, non-ASCII ids and an internationalised sender domain', () => {
    const messageId = buildInviteMessage({
      ...base,
      connectionId: 'connexion-é',
      userExternalId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
      from: 'Bücher IT <it@bücher.example>',
    }).messageId;
    expect(messageId).toMatch(MSG_ID);
    expect(messageId.endsWith('@xn--bcher-kva.example>')).toBe(true);
  });

  it('encodes the ids reversibly in base32', () => {
    expect(inviteMessageId('f', 'foobar', 'x.example')).toBe('<invite.my.mzxw6ytboi@x.example>');
  });

  it('refuses empty ids', () => {
    expect(() => inviteMessageId('', 'u1', 'acme.example')).toThrow(RangeError);
    expect(() => inviteMessageId('c1', '', 'acme.example')).toThrow(RangeError);
  });
});
