import { parseMailAddress } from '../invites/mail-address.js';
import { MailerError } from '../invites/mailer-error.js';
import { SmtpConnection } from '../invites/smtp-connection.js';
import { parseSmtpUrl } from '../invites/smtp-url.js';
import type { SmtpSettings } from '../invites/smtp-url.js';
import { failed, passed } from './check-result.js';
import type { CheckResult } from './check-result.js';

const NAME = 'smtp';

export interface SmtpCheckOptions {
  /** Connect, greeting and socket timeout; default 15 s. */
  readonly timeoutMs?: number;
}

/**
 * Connects to `SMTP_URL` as the invite mailer does (TLS verified, STARTTLS when offered), says EHLO and logs in
 * with the URL's user when it has one, then quits, with the client that sends the invites; no mail is sent. `INVITE_FROM`
 * must be one address; it is named in the detail. The URL is shown without its user info.
 */
export async function checkSmtp(
  mail: { readonly smtpUrl: string; readonly from: string },
  options: SmtpCheckOptions = {},
): Promise<CheckResult> {
  let settings: SmtpSettings;
  try {
    settings = parseSmtpUrl(mail.smtpUrl);
  } catch (error) {
    if (error instanceof MailerError) return failed(NAME, error.message);
    throw error;
  }
  try {
    parseMailAddress(mail.from);
  } catch (error) {
    return failed(NAME, `INVITE_FROM: ${error instanceof Error ? error.message : String(error)}`);
  }
  const timeoutMs = options.timeoutMs ?? 15_000;
  let connection: SmtpConnection;
  try {
    connection = await SmtpConnection.open({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      ...(settings.auth === undefined ? {} : { auth: { ...settings.auth } }),
      connectTimeoutMs: timeoutMs,
      replyTimeoutMs: timeoutMs,
    });
  } catch (error) {
    return failed(NAME, diagnose(error, settings));
  }
  await connection.close();
  const login = settings.auth === undefined ? 'no AUTH (SMTP_URL has no user)' : `AUTH as ${settings.auth.user}`;
  return passed(NAME, `${settings.display} accepted EHLO and ${login}; invites will come from ${mail.from}`);
}

/** What to change, as the invite mailer says it; the password is removed should the server echo it. */
function diagnose(error: unknown, settings: SmtpSettings): string {
  const raw = error instanceof Error ? error : new Error(String(error));
  const code: unknown = Reflect.get(raw, 'code');
  const responseCode: unknown = Reflect.get(raw, 'responseCode');
  let message = raw.message;
  const password = settings.auth?.pass ?? '';
  for (const secret of [password, encodeURIComponent(password)]) {
    if (secret.length >= 3) message = message.split(secret).join('***');
  }
  message = message.replace(/\s+/g, ' ').trim();
  const where = settings.display;
  if (code === 'EAUTH' || responseCode === 535 || responseCode === 534 || responseCode === 530) {
    const action =
      settings.auth === undefined
        ? 'add user:password to SMTP_URL'
        : 'check the user and password in SMTP_URL (percent-encode special characters)';
    return `${where} refused the SMTP login: ${action} (${message})`;
  }
  if (/certificate|self[- ]signed|CERT_|unable to verify/i.test(message)) {
    return `${where}: the server's TLS certificate is not trusted: add its CA to NODE_EXTRA_CA_CERTS (${message})`;
  }
  if (typeof responseCode === 'number') {
    return `${where} refused the session (${message}): check SMTP_URL and the server's settings`;
  }
  return `${where} is not reachable: check the host and port in SMTP_URL and that the server is up (${message})`;
}
