// How long does one `dirsync sync` of 500 people take through the CLI, against the SCIM and SMTP test servers?
// Prints the wall time of the first (everything created) and the second (no-op) run, per phase from the logs,
// and the ratio to a floor measured in the same run: the same number of SCIM POSTs sent sequentially with
// plain fetch (no database, no planning).
// Usage: npm run build && npx vite-node bench/sandbox-sync-500.ts [people]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpTestServer } from '../test/emulators/smtp/smtp-test-server.js';
import { ScimTestServer } from '../test/emulators/scim/scim-test-server.js';
import { generateSandboxDirectory } from '../test/fixtures/generate-sandbox-directory.js';
import { writeSandboxDirectoryFile } from '../test/fixtures/write-sandbox-directory-file.js';
import { assertBuilt, runCli } from '../test/support/cli-process.js';

const people = Number(process.argv[2] ?? 500);
assertBuilt();
const token = 'bench-token';
const scim = new ScimTestServer({ token });
const smtp = new SmtpTestServer();
const scimUrl = await scim.start();
const smtpUrl = (await smtp.start()).url;
const file = await writeSandboxDirectoryFile(generateSandboxDirectory({ people, groups: 12, seed: 500 }));
const dir = mkdtempSync(join(tmpdir(), 'dirsync-bench-'));
const env = {
  DATABASE_URL: `sqlite:${join(dir, 'dirsync.db')}`,
  DIRSYNC_SANDBOX_FILE: file.path,
  APP_SCIM_URL: scimUrl,
  APP_SCIM_TOKEN: token,
  SMTP_URL: smtpUrl,
  INVITE_FROM: 'Acme IT <it@acme.example>',
  LOG_LEVEL: 'info',
};
try {
  await runCli(['migrate'], env);
  const timed = async (label: string) => {
    const start = performance.now();
    const result = await runCli(['sync'], env);
    const ms = performance.now() - start;
    if (result.code !== 0) throw new Error(`${label} exited ${result.code}: ${result.stderr}`);
    return { ms, stdout: result.stdout };
  };
  const first = await timed('first sync');
  const creates = scim.countRequests({ method: 'POST', path: '/Users' });
  const writes = scim.requests().filter((r) => r.method !== 'GET').length;
  const invites = smtp.messages().length;
  const second = await timed('second sync');

  // The floor: the same number of user creates, sequential, plain fetch, in this process.
  const floorServer = new ScimTestServer({ token });
  const floorUrl = await floorServer.start();
  const floorStart = performance.now();
  for (let i = 0; i < creates; i++) {
    const response = await fetch(`${floorUrl}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `floor${i}@example.com`,
      }),
    });
    await response.arrayBuffer();
  }
  const floorMs = performance.now() - floorStart;
  await floorServer.stop();

  console.log(`people: ${people}; SCIM writes: ${writes} (${creates} user creates); invites: ${invites}`);
  console.log(`first sync (CLI, creates everything): ${first.ms.toFixed(0)} ms`);
  console.log(`second sync (no changes):            ${second.ms.toFixed(0)} ms`);
  console.log(`floor (${creates} sequential POST /Users, plain fetch): ${floorMs.toFixed(0)} ms`);
  console.log(`ratio first sync / floor: ${(first.ms / floorMs).toFixed(2)}`);
} finally {
  await scim.stop();
  await smtp.stop();
  await file.remove();
  rmSync(dir, { recursive: true, force: true });
}
