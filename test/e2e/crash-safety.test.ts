import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpTestServer } from '../emulators/smtp/smtp-test-server.js';
import { ScimTestServer } from '../emulators/scim/scim-test-server.js';
import { generateSandboxDirectory } from '../fixtures/generate-sandbox-directory.js';
import { writeSandboxDirectoryFile, type TempSandboxDirectoryFile } from '../fixtures/write-sandbox-directory-file.js';
import { SMTP_MAX_CONNECTIONS } from '../../src/invites/smtp-mailer.js';
import { ConnectionLeaseRepository } from '../../src/store/connection-lease-repository.js';
import { assertBuilt, runCli, startCli, waitFor } from '../support/cli-process.js';
import { diffApp, expectedApp } from '../support/expected-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';

// 8 in `npm test` (both databases, every kind of kill point); `DIRSYNC_CRASH_ITERATIONS=50` for the long run and its figures.
const ITERATIONS = Number(process.env['DIRSYNC_CRASH_ITERATIONS'] ?? 8);
const PEOPLE = 500;
const TOKEN = 'crash-test-token';

// A tiny seeded PRNG: each iteration's kill point is reproducible from its seed (printed on failure).
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes in flight at once; invites go out over as many mail server connections (capped), two in flight on each
 * (the next one's envelope behind the previous one's data).
 */
const APPLY_CONCURRENCY = 4;
const MAILS_IN_FLIGHT = 2 * Math.min(APPLY_CONCURRENCY, SMTP_MAX_CONNECTIONS);

const KILL_KINDS = [
  'scim-write-landed',
  'scim-write-in-flight',
  'smtp-message',
  'smtp-reminder',
  'smtp-resend',
] as const;

type KillPoint =
  | { readonly kind: 'scim-write-landed'; readonly at: number } // the app applied the write, the answer is lost
  | { readonly kind: 'scim-write-in-flight'; readonly at: number } // killed before the app saw it
  | { readonly kind: 'smtp-message'; readonly at: number } // killed as the mail server accepts an invite
  // After a complete first sync: killed as the mail server accepts a reminder (a normal run with
  // INVITE_REMIND_AFTER), or a resend (`dirsync invites resend --pending --force`).
  | { readonly kind: 'smtp-reminder' | 'smtp-resend'; readonly at: number };

