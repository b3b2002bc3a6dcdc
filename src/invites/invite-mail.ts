import { parseMailAddress } from './mail-address.js';
import type { MailAddress } from './mail-address.js';
import { MailerError } from './mailer-error.js';

/** Who is invited, by whom, and to what. */
export interface InviteMailInput {
  /** The dirsync connection the user belongs to; with `userExternalId` it makes the stable Message-ID. */
  readonly connectionId: string;
  /** The IdP id of the user (the app user's `externalId`). */
  readonly userExternalId: string;
  /** The one recipient: the e-mail the user had when dirsync created them. */
  readonly email: string;
  readonly displayName: string;
  /** Used in the greeting when present; else the display name. */
  readonly givenName?: string;
  /** `INVITE_FROM`: a bare address or `Name <address>`. Its domain ends the Message-ID. */
  readonly from: string;
  /** `APP_NAME`; without it the mail speaks of "the app". */
  readonly appName?: string;
  /** `APP_LOGIN_URL` (http or https); without it the mail says the administrator will tell how to sign in. */
  readonly appLoginUrl?: string;
}

/** One invite e-mail, ready for a `Mailer`: exactly one recipient, a stable Message-ID. */
export interface InviteMessage {
  readonly from: string;
  /** The recipient's bare address. */
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** `<invite.…@domain>`: the same for the same (connection, user), whenever and however often it is built. */
  readonly messageId: string;
  /** Extra headers; `X-Dirsync-Invite` names the connection and user so a mailbox search finds resends. */
  readonly headers: Readonly<Record<string, string>>;
}

export const INVITE_HEADER = 'X-Dirsync-Invite';

/**
 * Builds the invite for one user. Pure: the same input gives the same message, Message-ID included, so an
 * invite re-sent after a crash carries the Message-ID of the first attempt and a receiving system (or a person
 * looking at headers) can recognise it as the same invite.
 *
 * Throws `MailerError('rejected')` when the recipient is not a single address (this invite cannot be sent, the
 * others can), and `MailerError('config')` when `from` or `appLoginUrl` is malformed (no invite can be sent).
 */
export function buildInviteMessage(input: InviteMailInput): InviteMessage {
  const recipient = mailAddress(input.email, 'rejected', `the e-mail of user ${input.userExternalId}`);
  const sender = mailAddress(input.from, 'config', 'INVITE_FROM');
  const appName = singleLine(input.appName ?? '');
  const loginUrl = input.appLoginUrl === undefined ? undefined : httpUrl(input.appLoginUrl);
  const greetingName = singleLine(input.givenName ?? '') || singleLine(input.displayName);

  const subject = appName === '' ? 'You have been invited to the app' : `You're invited to ${appName}`;
  const invitedTo = appName === '' ? 'You have been invited to the app' : `You're invited to ${appName}`;
  const greeting = greetingName === '' ? 'Hello,' : `Hello ${greetingName},`;
  const setUp = 'Your organisation has set up an account for you.';
  const footer = `This invitation was sent to ${recipient.address}. If you were not expecting it, you can ignore this message.`;

  const text = [
    greeting,
    '',
    `${invitedTo}. ${setUp}`,
    '',
    loginUrl === undefined ? 'Your administrator will tell you how to sign in.' : `Sign in here: ${loginUrl}`,
    '',
    footer,
    '',
  ].join('\n');

  const signIn =
    loginUrl === undefined
      ? '<p>Your administrator will tell you how to sign in.</p>'
      : `<p><a href="${escapeHtml(loginUrl)}">${escapeHtml(appName === '' ? 'Sign in' : `Sign in to ${appName}`)}</a><br>` +
        `${escapeHtml(loginUrl)}</p>`;
  const invitedToHtml =
    appName === '' ? 'You have been invited to the app' : `You're invited to <strong>${escapeHtml(appName)}</strong>`;
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body>',
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${invitedToHtml}. ${escapeHtml(setUp)}</p>`,
    signIn,
    `<p style="color:#666666">${escapeHtml(footer)}</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');

  return {
    from: input.from.trim(),
    to: recipient.address,
    subject,
    text,
    html,
    messageId: inviteMessageId(input.connectionId, input.userExternalId, sender.domain),
    headers: {
      [INVITE_HEADER]: `${singleLine(input.connectionId)}/${singleLine(input.userExternalId)}`,
      // RFC 3834: out-of-office responders must not answer an automated message.
      'Auto-Submitted': 'auto-generated',
    },
  };
}

/**
 * `<invite.<base32 connection>.<base32 user>@<domain>>`. Base32 (lower case, no padding) of the UTF-8 ids keeps
 * any id (GUIDs, Okta ids, non-ASCII) inside RFC 5322 `dot-atom-text`, and it is reversible, so the connection
 * and user can be read back from a bounced or duplicated message.
 */
export function inviteMessageId(connectionId: string, userExternalId: string, fromDomain: string): string {
  if (connectionId === '' || userExternalId === '') {
    throw new RangeError('an invite Message-ID needs a non-empty connection id and user id');
  }
  return `<invite.${base32(connectionId)}.${base32(userExternalId)}@${asciiDomain(fromDomain)}>`;
}

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(value: string): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of new TextEncoder().encode(value)) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET.charAt((buffer >> bits) & 31);
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

// An internationalised sender domain becomes its punycode form: msg-id allows only ASCII atext.
function asciiDomain(domain: string): string {
  let ascii = '';
  // URL syntax characters would make the URL parser read only part of the domain.
  if (!/[/?#:[\]\\@%]/.test(domain)) {
    try {
      ascii = new URL(`http://${domain}/`).hostname;
    } catch {
      ascii = '';
    }
  }
  if (!/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(ascii) || ascii.includes('..')) {
    throw new MailerError('config', `INVITE_FROM: the domain "${domain}" cannot end a Message-ID: use a plain domain`);
  }
  return ascii;
}

function mailAddress(value: string, kind: 'rejected' | 'config', what: string): MailAddress {
  try {
    return parseMailAddress(value);
  } catch (error) {
    throw new MailerError(kind, `${what}: ${(error as Error).message}`);
  }
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new MailerError(
      'config',
      `APP_LOGIN_URL "${value}" is not a URL: use the full https://… address of the sign-in page`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new MailerError('config', `APP_LOGIN_URL "${value}" must be an http(s) URL`);
  }
  return url.href;
}

// Names and app names come from the IdP and configuration: a line break in them must not shape the mail.
function singleLine(value: string): string {
  return value.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').trim();
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
