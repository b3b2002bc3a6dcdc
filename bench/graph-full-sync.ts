// How long does a first (full delta round) `dirsync sync` of a big Entra ID tenant take through the CLI, against the
// Graph emulator, and how far is it from the floor: the same delta pages fetched sequentially with plain node:https
// in this process (no SDK, no database, no planning)? Also prints the IdP requests, the child's peak RSS and a second
// (no-op) sync. The target is a JSONL file (the app side is not what this measures); no SMTP, no invites.
// Usage: npm run build && npx vite-node bench/graph-full-sync.ts [users] [groups]
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphEmulator } from '../test/emulators/graph/graph-emulator.js';
import type { GraphUserSeed } from '../test/emulators/graph/graph-directory-objects.js';
import type { GraphDirectoryStore } from '../test/emulators/graph/graph-directory-store.js';
import type { GraphLoggedRequest } from '../test/emulators/graph/graph-request-log.js';
import { assertBuilt, runCli } from '../test/support/cli-process.js';

const userCount = Number(process.argv[2] ?? 20_000);
const groupCount = Math.max(8, Number(process.argv[3] ?? 200));
const TENANT = '6f0c4a3e-0000-4000-8000-00000000be01';
const CLIENT = '0b8f7d2c-0000-4000-8000-00000000be02';
const SECRET = 'bench-graph-secret';
const MAX_PAGE_SIZE = 999;

/** Deterministic PRNG (mulberry32), so two runs build the same tenant. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ada', 'Bob', 'Chloé', 'Dmitri', 'Eve', 'Farah', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kofi', 'Lea', 'Miro'];
const LAST = ['Smith', "O'Neil", 'García', 'Nakamura', 'Okafor', 'Novák', 'Lund', 'Petrov', 'Chen', 'Dubois'];

interface TenantShape {
  disabled: number;
  guests: number;
  noMail: number;
  memberships: number;
  bigGroups: { name: string; members: number }[];
  groupObjects: number;
}

/**
 * Users: ~5% disabled, ~8% guests (`#EXT#` UPNs), ~10% without `mail` (a primary SMTP: proxy address, otherMails,
 * or nothing). Groups: five big ones (all staff, two halves, two quarters) and the rest small, each user in 1–3 of those;
 * a few nested groups (kept as members; flattened when the policy says `nestedGroups: flatten`).
 */
function buildTenant(d: GraphDirectoryStore, users: number, groups: number): TenantShape {
  const random = prng(20_000);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const shape: TenantShape = { disabled: 0, guests: 0, noMail: 0, memberships: 0, bigGroups: [], groupObjects: 0 };
  const ids: string[] = [];
  for (let i = 0; i < users; i++) {
    const givenName = pick(FIRST);
    const surname = pick(LAST);
    const local = `${givenName}.${surname}.${i}`.toLowerCase().replace(/[^a-z0-9.]/g, '');
    const guest = random() < 0.08;
    const disabled = random() < 0.05;
    const noMail = !guest && random() < 0.1;
    const seed: GraphUserSeed = {
      userPrincipalName: guest ? `${local}_fabrikam.example#EXT#@contoso.example` : `${local}@contoso.example`,
      givenName,
      surname,
      displayName: `${givenName} ${surname}`,
      accountEnabled: !disabled,
      userType: guest ? 'Guest' : 'Member',
      department: pick(['Engineering', 'Sales', 'Ops', 'Finance', null]),
    };
    let mailFields: Partial<GraphUserSeed>;
    if (guest) mailFields = { mail: `${local}@fabrikam.example` };
    else if (!noMail) mailFields = { mail: `${local}@contoso.example` };
    else if (i % 3 === 0)
      mailFields = { proxyAddresses: [`smtp:alias.${local}@contoso.example`, `SMTP:${local}@mail.contoso.example`] };
    else if (i % 3 === 1) mailFields = { otherMails: [`${local}@home.example`] };
    else mailFields = {};
    ids.push(d.createUser({ ...seed, ...mailFields }).id);
    if (guest) shape.guests++;
    if (disabled) shape.disabled++;
    if (noMail) shape.noMail++;
  }
  const sizes = new Map<string, number>();
  const seen = new Set<string>();
  // Counted while adding: `members()` is O(group size).
  const addCounted = (groupId: string, memberId: string): void => {
    const key = `${groupId}/${memberId}`;
    if (seen.has(key)) return;
    seen.add(key);
    d.addMember(groupId, memberId);
    sizes.set(groupId, (sizes.get(groupId) ?? 0) + 1);
  };
  const big = [
    { name: 'All staff', every: 1, offset: 0 },
    { name: 'Contoso Europe', every: 2, offset: 0 },
    { name: 'Contoso Americas', every: 2, offset: 1 },
    { name: 'Engineering (all)', every: 4, offset: 0 },
    { name: 'Sales (all)', every: 4, offset: 1 },
  ].map((b) => ({ ...b, id: d.createGroup({ displayName: b.name }).id }));
  const small: string[] = [];
  for (let g = big.length; g < groups; g++) small.push(d.createGroup({ displayName: `Team ${g}` }).id);
  ids.forEach((id, i) => {
    for (const b of big) if (i % b.every === b.offset) addCounted(b.id, id);
    const n = 1 + Math.floor(random() * 3);
    for (let k = 0; k < n; k++) addCounted(pick(small), id);
  });
  for (let k = 0; k < 5 && small.length > 10; k++) addCounted(small[k]!, small[small.length - 1 - k]!);
  for (const b of big) shape.bigGroups.push({ name: b.name, members: sizes.get(b.id) ?? 0 });
  for (const g of d.groups()) {
    const n = sizes.get(g.id) ?? 0;
    shape.memberships += n;
    shape.groupObjects += Math.max(1, Math.ceil(n / 100));
  }
  return shape;
}
/** Prints `process.resourceUsage().maxRSS` (kB) to stderr when the child exits: no product code changes. */
const RSS_MARK = '@@bench-maxrss ';
const rssModule = `import{writeSync}from'node:fs';process.on('exit',()=>{writeSync(2,'\\n${RSS_MARK}'+process.resourceUsage().maxRSS+'\\n')});`;
const NODE_OPTIONS = `--import=data:text/javascript;base64,${Buffer.from(rssModule, 'utf8').toString('base64')}`;

