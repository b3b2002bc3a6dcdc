import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InviteTemplateError } from '../../../src/invites/invite-template-error.js';
import {
  bundledInviteTemplateDirectory,
  INVITE_TEMPLATE_FILES,
  loadInviteTemplates,
} from '../../../src/invites/invite-templates.js';
import type { InviteTemplateValues } from '../../../src/invites/invite-templates.js';

const root = mkdtempSync(join(tmpdir(), 'dirsync-invite-templates-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const VALID = {
  subject: 'Welcome to {{ app_name | default: "the app" }}',
  text: 'Hi {{ name | default: "there" }}\n',
  html: '<p>Hi {{ name | default: "there" }}</p>\n',
};

let dirs = 0;
/** A template directory holding the valid templates with `files` over them (`null`: the file is absent). */
function templateDir(files: Partial<Record<keyof typeof VALID, string | null>> = {}): string {
  const dir = join(root, `templates-${++dirs}`);
  mkdirSync(dir);
  for (const part of ['subject', 'text', 'html'] as const) {
    const content = part in files ? files[part] : VALID[part];
    if (typeof content === 'string') writeFileSync(join(dir, INVITE_TEMPLATE_FILES[part]), content);
  }
  return dir;
}

function loadError(dir: string): InviteTemplateError {
  try {
    loadInviteTemplates(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(InviteTemplateError);
    return error as InviteTemplateError;
  }
  throw new Error('expected an InviteTemplateError');
}

const values: InviteTemplateValues = {
  name: 'Zoë',
  givenName: 'Zoë',
  displayName: "Zoë O'Brien",
  email: 'zoe@acme.example',
  appName: 'Dashworks',
  loginUrl: 'https://dash.example.com/login',
  note: undefined,
  kind: 'invite',
  sendNumber: 1,
};

describe('loadInviteTemplates: the bundled defaults', () => {
  it('are the three files at templates/invite/ of the repository, read once per process', () => {
    const dir = bundledInviteTemplateDirectory();
    expect(dir.replace(/\\/g, '/')).toMatch(/\/templates\/invite\/$/);
    for (const file of Object.values(INVITE_TEMPLATE_FILES)) expect(existsSync(join(dir, file))).toBe(true);
    expect(loadInviteTemplates()).toBe(loadInviteTemplates(undefined));
    expect(loadInviteTemplates('  ')).toBe(loadInviteTemplates());
  });

  it('word a resend and a reminder apart from the first invite, with and without an app name', () => {
    const templates = loadInviteTemplates();
    const subjects = (['invite', 'resend', 'reminder'] as const).map(
      (kind) => templates.render({ ...values, kind, sendNumber: kind === 'invite' ? 1 : 2 }).subject,
    );
    expect(subjects).toEqual([
      "You're invited to Dashworks",
      'Your invitation to Dashworks',
      "Reminder: you're invited to Dashworks",
    ]);
    const reminder = templates.render({ ...values, appName: undefined, kind: 'reminder', sendNumber: 3 });
    expect(reminder.subject).toBe('Reminder: you have been invited to the app');
    expect(reminder.text).toContain("A reminder: you're invited to the app.");
    const resend = templates.render({ ...values, kind: 'resend', sendNumber: 2 });
    expect(resend.text).toContain('Here is your invitation to Dashworks again.');
    expect(resend.html).toContain('Here is your invitation to <strong>Dashworks</strong> again.');
  });

  it("add the administrator's note only when there is one", () => {
    const templates = loadInviteTemplates();
    const plain = templates.render(values);
    expect(plain.text).not.toContain('A message from your administrator');
    expect(plain.html).not.toContain('<blockquote>');
    const noted = templates.render({ ...values, note: 'Welcome!\nSee you Monday.' });
    expect(noted.text).toContain('A message from your administrator:\n\nWelcome!\nSee you Monday.\n');
    expect(noted.html).toContain('<blockquote>Welcome!<br>\nSee you Monday.</blockquote>');
  });
});

describe('loadInviteTemplates: a template directory', () => {
  it('renders subject, text and HTML from the files, with every variable and the rendered subject', () => {
    const dir = templateDir({
      subject: '{% if kind == "reminder" %}Rappel : {% endif %}Invitation à {{ app_name }}',
      text: [
        'Bonjour {{ name }} ({{ given_name }} / {{ display_name }}),',
        '{{ subject }}',
        '{{ kind }} n° {{ send_number }} pour {{ email }}',
        '{{ login_url }}',
        '{{ note }}',
        '',
      ].join('\n'),
      html: '<html lang="fr"><title>{{ subject }}</title><p>Bonjour {{ name }}</p><p>{{ note }}</p></html>',
    });
    const rendered = loadInviteTemplates(dir).render({ ...values, note: 'À lundi', kind: 'reminder', sendNumber: 3 });
    expect(rendered.subject).toBe('Rappel : Invitation à Dashworks');
    expect(rendered.text).toBe(
      [
        "Bonjour Zoë (Zoë / Zoë O'Brien),",
        'Rappel : Invitation à Dashworks',
        'reminder n° 3 pour zoe@acme.example',
        'https://dash.example.com/login',
        'À lundi',
        '',
      ].join('\n'),
    );
    expect(rendered.html).toBe(
      '<html lang="fr"><title>Rappel : Invitation à Dashworks</title><p>Bonjour Zoë</p><p>À lundi</p></html>',
    );
    expect(loadInviteTemplates(dir).directory).toBe(dir);
  });

  it('gives absent values as nil, so `if` and `default` test them', () => {
    const dir = templateDir({
      text: '{% if note %}note{% else %}no note{% endif %} {{ app_name | default: "the app" }} [{{ login_url }}]\n',
    });
    const rendered = loadInviteTemplates(dir).render({ ...values, appName: undefined, loginUrl: '', note: undefined });
    expect(rendered.text).toBe('no note the app []\n');
  });

  it("escapes every value in HTML, the note's line breaks as <br>, and keeps them as they are in text", () => {
    const dir = templateDir({
      text: '{{ note }}|{{ name }}\n',
      html: '<p title="{{ note }}">{{ note }}</p><p>{{ name | escape }}</p><p>{{ app_name | newline_to_br }}</p>',
    });
    const note = `<script>alert("x")</script> R&D's\nline 2`;
    const rendered = loadInviteTemplates(dir).render({ ...values, note, name: 'A & B', appName: '<b>' });
    const escapedNote = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; R&amp;D&#39;s<br>\nline 2';
    expect(rendered.html).toBe(`<p title="${escapedNote}">${escapedNote}</p><p>A &amp; B</p><p>&lt;b&gt;</p>`);
    expect(rendered.html).not.toContain('<script>');
    expect(rendered.text).toBe(`${note}|A & B\n`);
  });

  it('folds a subject written over several lines into one, and a value with a line break too', () => {
    const dir = templateDir({ subject: 'Welcome\n   to {{ app_name }}\r\n{{ note }}\n' });
    expect(loadInviteTemplates(dir).render({ ...values, note: 'first\nsecond\tthird' }).subject).toBe(
      'Welcome to Dashworks first second third',
    );
  });

  it('reads files saved with a byte-order mark and CRLF line ends as plain LF text', () => {
    const dir = templateDir({ text: '\uFEFFHello {{ name }},\r\n\r\nBye\r\n' });
    expect(loadInviteTemplates(dir).render(values).text).toBe('Hello Zoë,\n\nBye\n');
  });

  it('resolves a relative directory against the working directory', () => {
    const dir = templateDir();
    expect(loadInviteTemplates(relative(process.cwd(), dir)).directory).toBe(dir);
  });
});

describe('loadInviteTemplates: what it refuses, at load, naming the file and what to do', () => {
  it('a directory that does not exist, or a file', () => {
    const missing = join(root, 'no-such-dir');
    expect(loadError(missing).message).toMatch(
      new RegExp(
        `^${missing}.* cannot be read \\(ENOENT\\): use a directory holding subject.liquid, text.liquid, html.liquid \\(start from a copy of .*templates/invite/\\)`,
      ),
    );
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(loadError(file).message).toContain(`${file} is not a directory`);
  });

  it('a directory without one of the files, naming each missing file', () => {
    const dir = templateDir({ html: null });
    const error = loadError(dir);
    expect(error.message).toContain(`${dir} has no html.liquid: add it`);
    expect(error.file).toBe(join(dir, 'html.liquid'));
    expect(loadError(templateDir({ subject: null, text: null })).message).toContain(
      'has no subject.liquid, text.liquid: add them',
    );
  });

  it('a syntax error, with the file, line, column and the line itself', () => {
    const dir = templateDir({ text: 'Hello,\n\n{% if app_name %}You are invited\n' });
    const error = loadError(dir);
    expect(error.file).toBe(join(dir, 'text.liquid'));
    expect(error.message).toBe(
      `${join(dir, 'text.liquid')} line 3, column 1: tag {% if app_name %} not closed in "{% if app_name %}You are invited": ` +
        'fix the template (Liquid syntax: https://liquidjs.com/tutorials/intro-to-liquid.html; variables: README "Invite templates")',
    );
    expect(loadError(templateDir({ html: '<p>{{ name </p>' })).message).toMatch(
      /html\.liquid line 1, column 4: .*not closed/,
    );
  });

  it('an unknown variable, even on a branch no sample takes, listing the variables', () => {
    const dir = templateDir({ html: '<p>Hi</p>\n{% if send_number > 99 %}\n  <p>{{ nmae }}</p>\n{% endif %}' });
    expect(loadError(dir).message).toBe(
      `${join(dir, 'html.liquid')} line 3, column 9: unknown variable "nmae" (the variables are name, given_name, ` +
        'display_name, email, app_name, login_url, note, kind, send_number, subject): correct the name',
    );
    // The subject is rendered first: it cannot use itself.
    expect(loadError(templateDir({ subject: 'Re: {{ subject }}' })).message).toMatch(
      /subject\.liquid line 1, column 8: unknown variable "subject"/,
    );
  });

  it('a property that the variables do not have (found by rendering the samples)', () => {
    const dir = templateDir({ text: 'Hello {{ name.first }}\n' });
    expect(loadError(dir).message).toMatch(/text\.liquid line 1, column 10: undefined variable: name\.first/);
  });

  it('an unknown filter, and `raw`, which would let a value into HTML unescaped', () => {
    expect(loadError(templateDir({ text: '{{ name | shout }}' })).message).toMatch(
      /text\.liquid line 1, column 1: undefined filter: shout/,
    );
    expect(loadError(templateDir({ html: '<p>{{ note | raw }}</p>' })).message).toMatch(
      /html\.liquid line 1, column 4: undefined filter: raw/,
    );
  });

  it.each(['include', 'render', 'layout'])('{%% %s %%}: a template never reads another file', (tag) => {
    const dir = templateDir({ html: `<p>Hi</p>\n{% ${tag} "footer" %}` });
    writeFileSync(join(dir, 'footer'), 'SECRET');
    expect(loadError(dir).message).toContain(
      `html.liquid line 2, column 1: {% ${tag} %} is not available in invite templates: each of subject, text and html is one self-contained file`,
    );
  });

  it('a subject or body that renders nothing, naming the case', () => {
    expect(loadError(templateDir({ subject: '{% comment %}todo{% endcomment %}' })).message).toMatch(
      /subject\.liquid renders nothing for kind invite: write the subject line for every case/,
    );
    expect(loadError(templateDir({ subject: '{{ app_name }}' })).message).toMatch(
      /subject\.liquid renders nothing for kind invite without name, app_name, login_url, note/,
    );
    expect(
      loadError(templateDir({ html: '{% if kind == "reminder" %} {% else %}<p>x</p>{% endif %}' })).message,
    ).toMatch(/html\.liquid renders nothing for kind reminder: write the html body for every case/);
  });

  it('a template that never ends (a huge loop stops at the memory limit instead of hanging the worker)', () => {
    const started = Date.now();
    const error = loadError(templateDir({ text: '{% for i in (1..1000000000) %}x{% endfor %}' }));
    expect(error.message).toMatch(/text\.liquid line 1, column 1: memory alloc limit exceeded/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
