import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadRegistry } from '../../../src/config/connection-registry.js';

const root = mkdtempSync(join(tmpdir(), 'dirsync-invite-template-dir-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function templateDir(path: string, text = 'Hello {{ name }}\n'): string {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'subject.liquid'), 'Welcome to {{ app_name | default: "the app" }}');
  writeFileSync(join(path, 'text.liquid'), text);
  writeFileSync(join(path, 'html.liquid'), '<p>Hello {{ name }}</p>');
  return path;
}

const SMTP = { SMTP_URL: 'smtp://127.0.0.1:2525', INVITE_FROM: 'Acme IT <it@acme.example>' };

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function smtpInvites(env: NodeJS.ProcessEnv, index = 0) {
  const invites = loadRegistry(env).connections[index]?.invites;
  if (invites?.mode !== 'smtp') throw new Error('expected invites by SMTP');
  return invites;
}

describe('INVITE_TEMPLATE_DIR', () => {
  it('is absent by default: the bundled templates are used', () => {
    expect(smtpInvites(SMTP).templateDir).toBeUndefined();
  });

  it('takes a directory holding the three templates', () => {
    const dir = templateDir(join(root, 'env-good'));
    expect(smtpInvites({ ...SMTP, INVITE_TEMPLATE_DIR: ` ${dir} ` }).templateDir).toBe(dir);
  });

  it('refuses a directory that does not exist, naming the variable and the path', () => {
    const missing = join(root, 'nowhere');
    expect(errorOf(() => loadRegistry({ ...SMTP, INVITE_TEMPLATE_DIR: missing }))).toMatch(
      new RegExp(
        `INVITE_TEMPLATE_DIR: ${missing} cannot be read \\(ENOENT\\): use a directory holding subject\\.liquid`,
      ),
    );
  });

  it('refuses a broken template at start, naming the variable, the file and the line', () => {
    const dir = templateDir(join(root, 'env-broken'), 'Hello\n{{ name | shout }}\n');
    expect(errorOf(() => loadRegistry({ ...SMTP, INVITE_TEMPLATE_DIR: dir }))).toContain(
      `INVITE_TEMPLATE_DIR: ${join(dir, 'text.liquid')} line 2, column 1: undefined filter: shout`,
    );
  });

  it('is checked even while invites are off, so turning them on cannot reveal a broken directory later', () => {
    expect(errorOf(() => loadRegistry({ INVITE_TEMPLATE_DIR: join(root, 'nowhere') }))).toContain(
      'INVITE_TEMPLATE_DIR:',
    );
  });
});

describe('invites.templateDir in a connections file', () => {
  it('is relative to the connections file, like the other paths', () => {
    const base = join(root, 'file-relative');
    templateDir(join(base, 'templates', 'acme'));
    const file = join(base, 'connections.yaml');
    writeFileSync(
      file,
      `connections:
  - id: acme
    idp: { type: sandbox }
    invites: { smtpUrl: "smtp://127.0.0.1:2525", from: "it@acme.example", templateDir: ./templates/acme }
  - id: globex
    idp: { type: sandbox }
    invites: { smtpUrl: "smtp://127.0.0.1:2525", from: "it@globex.example" }
`,
    );
    const env = { DIRSYNC_CONNECTIONS_FILE: file };
    expect(smtpInvites(env, 0).templateDir).toBe(join(base, 'templates', 'acme'));
    expect(smtpInvites(env, 1).templateDir).toBeUndefined();
  });

  it('names the connection and the field of a bad directory', () => {
    const base = join(root, 'file-bad');
    mkdirSync(base);
    const file = join(base, 'connections.yaml');
    writeFileSync(
      file,
      `connections:
  - id: acme
    idp: { type: sandbox }
    invites: { smtpUrl: "smtp://127.0.0.1:2525", from: "it@acme.example", templateDir: ./missing }
`,
    );
    expect(errorOf(() => loadRegistry({ DIRSYNC_CONNECTIONS_FILE: file }))).toContain(
      `connection acme: invites.templateDir: ${join(base, 'missing')} cannot be read (ENOENT)`,
    );
  });
});
