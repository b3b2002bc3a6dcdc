import { describe, expect, it } from 'vitest';
import { toSmtpData } from '../../../src/invites/smtp-data.js';

describe('toSmtpData', () => {
  it('doubles a leading dot on every line, turns bare LFs into CRLF and ends with CRLF.CRLF', () => {
    const data = toSmtpData(Buffer.from('.first\n..second\r\nmiddle . dot\n.'));
    expect(data.bytes.toString('latin1')).toBe('..first\r\n...second\r\nmiddle . dot\r\n..\r\n.\r\n');
    expect(data.eightBit).toBe(false);
  });

  it('keeps 8-bit bytes as they are and says so', () => {
    const data = toSmtpData(Buffer.from('Zoë\r\n', 'utf8'));
    expect(data.bytes.equals(Buffer.from('Zoë\r\n.\r\n', 'utf8'))).toBe(true);
    expect(data.eightBit).toBe(true);
  });
});
