import { MailerError } from './mailer-error.js';

/** What `SMTP_URL` says, split for the SMTP client. */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** `smtps://`: TLS from the first byte (usually port 465). `smtp://` upgrades with STARTTLS when offered. */
  readonly secure: boolean;
  /** Absent when the URL carries no user (an open relay, e.g. a local MTA). */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** `smtp://host:port` without credentials: safe for logs and error messages. */
  readonly display: string;
}

const USAGE = 'expected smtp://user:password@host:port or smtps://user:password@host:port';

/**
 * Parses `SMTP_URL`. Errors never repeat the URL: it carries the password. Query parameters are refused rather
 * than silently ignored, so nobody believes `?tls.rejectUnauthorized=false` or `?pool=false` took effect.
 */
export function parseSmtpUrl(value: string): SmtpSettings {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new MailerError('config', `SMTP_URL is not a URL (${USAGE})`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new MailerError('config', `SMTP_URL must start with smtp:// or smtps://, not ${url.protocol}// (${USAGE})`);
  }
  const secure = url.protocol === 'smtps:';
  // WHATWG URL keeps IPv6 hosts in brackets; sockets want them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new MailerError('config', `SMTP_URL has no host (${USAGE})`);
  // The submission ports (RFC 8314: 465 implicit TLS, RFC 6409: 587), named in messages as the port actually used.
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  const display = `${secure ? 'smtps' : 'smtp'}://${url.hostname}:${port}`;
  if (url.search !== '' || (url.pathname !== '' && url.pathname !== '/')) {
    throw new MailerError('config', `SMTP_URL for ${display} must have no path or query parameters (${USAGE})`);
  }
  if (url.username === '') return { host, port, secure, display };
  let user: string;
  let pass: string;
  try {
    user = decodeURIComponent(url.username);
    pass = decodeURIComponent(url.password);
  } catch {
    throw new MailerError('config', `SMTP_URL for ${display}: the user or password is not valid percent-encoding`);
  }
  return { host, port, secure, auth: { user, pass }, display };
}
