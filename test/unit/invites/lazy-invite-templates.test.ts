import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InviteTemplateError } from '../../../src/invites/invite-template-error.js';
import { bundledInviteTemplateDirectory, INVITE_TEMPLATE_FILES } from '../../../src/invites/invite-templates.js';
import { lazyInviteTemplates } from '../../../src/invites/lazy-invite-templates.js';

const root = mkdtempSync(join(tmpdir(), 'dirsync-lazy-invite-templates-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const VALUES = {
  name: 'Zoë',
  givenName: 'Zoë',
  displayName: 'Zoë Adams',
  email: 'zoe@example.com',
  appName: 'Dovetail',
  loginUrl: 'https://app.example.com/login',
  note: undefined,
  kind: 'invite',
  sendNumber: 1,
} as const;

function templateDir(name: string, text: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, INVITE_TEMPLATE_FILES.subject), 'Welcome to {{ app_name }}');
  writeFileSync(join(dir, INVITE_TEMPLATE_FILES.text), text);
  writeFileSync(join(dir, INVITE_TEMPLATE_FILES.html), '<p>Hi {{ name }}</p>');
  return dir;
}

describe('lazyInviteTemplates', () => {
  it('reads nothing until the first render: a directory broken after start fails that render, naming the file', () => {
    const dir = templateDir('broken', 'Hello\n{{ name | shout }}\n');
    const templates = lazyInviteTemplates(dir);
    expect(templates.directory).toBe(dir);
    expect(() => templates.render(VALUES)).toThrow(InviteTemplateError);
    expect(() => templates.render(VALUES)).toThrow(`${join(dir, INVITE_TEMPLATE_FILES.text)} line 2`);
  });

  it('parses once: a file changed after the first render does not change later mails', () => {
    const dir = templateDir('good', 'Hello {{ name }}\n');
    const templates = lazyInviteTemplates(dir);
    expect(templates.render(VALUES).text).toBe('Hello Zoë\n');
    writeFileSync(join(dir, INVITE_TEMPLATE_FILES.text), 'Changed {{ name }}\n');
    expect(templates.render(VALUES).text).toBe('Hello Zoë\n');
  });

  it('renders the bundled defaults when no directory is given', () => {
    const templates = lazyInviteTemplates();
    expect(templates.directory).toBe(bundledInviteTemplateDirectory());
    expect(templates.render(VALUES).subject).toContain('Dovetail');
  });
});