describe('crash safety: SIGKILL at a random moment during apply, then run to completion', () => {
  const directory = generateSandboxDirectory({ people: PEOPLE, groups: 12, seed: 500 });
  const activeCount = directory.users.filter((u) =>
    ['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY', 'PROVISIONED'].includes(u.status),
  ).length;
  let file: TempSandboxDirectoryFile;
  // Two apps: one takes user creates one POST each, the other advertises /Bulk (RFC 7644 §3.7), where a kill can
  // fall on a bulk of creates the app performed and whose answer is lost.
  const apps = {
    plain: new ScimTestServer({ token: TOKEN }),
    bulk: new ScimTestServer({ token: TOKEN, bulk: { maxOperations: 20, maxPayloadSize: 1_048_576 } }),
  };
  const smtp = new SmtpTestServer();
  let smtpUrl: string;
  /**
   * Per app, the SCIM write requests of one uninterrupted first sync: those of user creates (POST /Users, or
   * POST /Bulk), then the group creates and member PATCHes.
   */
  const writes = { plain: { users: 0, total: 0 }, bulk: { users: 0, total: 0 } };

  beforeAll(async () => {
    assertBuilt();
    file = await writeSandboxDirectoryFile(directory);
    smtpUrl = (await smtp.start()).url;
    for (const name of ['plain', 'bulk'] as const) {
      const app = apps[name];
      await app.start();
      // Measure the writes of a whole run once, so kill points cover every kind of op, not only user creates.
      const database = await createTestDatabase('sqlite', `crash_count_${name}`);
      try {
        const env = {
          DATABASE_URL: database.url,
          DIRSYNC_SANDBOX_FILE: file.path,
          APP_SCIM_URL: app.baseUrl,
          APP_SCIM_TOKEN: TOKEN,
          DIRSYNC_APPLY_CONCURRENCY: String(APPLY_CONCURRENCY),
        };
        const result = await runCli(['sync'], env);
        if (result.code !== 0) throw new Error(`the counting run failed: ${result.stderr}`);
        const sent = app.requests({ viaBulk: false }).filter((request) => request.method !== 'GET');
        writes[name] = {
          users: sent.filter((request) => request.path === '/Users' || request.path === '/Bulk').length,
          total: sent.length,
        };
      } finally {
        await database.destroy();
      }
    }
    expect(writes.bulk.users).toBeLessThan(writes.plain.users / 5);
  }, 120_000);
  afterAll(async () => {
    await apps.plain.stop();
    await apps.bulk.stop();
    await smtp.stop();
    await file.remove();
  });

  it.each(Array.from({ length: ITERATIONS }, (_, i) => i))(
    'iteration %i: no duplicate create, no duplicate invite, the app ends exact',
    async (iteration) => {
      const seed = 1000 + iteration;
      const random = mulberry32(seed);
      const dialect = iteration % 3 === 1 ? 'postgres' : 'sqlite';
      // The kinds below take turns over 5 iterations; the app changes every 5, so that with 8 a bulk app sees
      // a kill on a landed bulk, one in flight and one among the mails.
      const appName = Math.floor(iteration / KILL_KINDS.length) % 2 === 0 ? 'plain' : 'bulk';
      const scim = apps[appName];
      const { users: userWrites, total: totalWrites } = writes[appName];
      const database: TestDatabase = await createTestDatabase(dialect, `crash_${iteration}`);
      scim.reset();
      smtp.clear();
      const env = {
        DATABASE_URL: database.url,
        DIRSYNC_SANDBOX_FILE: file.path,
        APP_SCIM_URL: scim.baseUrl,
        APP_SCIM_TOKEN: TOKEN,
        SMTP_URL: smtpUrl,
        INVITE_FROM: 'Acme IT <it@acme.example>',
        APP_NAME: 'Dashworks',
        LOG_LEVEL: 'warn',
        // The killed run's hold on the connection lapses after this; the next sync waits for it.
        DIRSYNC_LEASE_MS: '1000',
        DIRSYNC_APPLY_CONCURRENCY: String(APPLY_CONCURRENCY),
      };
      try {
        // Any SCIM write of the run or any invite. User creates come first and outnumber the group creates and
        // member PATCHes, so half of the SCIM kill points are drawn among the group and membership writes.
        const groupWrites = totalWrites - userWrites;
        const scimWrite = () =>
          random() < 0.5 || groupWrites <= 0
            ? 1 + Math.floor(random() * userWrites)
            : userWrites + 1 + Math.floor(random() * groupWrites);
        const mail = () => 1 + Math.floor(random() * (activeCount - 1));
        // The kinds take turns, so that any 5 iterations cover them all (both databases from 8 on); where the kill
        // falls within its kind is drawn.
        const kind = KILL_KINDS[iteration % KILL_KINDS.length] ?? 'scim-write-landed';
        const kill: KillPoint =
          kind === 'scim-write-landed' || kind === 'scim-write-in-flight'
            ? { kind, at: scimWrite() }
            : { kind, at: mail() };
        // A second send per person (reminder or resend) comes after a complete first sync: every person has had
        // their invite, and the kill falls among the second mails.
        const secondSend = kill.kind === 'smtp-reminder' || kill.kind === 'smtp-resend';
        const reminding = { ...env, INVITE_REMIND_AFTER: '1s', INVITE_MAX_REMINDERS: '1' };
        const runEnv = kill.kind === 'smtp-reminder' ? reminding : env;
        if (secondSend) {
          const first = await runCli(['sync'], env);
          expect(first.code, first.stderr).toBe(0);
          if (kill.kind === 'smtp-reminder') await new Promise((resolve) => setTimeout(resolve, 1_100));
        }
        const mailsBefore = smtp.messages().length;
        const context = `seed ${seed}, ${dialect}, ${appName} app, kill at ${kill.kind} #${kill.at}`;
        // A long run (DIRSYNC_CRASH_ITERATIONS set) reports each kill point, for its figures.
        if (process.env['DIRSYNC_CRASH_ITERATIONS'] !== undefined) {
          const phase =
            kill.kind === 'smtp-message'
              ? 'invite'
              : secondSend
                ? kill.kind.slice('smtp-'.length)
                : kill.at > userWrites
                  ? 'group or membership'
                  : 'user';
          console.log(`crash ${iteration}: ${context} of ${totalWrites} (${phase})`);
        }

        const { child, done } = startCli(
          kill.kind === 'smtp-resend' ? ['invites', 'resend', '--pending', '--force'] : ['sync'],
          runEnv,
        );
        let written = 0;
        const killsMail = kill.kind === 'smtp-message' || secondSend;
        if (!killsMail) {
          scim.failNext({
            when: (request) => {
              if (request.method === 'GET') return false;
              written++;
              if (written !== kill.at) return false;
              child.kill('SIGKILL');
              return true;
            },
            status: 'reset',
            afterApply: kill.kind === 'scim-write-landed',
            times: 1,
          });
        }
        const poll = killsMail
          ? setInterval(() => {
              if (smtp.messages().length - mailsBefore >= kill.at) child.kill('SIGKILL');
            }, 1)
          : undefined;
        const killed = await done;
        if (poll) clearInterval(poll);
        scim.clearFaults();
        expect(killed.signal, `${context}: the first run should have been killed\n${killed.stderr}`).toBe('SIGKILL');

        // The killed run still holds the connection until its lease lapses (on the database's clock).
        await waitFor(
          'the killed run’s lease to lapse',
          async () => (await new ConnectionLeaseRepository(database.db).current('default')) === null,
          10_000,
        );
        // The recovery is a normal run (a resend queued before the kill goes out with it).
        const completed = await runCli(['sync'], runEnv);
        expect(completed.code, `${context}\n${completed.stdout}\n${completed.stderr}`).toBe(0);

        // Zero duplicate creates: at most one 201 per userName.
        const created = new Map<string, number>();
        for (const request of scim.requests({ method: 'POST', path: '/Users', status: 201 })) {
          const userName = (request.requestBody as { userName: string }).userName.toLowerCase();
          created.set(userName, (created.get(userName) ?? 0) + 1);
        }
        expect(
          [...created].filter(([, n]) => n > 1),
          context,
        ).toEqual([]);
        expect(scim.users()).toHaveLength(activeCount);

        // Zero duplicate invites: one Message-ID per created person and send (two sends each when the kill fell
        // among reminders or resends). The same Message-ID may come twice only when the kill fell between the mail
        // server's acceptance and our commit: a recognisable resend, at most one per invite in flight.
        const sends = secondSend ? 2 : 1;
        const messages = smtp.messages();
        const idsByRecipient = new Map<string, Set<string>>();
        for (const message of messages) {
          const to = message.envelopeTo.join(',');
          idsByRecipient.set(to, (idsByRecipient.get(to) ?? new Set()).add(message.messageId ?? ''));
        }
        expect(idsByRecipient.size, context).toBe(activeCount);
        expect(
          [...idsByRecipient].filter(([, ids]) => ids.size !== sends),
          context,
        ).toEqual([]);
        // Invites go out while the app's writes go on, so a kill at an app write can catch mails in flight too.
        expect(messages.length - sends * activeCount, context).toBeLessThanOrEqual(MAILS_IN_FLIGHT);
        const perRecipient = new Map<string, number>();
        for (const message of messages) {
          const to = message.envelopeTo.join(',');
          perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
        }
        expect(
          [...perRecipient].filter(([, count]) => count > sends + 1),
          context,
        ).toEqual([]);

        // The final app state is exact.
        const everCreated = new Set(scim.users().map((u) => u.externalId ?? ''));
        expect(diffApp(scim, expectedApp(directory, everCreated), everCreated), context).toEqual([]);

        // And a further run over the unchanged directory writes nothing and sends nothing.
        const writesBefore = scim.requests().filter((r) => r.method !== 'GET').length;
        const mailsAtEnd = smtp.messages().length;
        const again = await runCli(['sync'], runEnv);
        expect(again.code, context).toBe(0);
        expect(scim.requests().filter((r) => r.method !== 'GET').length, context).toBe(writesBefore);
        expect(smtp.messages().length, context).toBe(mailsAtEnd);
      } finally {
        await database.destroy();
      }
    },
    120_000,
  );
});
