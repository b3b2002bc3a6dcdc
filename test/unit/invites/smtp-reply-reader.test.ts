import { describe, expect, it } from 'vitest';
import { SmtpClientError } from '../../../src/invites/smtp-client-error.js';
import { SmtpReplyReader } from '../../../src/invites/smtp-reply-reader.js';

describe('SmtpReplyReader', () => {
  it('joins a multi-line reply (250-…, 250 …) into one, across chunks', () => {
    const reader = new SmtpReplyReader();
    expect(reader.push(Buffer.from('250-mail.example greets you\r\n250-PIPE'))).toEqual([]);
    expect(reader.push(Buffer.from('LINING\r\n250 AUTH PLAIN LOGIN\r\n354 go'))).toEqual([
      { code: 250, lines: ['mail.example greets you', 'PIPELINING', 'AUTH PLAIN LOGIN'] },
    ]);
    expect(reader.push(Buffer.from(' ahead\r\n'))).toEqual([{ code: 354, lines: ['go ahead'] }]);
  });

  it('returns several replies from one chunk in order (pipelined answers), a bare code and a bare LF too', () => {
    const reader = new SmtpReplyReader();
    expect(reader.push(Buffer.from('250 OK\r\n550 5.1.1 no such user\n354\r\n')).map((reply) => reply.code)).toEqual([
      250, 550, 354,
    ]);
  });

  it('refuses a line that is not a reply', () => {
    expect(() => new SmtpReplyReader().push(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toThrow(SmtpClientError);
  });
});
