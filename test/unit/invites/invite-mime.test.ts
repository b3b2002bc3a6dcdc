import fc from 'fast-check';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { describe, expect, it } from 'vitest';
import { buildInviteMessage, INVITE_HEADER, type InviteMessage } from '../../../src/invites/invite-mail.js';
import { composeInviteMime } from '../../../src/invites/invite-mime.js';

const DATE = new Date('2026-12-07T10:00:00Z');

function invite(overrides: Partial<InviteMessage> = {}): InviteMessage {
  return {
    ...buildInviteMessage({
      connectionId: 'acme',
      userExternalId: '00u1',
      email: 'zoe@acme.example',
      displayName: "Zoë O'Brien",
      givenName: 'Zoë',
      from: 'Acme IT <it@acme.example>',
      appName: 'Dashworks',
      appLoginUrl: 'https://dash.example.com/login',
    }),
    ...overrides,
  };
}

/** What a mail client shows of a message: the fields an invite is made of. */
function shown(mail: ParsedMail) {
  const address = (value: AddressObject | AddressObject[] | undefined) =>
    [value ?? []].flat().flatMap((object) => object.value.map(({ name, address }) => ({ name, address })));
  return {
    from: address(mail.from),
    to: address(mail.to),
    subject: mail.subject,
    messageId: mail.messageId,
    date: mail.date?.toISOString(),
    text: mail.text,
    html: mail.html,
    invite: mail.headers.get(INVITE_HEADER.toLowerCase()),
    autoSubmitted: mail.headers.get('auto-submitted'),
    type: mail.headers.get('content-type'),
  };
}

async function viaMailComposer(message: InviteMessage): Promise<Buffer> {
  return new MailComposer({
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    date: DATE,
    headers: { ...message.headers },
  })
    .compile()
    .build();
}

function lines(raw: Buffer): string[] {
  return raw.toString('utf8').split('\r\n');
}

describe('composeInviteMime', () => {
  it('reads in a mail client exactly as the MailComposer composition of the same invite', async () => {
    const message = invite();
    const ours = shown(await simpleParser(composeInviteMime(message, DATE)));
    expect({ ...ours, type: undefined }).toEqual({
      ...shown(await simpleParser(await viaMailComposer(message))),
      type: undefined,
    });
    expect(ours.from).toEqual([{ name: 'Acme IT', address: 'it@acme.example' }]);
    expect(ours.to).toEqual([{ name: '', address: 'zoe@acme.example' }]);
    expect(ours.invite).toBe('acme/00u1');
  });

  it('keeps every line within 78 characters and only CRLF line ends (RFC 5322 §2.1.1), 7-bit only', () => {
    const raw = composeInviteMime(
      invite({
        subject: `Welcome ${'to a very long subject line '.repeat(6)}`,
        text: `${'x'.repeat(300)}\n${'word '.repeat(100)}\nlast`,
        html: `<p>${'y'.repeat(500)}</p>`,
      }),
      DATE,
    );
    expect(raw.every((byte) => byte < 0x80)).toBe(true);
    const text = raw.toString('latin1');
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of lines(raw)) expect(line.length).toBeLessThanOrEqual(78);
  });

  it('encodes a display name with quotes, a non-ASCII subject and an IDN domain so that they read back as sent', async () => {
    const raw = composeInviteMime(
      invite({
        from: '"Acme \\"IT\\" Desk" <it@bücher.example>',
        to: 'zoë@bücher.example',
        subject: 'Привет, you\'re invited to "Dashworks" 🎉',
      }),
      DATE,
    );
    // The domain travels in its ASCII form (a mail client shows it decoded); the local part stays as it is.
    expect(lines(raw)).toContain('From: "Acme \\"IT\\" Desk" <it@xn--bcher-kva.example>');
    expect(lines(raw)).toContain('To: zoë@xn--bcher-kva.example');
    const view = shown(await simpleParser(raw));
    expect(view.from).toEqual([{ name: 'Acme "IT" Desk', address: 'it@bücher.example' }]);
    expect(view.to).toEqual([{ name: '', address: 'zoë@bücher.example' }]);
    expect(view.subject).toBe('Привет, you\'re invited to "Dashworks" 🎉');
  });

  it('splits a long non-ASCII subject between characters, never inside one (an emoji stays whole)', async () => {
    for (const subject of ['𐀀𐀀𐀀𐀀ࠀ𐀀𐀀𐀀', `Welcome ${'🎉'.repeat(40)}`, 'Ünïcödé '.repeat(20).trim(), 'é'.repeat(200)]) {
      const raw = composeInviteMime(invite({ subject }), DATE);
      expect((await simpleParser(raw)).subject).toBe(subject);
      for (const line of lines(raw)) expect(line.length).toBeLessThanOrEqual(78);
    }
  });

  it('cannot be made to add a header or a part through what it carries', async () => {
    const raw = composeInviteMime(
      invite({
        subject: 'Hi\r\nBcc: victim@evil.example',
        headers: { [INVITE_HEADER]: 'acme/x\nX-Evil: 1', 'Auto-Submitted': 'auto-generated' },
        text: 'before\r\n--_dirsync-fake--\r\nafter',
      }),
      DATE,
    );
    const mail = await simpleParser(raw);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.headers.has('x-evil')).toBe(false);
    expect(mail.subject).toBe('Hi Bcc: victim@evil.example');
    expect(mail.text).toBe('before\n--_dirsync-fake--\nafter');
  });

  it('carries any text, HTML, subject and display name through to what a mail client reads', async () => {
    // Printable text of any script, with line breaks of any kind and lines starting with dots or "From ".
    const content = fc
      .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 90 }), fc.constantFrom('.', '..', 'From x', ' ', '=')), {
        maxLength: 8,
      })
      .chain((parts) => fc.constantFrom('\n', '\r\n', '\r').map((end) => parts.join(end)));
    const printable = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((s) => s.trim() !== '');
    await fc.assert(
      fc.asyncProperty(content, content, printable, printable, async (text, html, subject, name) => {
        const clean = (value: string) => value.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').trim();
        fc.pre(clean(subject) !== '' && clean(name) !== '');
        const message = invite({
          text,
          html,
          subject: clean(subject),
          from: `"${clean(name).replace(/["\\]/g, '\\$&')}" <it@acme.example>`,
        });
        const mail = await simpleParser(composeInviteMime(message, DATE));
        const unix = (value: string) => value.replace(/\r\n|\r/g, '\n');
        expect(unix(mail.text ?? '').replace(/\n+$/, '')).toBe(unix(text).replace(/\n+$/, ''));
        expect(unix(typeof mail.html === 'string' ? mail.html : '').replace(/\n+$/, '')).toBe(
          unix(html).replace(/\n+$/, ''),
        );
        expect(mail.subject).toBe(clean(subject));
        expect(shown(mail).from).toEqual([{ name: clean(name), address: 'it@acme.example' }]);
      }),
      { numRuns: 200 },
    );
  });
});
