import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSmtp } from '../../../src/check/check-smtp.js';
import { SmtpTestServer } from '../../emulators/smtp/smtp-test-server.js';
import { createThrowawayCa } from '../../emulators/tls/throwaway-ca.js';
import type { SmtpTestServerAddress } from '../../emulators/smtp/smtp-test-server.js';

const USER = 'dirsync';
const PASSWORD = 'S3cret-p@ss:w/rd';
const FROM = 'Acme IT <it@acme.example>';

describe('checkSmtp against a real SMTP server that requires AUTH', () => {
  const server = new SmtpTestServer({ auth: { user: USER, pass: PASSWORD } });
  let address: SmtpTestServerAddress;

  beforeEach(async () => {
    address = await server.start();
  });

  afterEach(async () => {
    server.clear();
    await server.stop();
  });

  it('passes after EHLO and AUTH, names the sender, and sends no mail', async () => {
    const result = await checkSmtp({ smtpUrl: address.url, from: FROM });

    expect(result).toEqual({
      name: 'smtp',
      ok: true,
      detail: `smtp://127.0.0.1:${address.port} accepted EHLO and AUTH as ${USER}; invites will come from ${FROM}`,
    });
    expect(server.messages()).toHaveLength(0);
    expect(server.authFailures()).toBe(0);
  });

  it('fails on a wrong password, naming SMTP_URL without the password', async () => {
    const url = `smtp://${USER}:${encodeURIComponent('wrong-p@ss-9431')}@127.0.0.1:${address.port}`;

    const result = await checkSmtp({ smtpUrl: url, from: FROM });

    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(
      new RegExp(
        `^smtp://127\\.0\\.0\\.1:${address.port} refused the SMTP login: check the user and password in SMTP_URL \\(percent-encode special characters\\) \\(.*535.*\\)$`,
      ),
    );
    expect(result.detail).not.toContain('wrong-p');
    expect(server.authFailures()).toBe(1);
    expect(server.messages()).toHaveLength(0);
  });

  it('fails on an INVITE_FROM that is not one address, before connecting', async () => {
    const result = await checkSmtp({ smtpUrl: address.url, from: 'it@acme.example, boss@acme.example' });

    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/^INVITE_FROM: ".*" is not a single e-mail address/);
    expect(server.authFailures()).toBe(0);
  });
});

describe('checkSmtp without a server', () => {
  it('fails on a port where nothing listens, naming the host and port to check', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));

    const result = await checkSmtp(
      { smtpUrl: `smtp://${USER}:hunter22@127.0.0.1:${port}`, from: FROM },
      { timeoutMs: 2_000 },
    );

    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(
      new RegExp(
        `^smtp://127\\.0\\.0\\.1:${port} is not reachable: check the host and port in SMTP_URL and that the server is up \\(.*ECONNREFUSED.*\\)$`,
      ),
    );
    expect(result.detail).not.toContain('hunter22');
  });

  it('fails on a malformed SMTP_URL without repeating it', async () => {
    const result = await checkSmtp({ smtpUrl: 'smtp://user:hunter22@mail.example.com:25/path', from: FROM });

    expect(result.ok).toBe(false);
    expect(result.detail).toContain('must have no path or query parameters');
    expect(result.detail).not.toContain('hunter22');
  });
});

describe('checkSmtp against a server whose certificate is not trusted', () => {
  it.each([false, true])(
    'fails saying to add the CA to NODE_EXTRA_CA_CERTS (implicit TLS %s), never skipping verification',
    async (implicit) => {
      const ca = createThrowawayCa();
      const server = new SmtpTestServer({ tls: { key: ca.key, cert: ca.cert, implicit } });
      const { url } = await server.start();
      try {
        const result = await checkSmtp({ smtpUrl: url, from: FROM }, { timeoutMs: 5_000 });
        expect(result.ok).toBe(false);
        expect(result.detail).toContain(
          "the server's TLS certificate is not trusted: add its CA to NODE_EXTRA_CA_CERTS",
        );
        expect(server.messages()).toHaveLength(0);
      } finally {
        await server.stop();
        ca.remove();
      }
    },
  );
});
