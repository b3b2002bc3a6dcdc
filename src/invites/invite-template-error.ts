/**
 * An invite template that cannot be used: a file is missing or unreadable, its Liquid syntax is wrong, it names
 * a variable or filter that does not exist, or it renders an empty subject or body. The message names the file
 * (and the line and column when the template library knows them), the problem and what to change.
 *
 * Thrown when templates are loaded (at start, so a broken template stops the connection before anyone is
 * invited) and, for what only shows with real values, when a message is rendered.
 */
export class InviteTemplateError extends Error {
  override readonly name = 'InviteTemplateError';

  constructor(
    message: string,
    /** The template file at fault; absent when the problem is the directory itself. */
    readonly file?: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
