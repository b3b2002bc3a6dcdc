/** A message ready for the DATA section. */
export interface SmtpData {
  /** Dot-stuffed, CRLF line ends, terminated by CRLF `.` CRLF. */
  readonly bytes: Buffer;
  /** Whether any byte is outside 7-bit ASCII (then `BODY=8BITMIME` is due where the server offers it). */
  readonly eightBit: boolean;
}

/**
 * A composed message as the DATA section carries it (RFC 5321 §4.5.2, §2.3.8): every bare LF becomes CRLF, a line
 * that starts with `.` gets a second one (the server takes it off again), and it ends with CRLF `.` CRLF.
 */
export function toSmtpData(raw: Buffer): SmtpData {
  // latin1 maps each byte to one code unit and back: the bytes (UTF-8 or 8-bit parts) come out unchanged.
  let text = raw.toString('latin1').replace(/\r?\n/g, '\r\n');
  text = text.replace(/(^|\r\n)\./g, '$1..');
  if (!text.endsWith('\r\n')) text += '\r\n';
  return { bytes: Buffer.from(`${text}.\r\n`, 'latin1'), eightBit: /[\x80-\xff]/.test(text) };
}
