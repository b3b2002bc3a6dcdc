import type { ExitCode } from '../exit-codes.js';

/** An error the CLI prints as one line and exits with; the message says what to do. */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
