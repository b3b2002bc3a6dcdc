import { randomUUID } from 'node:crypto';
import { domainToASCII } from 'node:url';
import mimeFuncs from 'nodemailer/lib/mime-funcs/index.js';
import qp from 'nodemailer/lib/qp/index.js';
import type { InviteMessage } from './invite-mail.js';
import { parseMailAddress, type MailAddress } from './mail-address.js';

/**
 * The invite as RFC 5322 / MIME text, ready for SMTP `DATA` (before dot-stuffing): a `multipart/alternative` of
 * the text and the HTML, both UTF-8 in quoted-printable, header words encoded per RFC 2047 when they are not
 * plain ASCII. The same shape nodemailer's MailComposer gives an invite, composed in one synchronous pass with
 * nodemailer's own encoders: MailComposer's streams cost ~0.4 ms of CPU per invite, and at 100 000 invites the
 * CLI's CPU per invite is what bounds the first sync.
 *
 * `date` is the Date header (now by default); the boundary is random, as any MIME boundary may be.
 */
export function composeInviteMime(message: InviteMessage, date: Date = new Date()): Buffer {
  const boundary = `--_dirsync-${randomUUID()}`;
  const headers = [
    ...Object.entries(message.headers).map(([name, value]) => header(name, encodeText(value))),
    header('From', mailbox(parseMailAddress(message.from))),
    header('To', mailbox(parseMailAddress(message.to))),
    header('Subject', encodeText(message.subject)),
    header('Message-ID', oneLine(message.messageId)),
    header('Date', date.toUTCString().replace(/GMT/, '+0000')),
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
  ];
  const text = [
    headers.join('\r\n'),
    '',
    `--${boundary}`,
    ...part('text/plain', message.text),
    `--${boundary}`,
    ...part('text/html', message.html),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return Buffer.from(text, 'utf8');
}

function part(type: string, content: string): string[] {
  const crlf = content.replace(/\r\n|\r|\n/g, '\r\n');
  return [
    `Content-Type: ${type}; charset=utf-8`,
    'Content-Transfer-Encoding: quoted-printable',
    '',
    qp.wrap(qp.encode(crlf), 76),
  ];
}

/** `Name: value`, folded at 76 characters (RFC 5322 §2.2.3). */
function header(name: string, value: string): string {
  return mimeFuncs.foldLines(`${name}: ${value}`, 76);
}

function oneLine(value: string): string {
  return value.replace(/\r\n|\r|\n/g, ' ');
}

/**
 * Unstructured header text: as is when it is printable ASCII without quotes, else one encoded word (RFC 2047) for
 * the whole value: some clients drop the spaces around a partly encoded value.
 */
function encodeText(value: string): string {
  const line = oneLine(value);
  return /["\u0080-\uFFFF]/.test(line) || hasControl(line) ? encodedWords(line) : line;
}

/**
 * The value as RFC 2047 encoded words of at most ~64 characters each (the limit is 75), split between code points.
 * Not nodemailer's `encodeWord(value, enc, maxLength)`: it splits a B word inside a UTF-8 sequence, and an emoji
 * in a long subject arrived as two replacement characters.
 */
function encodedWords(value: string): string {
  const encoding = wordEncoding(value);
  const words: string[] = [];
  let chunk = '';
  let size = 0;
  for (const char of value) {
    const bytes = Buffer.byteLength(char, 'utf8');
    // B: 39 bytes make 52 base64 characters. Q: at most 3 characters per byte, 1 for those sent as they are.
    const cost = encoding === 'B' ? bytes : /[A-Za-z0-9!*+\-/ ]/.test(char) ? 1 : 3 * bytes;
    if (size + cost > (encoding === 'B' ? 39 : 52) && chunk !== '') {
      words.push(mimeFuncs.encodeWord(chunk, encoding));
      chunk = '';
      size = 0;
    }
    chunk += char;
    size += cost;
  }
  words.push(mimeFuncs.encodeWord(chunk, encoding));
  // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2): the words join back as one.
  return words.join(' ');
}

/** `Name <local@domain>` with the name quoted or encoded as needed and the domain in its ASCII (punycode) form. */
function mailbox(parsed: MailAddress): string {
  const at = parsed.address.lastIndexOf('@');
  const ascii = domainToASCII(parsed.address.slice(at + 1).toLowerCase());
  const address = ascii === '' ? parsed.address : `${parsed.address.slice(0, at)}@${ascii}`;
  if (parsed.name === '') return address;
  const name = oneLine(parsed.name);
  if (/^[\w ]*$/.test(name)) return `${name} <${address}>`;
  if (/^[\x20-\x7e]*$/.test(name)) return `"${name.replace(/([\\"])/g, '\\$1')}" <${address}>`;
  return `${encodedWords(name)} <${address}>`;
}

// Tabs may stay; other control characters are not allowed raw in a header.
function hasControl(value: string): boolean {
  return /[^\P{Cc}\t]/u.test(value);
}

/** Q when Latin letters outnumber the rest (mostly readable as it is), else B: as nodemailer chooses. */
function wordEncoding(value: string): 'Q' | 'B' {
  const other = value.match(/[^\P{Cc}\t\n\r]|[^\0-\x7f]/gu)?.length ?? 0;
  const latin = value.match(/[a-z]/gi)?.length ?? 0;
  return other < latin ? 'Q' : 'B';
}
