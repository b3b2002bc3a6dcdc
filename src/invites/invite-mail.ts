import { InviteTemplateError } from './invite-template-error.js';
import { loadInviteTemplates, type InviteKind, type InviteTemplates } from './invite-templates.js';
import { parseMailAddress } from './mail-address.js';
import type { MailAddress } from './mail-address.js';
import { MailerError } from './mailer-error.js';

/** Who is invited, by whom, to what, and the how-manyth mail this is. */
export interface InviteMailInput {
  /** The dirsync connection the user belongs to; with `userExternalId` it makes the stable Message-ID. */
  readonly connectionId: string;
  /** The IdP id of the user (the app user's `externalId`). */
  readonly userExternalId: string;
  /** The one recipient: the e-mail the user had when dirsync created them. */
  readonly email: string;
  readonly displayName: string;
  /** Used in the greeting when present; else the display name. */
  readonly givenName?: string | undefined;
  /** `INVITE_FROM`: a bare address or `Name <address>`. Its domain ends the Message-ID. */
  readonly from: string;
  /** `APP_NAME`; without it the mail speaks of "the app". */
  readonly appName?: string | undefined;
  /** `APP_LOGIN_URL` (http or https); without it the mail says the administrator will tell how to sign in. */
  readonly appLoginUrl?: string | undefined;
  /** The connection's templates (`INVITE_TEMPLATE_DIR`, see `loadInviteTemplates`); absent: the bundled defaults. */
  readonly templates?: InviteTemplates | undefined;
  /**
   * The administrator's personal note (`invites resend --message`), plain text: escaped in HTML with its line
   * breaks as `<br>`, as it is in text; control characters other than line breaks and tabs are dropped.
   */
  readonly note?: string | undefined;
  /** Default `invite`. */
  readonly kind?: InviteKind | undefined;
  /** 1 for the first mail to this person (the default), 2 for the next, …: part of the Message-ID from 2 on. */
  readonly sendNumber?: number | undefined;
}

/** One invite e-mail, ready for a `Mailer`: exactly one recipient, a stable Message-ID. */
export interface InviteMessage {
  readonly from: string;
  /** The recipient's bare address. */
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** `<invite.…@domain>`: the same for the same (connection, user, send number), whenever and however often built. */
  readonly messageId: string;
  /** Extra headers; `X-Dirsync-Invite` names the connection and user so a mailbox search finds resends. */
  readonly headers: Readonly<Record<string, string>>;
}

export const INVITE_HEADER = 'X-Dirsync-Invite';

/**
 * Builds one invite mail for one user by rendering the templates. The same input gives the same message,
 * Message-ID included, so a mail re-sent after a crash carries the Message-ID of the first attempt and a receiving
 * system (or a person looking at headers) can recognise it as the same mail. Reads no file, except the bundled
 * templates the first time they are needed when `templates` is absent.
 *
 * Throws `MailerError('rejected')` when the recipient is not a single address (this invite cannot be sent, the
 * others can), and `MailerError('config')` when `from` or `appLoginUrl` is malformed or a template fails (no
 * invite can be sent until the configuration is fixed).
 */
export function buildInviteMessage(input: InviteMailInput): InviteMessage {
  const recipient = mailAddress(input.email, 'rejected', `the e-mail of user ${input.userExternalId}`);
  const sender = mailAddress(input.from, 'config', 'INVITE_FROM');
  const loginUrl = input.appLoginUrl === undefined ? undefined : httpUrl(input.appLoginUrl);
  const sendNumber = input.sendNumber ?? 1;
  const messageId = inviteMessageId(input.connectionId, input.userExternalId, sender.domain, sendNumber);
  const givenName = singleLine(input.givenName ?? '');
  const displayName = singleLine(input.displayName);

  let content;
  try {
    content = (input.templates ?? loadInviteTemplates()).render({
      name: givenName || displayName,
      givenName,
      displayName,
      email: recipient.address,
      appName: singleLine(input.appName ?? ''),
      loginUrl,
      note: plainNote(input.note ?? ''),
      kind: input.kind ?? 'invite',
      sendNumber,
    });
  } catch (error) {
    if (!(error instanceof InviteTemplateError)) throw error;
    throw new MailerError('config', `invite template: ${error.message}`, { cause: error });
  }

  const invite = `${singleLine(input.connectionId)}/${singleLine(input.userExternalId)}`;
  return {
    from: input.from.trim(),
    to: recipient.address,
    ...content,
    messageId,
    headers: {
      [INVITE_HEADER]: sendNumber === 1 ? invite : `${invite}#${sendNumber}`,
      // RFC 3834: out-of-office responders must not answer an automated message.
      'Auto-Submitted': 'auto-generated',
    },
  };
}

/**
 * `<invite.<base32 connection>.<base32 user>@<domain>>` for the first mail to a person, and
 * `<invite.<base32 connection>.<base32 user>.<n>@<domain>>` for the n-th (n ≥ 2): the first form is the one
 * invites had before resends existed, so an invite due across an upgrade keeps its id. Base32 (lower case, no
 * padding) of the UTF-8 ids keeps any id (GUIDs, Okta ids, non-ASCII) inside RFC 5322 `dot-atom-text` and never
 * holds a dot, so the two forms cannot meet; it is reversible, so the connection and user can be read back from a
 * bounced or duplicated message.
 */
export function inviteMessageId(
  connectionId: string,
  userExternalId: string,
  fromDomain: string,
  sendNumber = 1,
): string {
  if (connectionId === '' || userExternalId === '') {
    throw new RangeError('an invite Message-ID needs a non-empty connection id and user id');
  }
  if (!Number.isSafeInteger(sendNumber) || sendNumber < 1) {
    throw new RangeError(`an invite's send number is a whole number from 1 (got ${sendNumber})`);
  }
  const ids = `${base32(connectionId)}.${base32(userExternalId)}`;
  return `<invite.${sendNumber === 1 ? ids : `${ids}.${sendNumber}`}@${asciiDomain(fromDomain)}>`;
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

// The note is typed by an administrator (a CLI argument, an API field): line breaks (CR LF, CR, LF, Unicode line
// and paragraph separators, all as LF) and tabs are kept; every other control character (NUL, escape) is dropped.
function plainNote(value: string): string {
  return value
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(/[^\P{Cc}\n\t]/gu, '')
    .trim();
}
