import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildInviteMessage, INVITE_HEADER, inviteMessageId } from '../../src/invites/invite-mail.js';
import { loadInviteTemplates } from '../../src/invites/invite-templates.js';
import type { InviteTemplates } from '../../src/invites/invite-templates.js';
import { SmtpMailer } from '../../src/invites/smtp-mailer.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { SmtpTestServer } from '../emulators/smtp/smtp-test-server.js';
import type { SmtpTestServerAddress } from '../emulators/smtp/smtp-test-server.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

// A customer's templates in French: what an operator writes in INVITE_TEMPLATE_DIR.
const SUBJECT = `{%- if kind == "reminder" -%}Rappel : {% endif -%}
Votre invitation à {{ app_name | default: "l'application" }}`;
const TEXT = `Bonjour {{ name | default: "" }},

{% if kind == "resend" %}Voici à nouveau votre invitation.{% else %}Vous êtes invité·e.{% endif %}
{%- if note %}

Message de votre administrateur :
{{ note }}
{%- endif %}

Connexion : {{ login_url }}
(envoi n° {{ send_number }})
`;
const HTML = `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body>
<p>Bonjour {{ name }},</p>
{% if note %}<blockquote>{{ note }}</blockquote>{% endif %}
<p><a href="{{ login_url }}">Se connecter à {{ app_name }}</a></p>
</body>
</html>
`;

describe('a templated invite sent through a real SMTP server', () => {
  const server = new SmtpTestServer();
  const dir = mkdtempSync(join(tmpdir(), 'dirsync-invite-templates-smtp-'));
  let address: SmtpTestServerAddress;
  let mailer: SmtpMailer;
  let templates: InviteTemplates;

  beforeAll(() => {
    writeFileSync(join(dir, 'subject.liquid'), SUBJECT);
    writeFileSync(join(dir, 'text.liquid'), TEXT);
    writeFileSync(join(dir, 'html.liquid'), HTML);
    templates = loadInviteTemplates(dir);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    address = await server.start();
    mailer = new SmtpMailer(address.url, { connectTimeoutMs: 2_000 });
  });

  afterEach(async () => {
    await mailer.close();
    server.clear();
    await server.stop();
  });

  it('arrives with the rendered subject, text and HTML parts and the send number in its Message-ID', async () => {
    const message = buildInviteMessage({
      connectionId: 'acme',
      userExternalId: '00u1',
      email: 'zoe.obrien@acme.example',
      displayName: "Zoë O'Brien",
      givenName: 'Zoë',
      from: 'Acme IT <it@acme.example>',
      appName: 'Dashworks',
      appLoginUrl: 'https://dash.example.com/login?team=a&b',
      templates,
      note: 'Bienvenue <Zoë> & "toute l\'équipe"\nÀ lundi',
      kind: 'resend',
      sendNumber: 2,
    });
    await mailer.send(message);

    const [received, ...others] = server.messages();
    expect(others).toHaveLength(0);
    expect(received?.envelopeTo).toEqual(['zoe.obrien@acme.example']);
    expect(received?.from).toBe('it@acme.example');
    expect(received?.subject).toBe('Votre invitation à Dashworks');
    expect(received?.messageId).toBe(inviteMessageId('acme', '00u1', 'acme.example', 2));
    expect(received?.messageId).toMatch(/^<invite\.[a-z2-7]+\.[a-z2-7]+\.2@acme\.example>$/);
    expect(received?.headers[INVITE_HEADER.toLowerCase()]).toBe('acme/00u1#2');
    expect(received?.text).toBe(
      [
        'Bonjour Zoë,',
        '',
        'Voici à nouveau votre invitation.',
        '',
        'Message de votre administrateur :',
        `Bienvenue <Zoë> & "toute l'équipe"`,
        'À lundi',
        '',
        'Connexion : https://dash.example.com/login?team=a&b',
        '(envoi n° 2)',
        '',
      ].join('\n'),
    );
    expect(received?.html).toContain('<title>Votre invitation à Dashworks</title>');
    expect(received?.html).toContain(
      '<blockquote>Bienvenue &lt;Zoë&gt; &amp; &quot;toute l&#39;équipe&quot;<br>\nÀ lundi</blockquote>',
    );
    expect(received?.html).toContain(
      '<a href="https://dash.example.com/login?team=a&amp;b">Se connecter à Dashworks</a>',
    );
  });

  it('keeps the first invite on the Message-ID it always had, and a reminder on its own', async () => {
    const input = {
      connectionId: 'acme',
      userExternalId: '00u2',
      email: 'kai@acme.example',
      displayName: 'Kai',
      from: 'it@acme.example',
      templates,
    } as const;
    await mailer.send(buildInviteMessage(input));
    await mailer.send(buildInviteMessage({ ...input, kind: 'reminder', sendNumber: 3 }));

    const received = server.messages();
    expect(received.map((mail) => mail.subject)).toEqual([
      "Votre invitation à l'application",
      "Rappel : Votre invitation à l'application",
    ]);
    expect(received.map((mail) => mail.messageId)).toEqual([
      inviteMessageId('acme', '00u2', 'acme.example'),
      inviteMessageId('acme', '00u2', 'acme.example', 3),
    ]);
  });
});

