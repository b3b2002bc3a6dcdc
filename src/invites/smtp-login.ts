import { SmtpClientError } from './smtp-client-error.js';
import { replyText } from './smtp-reply-reader.js';
import type { SmtpReply } from './smtp-reply-reader.js';

/**
 * Logs in with AUTH PLAIN (RFC 4616) when the server offers it, else AUTH LOGIN; `offered` is the AUTH line of the
 * EHLO reply (undefined: no AUTH). Throws `SmtpClientError('EAUTH')`, with the reply code when there was one; its
 * message never holds the credentials, not even base64-encoded.
 */
export async function smtpLogin(
  auth: { readonly user: string; readonly pass: string },
  offered: string | undefined,
  command: (line: string) => Promise<SmtpReply>,
): Promise<void> {
  const methods = (offered ?? '').toUpperCase().split(' ');
  const secrets: string[] = [];
  const secret = (text: string): string => {
    const encoded = Buffer.from(text, 'utf8').toString('base64');
    secrets.push(encoded);
    return encoded;
  };
  // A server may echo what it was sent: the base64 forms of the password stay out of every message.
  const refused = (step: string, reply: SmtpReply): SmtpClientError => {
    let text = replyText(reply);
    for (const encoded of secrets) text = text.split(encoded).join('***');
    return new SmtpClientError('EAUTH', `${step}: ${text}`, reply.code);
  };
  if (methods.includes('PLAIN')) {
    const reply = await command(`AUTH PLAIN ${secret(`\0${auth.user}\0${auth.pass}`)}`);
    if (reply.code !== 235) throw refused('AUTH PLAIN', reply);
    return;
  }
  if (methods.includes('LOGIN')) {
    const start = await command('AUTH LOGIN');
    if (start.code !== 334) throw refused('AUTH LOGIN', start);
    const user = await command(secret(auth.user));
    if (user.code !== 334) throw refused('AUTH LOGIN (user)', user);
    const pass = await command(secret(auth.pass));
    if (pass.code !== 235) throw refused('AUTH LOGIN (password)', pass);
    return;
  }
  const what = offered === undefined ? 'it offers no AUTH' : `it offers AUTH ${methods.join(' ')}`;
  throw new SmtpClientError('EAUTH', `the server takes no AUTH PLAIN or LOGIN (${what})`);
}
