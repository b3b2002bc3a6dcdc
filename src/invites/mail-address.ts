/** A mailbox split into its parts: `Acme Invites <invites@acme.example>` → name, address, domain. */
export interface MailAddress {
  /** The display name, without quotes; empty when the mailbox is a bare address. */
  readonly name: string;
  /** The bare address (`local@domain`), as the SMTP envelope needs it. */
  readonly address: string;
  /** The domain part, lower-cased. */
  readonly domain: string;
}

/**
 * Parses one mailbox, either a bare address or `Name <address>` (RFC 5322 `name-addr`). Throws a `RangeError`
 * naming the value when it is not a single address with a domain: callers pass configuration (`INVITE_FROM`)
 * or directory e-mails, and a message to nowhere is better refused than sent.
 */
export function parseMailAddress(value: string): MailAddress {
  const trimmed = value.trim();
  const angle = /^(.*)<([^<>]*)>$/s.exec(trimmed);
  const name = angle === null ? '' : unquote((angle[1] ?? '').trim());
  const address = angle === null ? trimmed : (angle[2] ?? '').trim();
  const at = address.indexOf('@');
  const domain = address.slice(at + 1).toLowerCase();
  // Commas, semicolons and whitespace would turn one recipient into several (or into a header injection).
  if (at <= 0 || domain === '' || domain.includes('@') || /[\s,;<>"]/.test(address)) {
    throw new RangeError(`"${value}" is not a single e-mail address (expected name@domain or Name <name@domain>)`);
  }
  return { name, address, domain };
}

function unquote(name: string): string {
  return name.length >= 2 && name.startsWith('"') && name.endsWith('"')
    ? name.slice(1, -1).replace(/\\(.)/g, '$1')
    : name;
}