function peakRssMb(stderr: string): number | undefined {
  const match = new RegExp(`${RSS_MARK}(\\d+)`).exec(stderr);
  return match === null ? undefined : Number(match[1]) / 1024;
}

function withoutMark(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.startsWith(RSS_MARK) && line.trim() !== '')
    .join('\n');
}

interface HttpAnswer {
  status: number;
  body: string;
}

function httpsCall(
  agent: Agent,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const isDeltaPage = (r: GraphLoggedRequest) => r.service === 'graph' && /\/(users|groups)\/delta\b/.test(r.url);
const isRoundStart = (r: GraphLoggedRequest) => !/[?&]\$(skiptoken|deltatoken)=/.test(r.url);
const resourceOf = (url: string) => (/\/groups\/delta/.test(url) ? 'groups' : 'users');

assertBuilt();
const emulator = new GraphEmulator();
const dir = mkdtempSync(join(tmpdir(), 'dirsync-bench-graph-'));
try {
  const endpoints = await emulator.start();
  emulator.registerApp({
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SECRET,
    roles: ['User.Read.All', 'GroupMember.Read.All'],
  });
  const buildStart = performance.now();
  const shape = buildTenant(emulator.directory, userCount, groupCount);
  const buildMs = performance.now() - buildStart;
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'dirsync.db')}`,
    AZURE_TENANT_ID: TENANT,
    AZURE_CLIENT_ID: CLIENT,
    AZURE_CLIENT_SECRET: SECRET,
    AZURE_AUTHORITY_HOST: endpoints.authorityHost,
    GRAPH_BASE_URL: endpoints.graphBaseUrl,
    NODE_EXTRA_CA_CERTS: endpoints.caPath,
    APP_JSONL_PATH: join(dir, 'changes.jsonl'),
    INVITE_MODE: 'off',
    LOG_LEVEL: 'warn',
    NODE_OPTIONS,
  };
  const migrated = await runCli(['migrate'], env);
  if (migrated.code !== 0) throw new Error(`migrate exited ${migrated.code}: ${migrated.stderr}`);

  const timedSync = async (label: string) => {
    emulator.clearRequests();
    const start = performance.now();
    const result = await runCli(['sync'], env);
    const ms = performance.now() - start;
    if (result.code !== 0) throw new Error(`${label} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    const requests = emulator.requests();
    return { ms, result, requests, rssMb: peakRssMb(result.stderr) };
  };
  // What a child costs before it does anything: Node start-up and loading the CLI's modules.
  const startupStart = performance.now();
  const startup = await runCli(['--help'], env);
  const startupMs = performance.now() - startupStart;
  const first = await timedSync('first sync');
  const second = await timedSync('second sync');

  // The floor: the delta pages of the first sync, sequentially, plain node:https, one token fetched beforehand.
  const ca = readFileSync(endpoints.caPath, 'utf8');
  const agent = new Agent({ keepAlive: true, ca });
  const origin = new URL(endpoints.graphBaseUrl).origin;
  const tokenAnswer = await httpsCall(agent, `${endpoints.authorityHost}/${TENANT}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CLIENT,
      client_secret: SECRET,
      scope: 'https://graph.microsoft.com/.default',
    }).toString(),
  });
  if (tokenAnswer.status !== 200) throw new Error(`token endpoint answered ${tokenAnswer.status}: ${tokenAnswer.body}`);
  const token = (JSON.parse(tokenAnswer.body) as { access_token: string }).access_token;
  const headers = { authorization: `Bearer ${token}`, prefer: `odata.maxpagesize=${MAX_PAGE_SIZE}` };
  const syncPages = first.requests.filter(isDeltaPage);
  const syncPagesBy = (resource: string) => syncPages.filter((r) => resourceOf(r.url) === resource).length;
  const absolute = (url: string) => (url.startsWith('https://') ? url : `${origin}${url}`);

  // 1. Replay the exact URLs in order. The emulator forgets a round once its last page is served, so its skip
  //    tokens answer 410 Gone afterwards: then 2. follow the next links from each round's first URL instead.
  let floorMode = 'replayed the exact URLs of the sync';
  let floorPages = 0;
  let floorBytes = 0;
  let floorStart = performance.now();
  for (const page of syncPages) {
    const answer = await httpsCall(agent, absolute(page.url), { headers });
    if (answer.status !== 200) {
      floorMode = `followed @odata.nextLink from each round's first URL (replaying page ${floorPages + 1} answered ${answer.status})`;
      floorPages = -1;
      break;
    }
    JSON.parse(answer.body);
    floorPages++;
    floorBytes += answer.body.length;
  }
  const followed: Record<string, number> = {};
  if (floorPages === -1) {
    floorPages = 0;
    floorBytes = 0;
    floorStart = performance.now();
    for (const startPage of syncPages.filter(isRoundStart)) {
      let url: string | undefined = absolute(startPage.url);
      while (url !== undefined) {
        const answer = await httpsCall(agent, url, { headers });
        if (answer.status !== 200) throw new Error(`floor: ${url} answered ${answer.status}: ${answer.body}`);
        const body = JSON.parse(answer.body) as { '@odata.nextLink'?: string };
        floorPages++;
        floorBytes += answer.body.length;
        const resource = resourceOf(url);
        followed[resource] = (followed[resource] ?? 0) + 1;
        url = body['@odata.nextLink'];
      }
    }
  }
  const floorMs = performance.now() - floorStart;
  agent.destroy();

  const count = (requests: readonly GraphLoggedRequest[]) => {
    const tokenRequests = requests.filter((r) => r.service === 'token').length;
    const graph = requests.filter((r) => r.service === 'graph');
    const other = graph.filter((r) => !isDeltaPage(r)).length;
    const failed = requests.filter((r) => r.status >= 400).length;
    return `${requests.length} (token service ${tokenRequests}, Graph ${graph.length}: ${graph.length - other} delta pages${other > 0 ? `, ${other} other` : ''}${failed > 0 ? `; ${failed} answered >= 400` : ''})`;
  };
  const mb = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(0)} MB`);
  const summary = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((line) => `    | ${line}`)
      .join('\n');
  const line = '-'.repeat(100);

  console.log(line);
  console.log(
    `users: ${userCount} (${shape.disabled} disabled, ${shape.guests} guests with #EXT# UPNs, ${shape.noMail} members without mail)`,
  );
  console.log(
    `groups: ${groupCount}; ${shape.memberships} direct memberships; big: ${shape.bigGroups.map((b) => `${b.name} ${b.members}`).join(', ')}`,
  );
  console.log(
    `  groups/delta objects (<= 100 members@delta each): ~${shape.groupObjects}; tenant built in ${buildMs.toFixed(0)} ms`,
  );
  console.log(
    `CLI start-up (dirsync --help, same env): ${startupMs.toFixed(0)} ms; peak RSS ${mb(peakRssMb(startup.stderr))}`,
  );
  console.log(
    `first sync (full delta round, CLI child): ${first.ms.toFixed(0)} ms; peak RSS ${mb(first.rssMb)}; IdP requests ${count(first.requests)}`,
  );
  console.log(`  delta pages: users ${syncPagesBy('users')}, groups ${syncPagesBy('groups')}`);
  console.log(summary(first.result.stdout));
  const firstWarnings = withoutMark(first.result.stderr);
  if (firstWarnings !== '') console.log(`  stderr:\n${firstWarnings.slice(0, 2000)}`);
  console.log(
    `second sync (no changes): ${second.ms.toFixed(0)} ms; peak RSS ${mb(second.rssMb)}; IdP requests ${count(second.requests)}`,
  );
  console.log(summary(second.result.stdout));
  console.log(
    `floor (${floorPages} delta pages, sequential, plain node:https, ${(floorBytes / 1024 / 1024).toFixed(1)} MB of JSON): ${floorMs.toFixed(0)} ms`,
  );
  console.log(
    `  floor ${floorMode}${Object.keys(followed).length > 0 ? `: users ${followed['users'] ?? 0}, groups ${followed['groups'] ?? 0} pages` : ''}`,
  );
  console.log(`ratio first sync / floor: ${(first.ms / floorMs).toFixed(1)}`);
  console.log(line);
} finally {
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
}
