import { SmtpClientError } from './smtp-client-error.js';

/** One SMTP reply: its code and the text of each line, without the code and separator. */
export interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
}

/** A reply line longer than this (RFC 5321 §4.5.3.1.5 says 512 octets) is taken for a broken server. */
const MAX_PENDING_BYTES = 64 * 1024;

const REPLY_LINE = /^(\d{3})(?:([ -])(.*))?$/s;

/**
 * Cuts the bytes a server sends into replies (RFC 5321 §4.2): lines end with CRLF (a bare LF is tolerated), a
 * multi-line reply is `250-first`, `250-…`, `250 last`. Feed it chunks as they arrive; it returns the replies they
 * completed, in order, and keeps the rest for the next chunk.
 */
export class SmtpReplyReader {
  #pending = '';
  #lines: string[] = [];

  /** Throws `SmtpClientError('EPROTOCOL')` on a line that is not a reply line. */
  push(chunk: Buffer): SmtpReply[] {
    // Reply text is ASCII (or UTF-8 with SMTPUTF8): latin1 would garble it, utf8 keeps it readable.
    this.#pending += chunk.toString('utf8');
    const replies: SmtpReply[] = [];
    let newline = this.#pending.indexOf('\n');
    while (newline !== -1) {
      const line = this.#pending.slice(0, newline).replace(/\r$/, '');
      this.#pending = this.#pending.slice(newline + 1);
      const match = REPLY_LINE.exec(line);
      if (match === null) {
        throw new SmtpClientError('EPROTOCOL', `the server sent a line that is not an SMTP reply: ${printable(line)}`);
      }
      this.#lines.push(match[3] ?? '');
      if (match[2] !== '-') {
        replies.push({ code: Number(match[1]), lines: this.#lines });
        this.#lines = [];
      }
      newline = this.#pending.indexOf('\n');
    }
    if (this.#pending.length > MAX_PENDING_BYTES) {
      throw new SmtpClientError('EPROTOCOL', `the server sent a reply line longer than ${MAX_PENDING_BYTES} bytes`);
    }
    return replies;
  }
}

/** A reply as one line for messages: `550 5.1.1 No such user`. */
export function replyText(reply: SmtpReply): string {
  return `${reply.code} ${reply.lines.map(printable).join(' ')}`.trim();
}

function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[\x00-\x1f\x7f]/g, ' ');
  return cleaned.length > 200 ? `${cleaned.slice(0, 200)}…` : cleaned;
}
