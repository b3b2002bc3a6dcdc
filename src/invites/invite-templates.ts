import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Liquid, Template } from 'liquidjs';
import { createInviteLiquid, templateProblem } from './invite-liquid.js';
import { InviteTemplateError } from './invite-template-error.js';

/** Why the mail is sent: the first invite, a resend an administrator asked for, or a reminder of a pending one. */
export type InviteKind = 'invite' | 'resend' | 'reminder';

/** The files of a template directory, one per part of the mail (`INVITE_TEMPLATE_DIR`, README "Invite templates"). */
export const INVITE_TEMPLATE_FILES = {
  subject: 'subject.liquid',
  text: 'text.liquid',
  html: 'html.liquid',
} as const;

/**
 * What a mail is rendered with: plain text, already made safe for a mail (names and the app name on one line, the
 * note without control characters). `undefined` (or empty) is nil in a template, so `{% if app_name %}` tests it.
 */
export interface InviteTemplateValues {
  /** The name to greet: the given name, else the display name. */
  readonly name: string | undefined;
  readonly givenName: string | undefined;
  readonly displayName: string | undefined;
  /** The recipient's bare address. */
  readonly email: string;
  readonly appName: string | undefined;
  readonly loginUrl: string | undefined;
  /** The administrator's personal note; line breaks kept (they become `<br>` in HTML). */
  readonly note: string | undefined;
  readonly kind: InviteKind;
  /** 1 for the first mail to this person, 2 for the next one, … */
  readonly sendNumber: number;
}

export interface RenderedInvite {
  /** One line, never empty. */
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A directory of invite templates, parsed and checked: rendering a mail reads no file. */
export interface InviteTemplates {
  /** The directory the templates were read from, for logs and messages. */
  readonly directory: string;
  /** Throws `InviteTemplateError` naming the file and line when a template fails with these values. */
  render(values: InviteTemplateValues): RenderedInvite;
}

// The names templates use, Liquid style (snake_case, as in Shopify and Jekyll templates operators may know).
const VARIABLES = [
  'name',
  'given_name',
  'display_name',
  'email',
  'app_name',
  'login_url',
  'note',
  'kind',
  'send_number',
] as const;
/** The text and HTML templates also see the rendered subject (for an HTML `<title>`). */
const BODY_VARIABLES = [...VARIABLES, 'subject'] as const;
type Scope = Record<(typeof BODY_VARIABLES)[number], string | number | null>;
type Part = keyof typeof INVITE_TEMPLATE_FILES;

// The bundled English templates stay at `templates/invite/` of the package root; they are not copied into `dist`.
// From the TS source (`src/invites/`) the root is two levels up; from `dist/src/invites/` three.
const BUNDLED_BESIDE_SOURCE = new URL('../../templates/invite/', import.meta.url);
const BUNDLED_FROM_DIST = new URL('../../../templates/invite/', import.meta.url);

/** The directory of the bundled default templates, whether this module runs from the TS source or from `dist`. */
export function bundledInviteTemplateDirectory(): string {
  const fromDist = existsSync(BUNDLED_FROM_DIST) && !existsSync(BUNDLED_BESIDE_SOURCE);
  return fileURLToPath(fromDist ? BUNDLED_FROM_DIST : BUNDLED_BESIDE_SOURCE);
}

let bundled: InviteTemplates | undefined;

/**
 * Reads, parses and checks the templates of `directory` (`INVITE_TEMPLATE_DIR`); unset or empty: the bundled
 * defaults, read once per process. Each template is rendered with sample values for every kind, with and without
 * the optional values, so a syntax error, an unknown variable or filter, or an empty subject fails here, at start,
 * and not at the first send. Throws `InviteTemplateError` naming the file, the problem and what to do.
 */
export function loadInviteTemplates(directory?: string): InviteTemplates {
  if (directory === undefined || directory.trim() === '') {
    try {
      bundled ??= readTemplates(bundledInviteTemplateDirectory());
    } catch (error) {
      if (!(error instanceof InviteTemplateError)) throw error;
      throw new InviteTemplateError(
        `the bundled invite templates are broken or missing in this installation (${error.message}): reinstall dirsync (the image or package ships templates/invite/), or set INVITE_TEMPLATE_DIR`,
        error.file,
        { cause: error },
      );
    }
    return bundled;
  }
  return readTemplates(resolve(directory.trim()));
}

function readTemplates(directory: string): InviteTemplates {
  const startFrom = `a directory holding ${Object.values(INVITE_TEMPLATE_FILES).join(', ')} (start from a copy of ${bundledInviteTemplateDirectory()})`;
  let isDirectory: boolean;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch (error) {
    throw new InviteTemplateError(`${directory} cannot be read (${codeOf(error)}): use ${startFrom}`, undefined, {
      cause: error,
    });
  }
  if (!isDirectory) throw new InviteTemplateError(`${directory} is not a directory: use ${startFrom}`);
  const missing = Object.values(INVITE_TEMPLATE_FILES).filter((name) => !existsSync(join(directory, name)));
  if (missing.length > 0) {
    throw new InviteTemplateError(
      `${directory} has no ${missing.join(', ')}: add ${missing.length === 1 ? 'it' : 'them'}; the directory holds ${Object.values(INVITE_TEMPLATE_FILES).join(', ')} (start from a copy of ${bundledInviteTemplateDirectory()})`,
      join(directory, missing[0] ?? ''),
    );
  }
  const plain = createInviteLiquid('plain');
  const html = createInviteLiquid('html');
  const templates = new LiquidInviteTemplates(directory, {
    subject: parsePart(directory, 'subject', plain),
    text: parsePart(directory, 'text', plain),
    html: parsePart(directory, 'html', html),
  });
  templates.renderSamples();
  return templates;
}

interface ParsedPart {
  readonly file: string;
  readonly source: string;
  readonly engine: Liquid;
  readonly template: Template[];
}

class LiquidInviteTemplates implements InviteTemplates {
  constructor(
    readonly directory: string,
    private readonly parts: Readonly<Record<Part, ParsedPart>>,
  ) {}

