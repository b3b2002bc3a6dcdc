import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildInviteMessage, INVITE_HEADER, inviteMessageId } from '../../../src/invites/invite-mail.js';
import { loadInviteTemplates } from '../../../src/invites/invite-templates.js';
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

describe('buildInviteMessage with a note, a kind and a send number', () => {
  it("escapes the administrator's note in HTML, line breaks as <br>, and keeps it as typed in text", () => {
    const note = `Welcome <script>alert("x")</script> & 'co'\r\nSee you Monday.`;
    const message = buildInviteMessage({ ...withApp, note });
    expect(message.html).toContain(
      '<blockquote>Welcome &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;<br>\nSee you Monday.</blockquote>',
    );
    expect(message.html).not.toContain('<script>');
    expect(message.text).toContain(`Welcome <script>alert("x")</script> & 'co'\nSee you Monday.`);
  });

  it('drops NUL and other control characters from the note but keeps line breaks and tabs', () => {
    const message = buildInviteMessage({ ...withApp, note: 'a\u0000b\u001b[31mc\td\u2028e\u0007' });
    expect(message.text).toContain('\nab[31mc\td\ne\n');
  });

  it('leaves out the note paragraph for an empty or blank note', () => {
    for (const note of ['', '  \n\t ', '\u0000']) {
      expect(buildInviteMessage({ ...withApp, note }).text).not.toContain('A message from your administrator');
    }
  });

  it('words a resend and a reminder in the subject and bodies', () => {
    const resend = buildInviteMessage({ ...withApp, kind: 'resend', sendNumber: 2 });
    expect(resend.subject).toBe('Your invitation to Dashworks');
    expect(resend.text).toContain('Here is your invitation to Dashworks again.');
    const reminder = buildInviteMessage({ ...base, kind: 'reminder', sendNumber: 3 });
    expect(reminder.subject).toBe('Reminder: you have been invited to the app');
    expect(reminder.text).toContain("A reminder: you're invited to the app.");
  });

  it('renders with the templates it is given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dirsync-invite-mail-'));
    try {
      writeFileSync(join(dir, 'subject.liquid'), '{{ app_name }} : invitation n° {{ send_number }}');
      writeFileSync(join(dir, 'text.liquid'), 'Bonjour {{ name }}, {{ kind }}.\n');
      writeFileSync(join(dir, 'html.liquid'), '<p>Bonjour {{ name }}</p>');
      const message = buildInviteMessage({
        ...withApp,
        templates: loadInviteTemplates(dir),
        kind: 'resend',
        sendNumber: 2,
      });
      expect([message.subject, message.text, message.html]).toEqual([
        'Dashworks : invitation n° 2',
        'Bonjour Zoë, resend.\n',
        '<p>Bonjour Zoë</p>',
      ]);
      expect(message.to).toBe('zoe.obrien@acme.example');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('turns a template that fails only with real values into a config error naming the file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dirsync-invite-mail-'));
    try {
      writeFileSync(join(dir, 'subject.liquid'), 'Invite');
      writeFileSync(join(dir, 'text.liquid'), 'Hi\n{% if send_number > 5 %}{{ name.first }}{% endif %}\n');
      writeFileSync(join(dir, 'html.liquid'), '<p>Hi</p>');
      const templates = loadInviteTemplates(dir);
      const error = thrown(() => buildInviteMessage({ ...base, templates, sendNumber: 6 }));
      expect(error.kind).toBe('config');
      expect(error.message).toContain(`invite template: ${join(dir, 'text.liquid')} line 2, column`);
      expect(error.message).toContain('undefined variable: name.first');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the send number in the X-Dirsync-Invite header from the second mail on', () => {
    expect(buildInviteMessage({ ...base, sendNumber: 1 }).headers[INVITE_HEADER]).toBe(
      'acme-okta/00u1a2b3c4d5e6f7g8h9',
    );
    expect(buildInviteMessage({ ...base, sendNumber: 4, kind: 'reminder' }).headers[INVITE_HEADER]).toBe(
      'acme-okta/00u1a2b3c4d5e6f7g8h9#4',
    );
  });
});

describe('invite Message-ID per send number', () => {
  it('is unchanged for the first mail, so an invite due across the upgrade keeps its id', () => {
    // The id dirsync gave this invite before send numbers existed (computed by the previous release).
    expect(buildInviteMessage({ ...base, sendNumber: 1, kind: 'invite' }).messageId).toBe(
      '<invite.mfrw2zjnn5vxiyi.gayhkmlbgjrdgyzumq2wkntgg5ttq2bz@acme.example>',
    );
    expect(buildInviteMessage(base).messageId).toBe(
      inviteMessageId('acme-okta', '00u1a2b3c4d5e6f7g8h9', 'acme.example'),
    );
    expect(inviteMessageId('f', 'foobar', 'x.example', 1)).toBe('<invite.my.mzxw6ytboi@x.example>');
  });

  it('is <invite.<conn>.<user>.<n>@domain> from the second mail on: distinct per n, stable for the same n', () => {
    expect(inviteMessageId('f', 'foobar', 'x.example', 2)).toBe('<invite.my.mzxw6ytboi.2@x.example>');
    const ids = [1, 2, 3, 10].map((sendNumber) => buildInviteMessage({ ...base, sendNumber }).messageId);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id).toMatch(MSG_ID);
    const again = buildInviteMessage({ ...withApp, note: 'other', kind: 'reminder', sendNumber: 3 }).messageId;
    expect(again).toBe(ids[2]);
  });

  it('refuses a send number that is not a whole number from 1', () => {
    for (const sendNumber of [0, -1, 1.5, Number.NaN]) {
      expect(() => inviteMessageId('c1', 'u1', 'acme.example', sendNumber)).toThrow(RangeError);
    }
  });
});
