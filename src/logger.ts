import { destination, pino, type Logger } from 'pino';

/** The slice of pino the application uses; tests pass a capturing implementation. */
export type Log = Pick<Logger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;

// Belt and braces: secrets are never passed to a log call, and these paths are redacted should one slip in.
const REDACT = [
  'token',
  'password',
  'secret',
  'authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  '*.headers.authorization',
  'smtpUrl',
  '*.smtpUrl',
  'APP_SCIM_TOKEN',
  'OKTA_CLIENT_TOKEN',
  'AZURE_CLIENT_SECRET',
  'SMTP_URL',
  'OKTA_CLIENT_PRIVATEKEY',
];

/** pino JSON to stderr (stdout is the CLI's output: the summary, the plan, the status). */
export function createLogger(level: string): Logger {
  // Synchronous writes: a CLI run that exits right after its last line must not lose it.
  return pino(
    { level, base: { service: 'dirsync' }, redact: { paths: REDACT, censor: '[redacted]' } },
    destination({ dest: 2, sync: true }),
  );
}