// The wiring, end to end: the built CLI reads INVITE_TEMPLATE_DIR, refuses a broken directory before any run, and
// sends the sync's invites from the connection's templates.
describe('INVITE_TEMPLATE_DIR through the CLI', () => {
  const scim = new ScimTestServer({ token: 'tpl-token' });
  const smtp = new SmtpTestServer();
  const dir = mkdtempSync(join(tmpdir(), 'dirsync-invite-templates-cli-'));
  let database: TestDatabase;
  let directory: TempSandboxDirectoryFile;
  let env: Record<string, string>;

  beforeAll(async () => {
    assertBuilt();
    writeFileSync(join(dir, 'subject.liquid'), SUBJECT);
    writeFileSync(join(dir, 'text.liquid'), TEXT);
    writeFileSync(join(dir, 'html.liquid'), HTML);
    database = await createTestDatabase('sqlite', 'invite_templates_cli');
    directory = await writeSandboxDirectoryFile({
      users: [
        {
          id: 'ada',
          userName: 'ada@acme.example',
          email: 'ada@acme.example',
          givenName: 'Ada',
          familyName: 'Lovelace',
          status: 'ACTIVE',
        },
      ],
      groups: [],
    });
    env = {
      DATABASE_URL: database.url,
      DIRSYNC_SANDBOX_FILE: directory.path,
      APP_SCIM_URL: await scim.start(),
      APP_SCIM_TOKEN: 'tpl-token',
      SMTP_URL: (await smtp.start()).url,
      INVITE_FROM: 'Acme IT <it@acme.example>',
      APP_NAME: 'Dashworks',
      APP_LOGIN_URL: 'https://dash.example.com/login',
      INVITE_TEMPLATE_DIR: dir,
    };
    expect((await runCli(['migrate'], env)).code).toBe(0);
  });

  afterAll(async () => {
    await scim.stop();
    await smtp.stop();
    await directory.remove();
    await database.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops with exit 2 and the file and line of a broken template, before reading the directory', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'dirsync-invite-templates-broken-'));
    try {
      writeFileSync(join(broken, 'subject.liquid'), SUBJECT);
      writeFileSync(join(broken, 'text.liquid'), 'Bonjour {{ nom }}\n');
      writeFileSync(join(broken, 'html.liquid'), HTML);
      const result = await runCli(['sync'], { ...env, INVITE_TEMPLATE_DIR: broken });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`INVITE_TEMPLATE_DIR: ${join(broken, 'text.liquid')} line 1, column 12`);
      expect(result.stderr).toContain('unknown variable "nom"');
      expect(scim.users()).toHaveLength(0);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it("sends the sync's invite from the connection's templates", async () => {
    const result = await runCli(['sync'], env);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const [mail, ...others] = smtp.messages();
    expect(others).toHaveLength(0);
    expect(mail?.envelopeTo).toEqual(['ada@acme.example']);
    expect(mail?.subject).toBe('Votre invitation à Dashworks');
    expect(mail?.text).toContain(
      'Bonjour Ada,\n\nVous êtes invité·e.\n\nConnexion : https://dash.example.com/login\n(envoi n° 1)',
    );
    expect(mail?.html).toContain('<html lang="fr">');
    expect(mail?.messageId).toBe(inviteMessageId('default', 'ada', 'acme.example'));
  });
});