  render(values: InviteTemplateValues): RenderedInvite {
    const scope = scopeOf(values);
    const subject = oneLine(renderPart(this.parts.subject, scope));
    const text = renderPart(this.parts.text, { ...scope, subject });
    const html = renderPart(this.parts.html, { ...scope, subject });
    for (const [part, rendered] of [
      ['subject', subject],
      ['text', text],
      ['html', html],
    ] as const) {
      if (rendered.trim() === '') {
        const file = this.parts[part].file;
        throw new InviteTemplateError(
          `${file} renders nothing for ${describeValues(values)}: write the ${part === 'subject' ? 'subject line' : `${part} body`} for every case`,
          file,
        );
      }
    }
    return { subject, text, html };
  }

  /** Renders every kind with all optional values and with none: what fails here would fail a real invite. */
  renderSamples(): void {
    for (const kind of ['invite', 'resend', 'reminder'] as const) {
      const sendNumber = kind === 'invite' ? 1 : kind === 'resend' ? 2 : 3;
      this.render({ ...SAMPLE_WITH_ALL, kind, sendNumber });
      this.render({ ...SAMPLE_WITH_NONE, kind, sendNumber });
    }
  }
}

const SAMPLE_WITH_ALL = {
  name: 'Zoë',
  givenName: 'Zoë',
  displayName: "Zoë O'Brien",
  email: 'zoe.obrien@example.com',
  appName: 'Example App',
  loginUrl: 'https://app.example.com/login',
  note: 'Welcome aboard!\nWe start on Monday.',
} as const;
const SAMPLE_WITH_NONE = {
  name: undefined,
  givenName: undefined,
  displayName: undefined,
  email: 'someone@example.com',
  appName: undefined,
  loginUrl: undefined,
  note: undefined,
} as const;

function describeValues(values: InviteTemplateValues): string {
  const absent = [
    values.name === undefined || values.name === '' ? 'name' : undefined,
    values.appName === undefined || values.appName === '' ? 'app_name' : undefined,
    values.loginUrl === undefined || values.loginUrl === '' ? 'login_url' : undefined,
    values.note === undefined || values.note === '' ? 'note' : undefined,
  ].filter((name) => name !== undefined);
  return `kind ${values.kind}${absent.length === 0 ? '' : ` without ${absent.join(', ')}`}`;
}

function scopeOf(values: InviteTemplateValues): Omit<Scope, 'subject'> {
  const nil = (value: string | undefined) => (value === undefined || value === '' ? null : value);
  return {
    name: nil(values.name),
    given_name: nil(values.givenName),
    display_name: nil(values.displayName),
    email: values.email,
    app_name: nil(values.appName),
    login_url: nil(values.loginUrl),
    note: nil(values.note),
    kind: values.kind,
    send_number: values.sendNumber,
  };
}

function parsePart(directory: string, part: Part, engine: Liquid): ParsedPart {
  const file = join(directory, INVITE_TEMPLATE_FILES[part]);
  let source: string;
  try {
    // Editors on Windows add a byte-order mark and CRLF line ends: neither belongs in the mail.
    source = readFileSync(file, 'utf8')
      .replace(/^\uFEFF/, '')
      .replace(/\r\n?/g, '\n');
  } catch (error) {
    throw new InviteTemplateError(`${file} cannot be read (${codeOf(error)}): make it a readable file`, file, {
      cause: error,
    });
  }
  let template: Template[];
  try {
    template = engine.parse(source, file);
  } catch (error) {
    throw templateProblem(error, { file, source });
  }
  // Strict variables only catch a misspelt name on a branch that runs; the static analysis sees every branch.
  const known: readonly string[] = part === 'subject' ? VARIABLES : BODY_VARIABLES;
  for (const [variable, uses] of Object.entries(engine.analyzeSync(template, { partials: false }).globals)) {
    if (known.includes(variable)) continue;
    const at = uses[0]?.location;
    throw new InviteTemplateError(
      `${file}${at === undefined ? '' : ` line ${at.row}, column ${at.col}`}: unknown variable "${variable}" (the variables are ${known.join(', ')}): correct the name`,
      file,
    );
  }
  return { file, source, engine, template };
}

function renderPart(part: ParsedPart, scope: object): string {
  try {
    return String(part.engine.renderSync(part.template, scope));
  } catch (error) {
    throw templateProblem(error, part);
  }
}

/** A subject is one header line: line breaks (and the indentation around them) fold into one space. */
function oneLine(subject: string): string {
  return subject
    .replace(/[\s\p{Cc}]*[\r\n\u2028\u2029][\s\p{Cc}]*/gu, ' ')
    .replace(/\p{Cc}/gu, ' ')
    .trim();
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : String(error);
}
