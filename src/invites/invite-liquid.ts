import { createRequire } from 'node:module';
import type * as LiquidModule from 'liquidjs';
import type { Liquid } from 'liquidjs';
import { InviteTemplateError } from './invite-template-error.js';

// Limits against a template that loops or grows without end: an invite is a few kilobytes and renders in
// microseconds, so these only ever stop a mistake.
const MAX_TEMPLATE_CHARS = 1_000_000;
const RENDER_LIMIT_MS = 1_000;
const MEMORY_LIMIT = 10_000_000;

const FIX =
  'fix the template (Liquid syntax: https://liquidjs.com/tutorials/intro-to-liquid.html; variables: README "Invite templates")';

let liquidModule: typeof LiquidModule | undefined;

// The template library is loaded when templates are, not at import: every CLI command imports the configuration,
// and most never render a mail (the library's import alone is ~50 ms of a ~300 ms start).
function liquid(): typeof LiquidModule {
  liquidModule ??= createRequire(import.meta.url)('liquidjs') as typeof LiquidModule;
  return liquidModule;
}

/**
 * A Liquid engine for invite templates, one per kind of output. Strict: an unknown variable or filter is an
 * error, not an empty string. Closed: no template reads a file or reaches past the values' own properties.
 * Bounded: a template that loops or grows without end stops. `html`: every `{{ value }}` is HTML-escaped with
 * its line breaks as `<br>`, and `raw` is gone, so no value reaches the HTML unescaped.
 */
export function createInviteLiquid(kind: 'plain' | 'html'): Liquid {
  const engine = new (liquid().Liquid)({
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    // A template never reads another file: the tags that would are refused below, and this empty in-memory map
    // keeps the library off the file system whatever a template asks for.
    templates: {},
    parseLimit: MAX_TEMPLATE_CHARS,
    renderLimit: RENDER_LIMIT_MS,
    memoryLimit: MEMORY_LIMIT,
    ...(kind === 'html' ? { outputEscape: htmlText } : {}),
  });
  for (const tag of ['include', 'render', 'layout']) {
    engine.registerTag(tag, {
      parse() {
        throw new Error(
          `{% ${tag} %} is not available in invite templates: each of subject, text and html is one self-contained file`,
        );
      },
      render() {
        return undefined;
      },
    });
  }
  if (kind === 'html') {
    // Every value is plain text from the IdP, the configuration or an administrator: it is always escaped.
    engine.unregisterFilter('raw');
    // Escaping filters written out of habit must not escape a value twice (`&amp;amp;`): they escape once and
    // end the output, as the automatic escape would.
    for (const name of ['escape', 'escape_once', 'xml_escape', 'newline_to_br']) {
      engine.registerFilter(name, { handler: htmlText, raw: true });
    }
  }
  return engine;
}

/** A value as HTML text: escaped (attribute-safe too), its line breaks as `<br>`. */
function htmlText(value: unknown): string {
  return textOf(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/\n/g, '<br>\n');
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(textOf).join('');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // Only a template's own objects (a `forloop`, a hash) get here; as JSON they stay readable and escaped.
  return JSON.stringify(value) ?? '';
}

/** A Liquid parse or render error as the operator needs it: the file, line and column, the line itself, the fix. */
export function templateProblem(
  error: unknown,
  part: { readonly file: string; readonly source: string },
): InviteTemplateError {
  if (!(error instanceof liquid().LiquidError)) {
    return new InviteTemplateError(`${part.file}: ${String(error)}: ${FIX}`, part.file, { cause: error });
  }
  const [line, column] = error.token.getPosition();
  // The library appends the file and position to its message; they are said once, in front.
  const problem = error.originalError?.message ?? error.message.replace(/, (?:file:|line:\d).*$/s, '');
  const lineText = line === undefined ? '' : (part.source.split('\n')[line - 1]?.trim() ?? '');
  const where = line === undefined ? '' : ` line ${line}, column ${column ?? 1}`;
  const excerpt = lineText === '' ? '' : ` in "${lineText.length > 80 ? `${lineText.slice(0, 77)}...` : lineText}"`;
  return new InviteTemplateError(`${part.file}${where}: ${problem}${excerpt}: ${FIX}`, part.file, { cause: error });
}
