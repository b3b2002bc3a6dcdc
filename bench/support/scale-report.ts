import { cpuMs } from './child-usage.js';
import { describeCensus, type OutboxCensus } from './outbox-census.js';
import type { IdpRequestMinimum, IdpRequests } from './scale-idp.js';
import type { ScimWriteFloor } from './scim-write-floor.js';
import type { SmtpInviteFloor } from './smtp-invite-floor.js';
import type { TimedCliRun } from './timed-cli-run.js';

/** DESIGN "Performance": the targets each figure is held against. */
export const TARGETS = {
  firstSyncRatio: 1.0,
  peakRssMb: 200,
  noopMs: 1_000,
  noopExtraRequests: 3,
  requestsRatio: 1.02,
};

export interface ScaleFigures {
  readonly title: string;
  readonly orgLines: readonly string[];
  readonly first: TimedCliRun;
  readonly timeoutMs: number;
  readonly firstIdp: IdpRequests;
  readonly minimum: IdpRequestMinimum;
  readonly noopMinimum: IdpRequestMinimum;
  readonly scimWrites: { readonly total: number; readonly breakdown: string };
  readonly mails: number;
  readonly census: OutboxCensus;
  readonly readFloor: { readonly ms: number; readonly requests: number; readonly note: string };
  readonly writeFloor: ScimWriteFloor;
  readonly mailFloor: SmtpInviteFloor;
  readonly noop:
    | {
        readonly run: TimedCliRun;
        readonly idp: IdpRequests;
        readonly floor: { readonly ms: number; readonly requests: number };
        readonly writes: number;
      }
    | undefined;
  /** A no-op after the no-op (`planSkipped`: it said so in its log). */
  readonly steadyNoop:
    | { readonly run: TimedCliRun; readonly idp: IdpRequests; readonly writes: number; readonly planSkipped: boolean }
    | undefined;
}

const s = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const at = (ms: number | undefined) => (ms === undefined ? '—' : s(ms));
const n = (value: number) => value.toLocaleString('en-US');
const ratio = (value: number) => value.toFixed(value < 10 ? 2 : 1);

/** One block of lines per IdP: each figure with its target and the ratio to it. */
export function formatScaleReport(f: ScaleFigures): string[] {
  const floorMs = f.readFloor.ms + f.writeFloor.ms + f.mailFloor.ms;
  const lines = [`== ${f.title}`, ...f.orgLines.map((line) => `org: ${line}`)];
  const { first } = f;
  if (first.timedOut) {
    lines.push(...stoppedLines(f, floorMs));
  } else {
    lines.push(
      `first sync ${s(first.ms)} | floor ${s(floorMs)} | ratio ${ratio(first.ms / floorMs)} (target ≤ ${TARGETS.firstSyncRatio.toFixed(1)})`,
    );
  }
  lines.push(
    `  floor = read ${s(f.readFloor.ms)} (${n(f.readFloor.requests)} IdP requests, sequential node:https; ${f.readFloor.note})` +
      ` + SCIM ${s(f.writeFloor.ms)} (${n(f.writeFloor.posts)} POSTs, ${n(f.writeFloor.patches)} PATCHes, sequential)` +
      ` + mail ${s(f.mailFloor.ms)} (${n(f.mailFloor.mails)} invites over one SMTP connection)`,
  );
  const rss = first.peakRssMb;
  lines.push(
    rss === undefined
      ? 'peak RSS n/a (the child printed no usage and /proc was not readable)'
      : `peak RSS ${rss.toFixed(0)} MB | target ≤ ${String(TARGETS.peakRssMb)} MB | ratio ${ratio(rss / TARGETS.peakRssMb)}` +
          `${first.usage === undefined ? ' (polled VmHWM)' : ''}; CPU ${first.usage === undefined ? 'n/a' : s(cpuMs(first.usage))}`,
  );
  lines.push(
    `IdP requests ${n(f.firstIdp.count)} | formula minimum ${n(f.minimum.requests)} | ratio ${(f.firstIdp.count / f.minimum.requests).toFixed(3)}` +
      ` (target ≤ ${TARGETS.requestsRatio.toFixed(2)})${first.timedOut ? ' (a stopped run: its read may be incomplete)' : ''}`,
    `  made: ${f.firstIdp.breakdown}${f.firstIdp.failed > 0 ? `; ${n(f.firstIdp.failed)} answered other than 200` : ''}`,
    `  minimum: ${f.minimum.formula}`,
  );
  const activeMs = first.timedOut ? f.timeoutMs : first.ms;
  lines.push(
    `ops/s ${ratio((f.scimWrites.total + f.mails) / (activeMs / 1000))} over the whole run ` +
      `(${n(f.scimWrites.total)} SCIM writes + ${n(f.mails)} mails in ${s(activeMs)}); SCIM writes: ${f.scimWrites.breakdown}`,
    ...phaseLines(first),
    `  outbox (applied/planned): ${describeCensus(f.census)}`,
  );
  lines.push(...noopLines(f));
  return lines;
}

function stoppedLines(f: ScaleFigures, floorMs: number): string[] {
  const { census, first } = f;
  const writes = first.spans['scim'];
  const lines = [
    `first sync STOPPED at ${s(f.timeoutMs)} (--timeout-s; exited ${s(first.ms)} after SIGTERM): ` +
      `${n(census.applied)}/${n(census.total)} ops applied (outbox)`,
  ];
  // Only an apply that ran a while before the stop says how fast the rest would go.
  const applyStart = writes?.first;
  if (applyStart === undefined || applyStart >= f.timeoutMs - 5_000 || census.applied === 0) {
    const idp = first.spans['idp'];
    lines.push(
      `  EXTRAPOLATED: n/a (stopped before its apply ran: IdP read ${at(idp?.first)} → ${at(idp?.last)}, ` +
        `${n(f.firstIdp.count)} IdP requests; ${n(census.total)} ops planned; first SCIM write ${at(applyStart)})`,
    );
    return lines;
  }
  const applyMs = f.timeoutMs - applyStart;
  const rate = census.applied / (applyMs / 1000);
  const extrapolatedMs = f.timeoutMs + ((census.total - census.applied) / rate) * 1000;
  lines.push(
    `  EXTRAPOLATED first sync ≈ ${s(extrapolatedMs)} (the ${n(census.total - census.applied)} ops left at the ${ratio(rate)} ops/s ` +
      `of its apply so far) | floor ${s(floorMs)} | EXTRAPOLATED ratio ≈ ${ratio(extrapolatedMs / floorMs)} (target ≤ ${TARGETS.firstSyncRatio.toFixed(1)})`,
  );
  return lines;
}

/** Where the time went: from when the emulators saw the first and last request of each kind, and the progress log. */
function phaseLines(run: TimedCliRun): string[] {
  const idp = run.spans['idp'];
  const scim = run.spans['scim'];
  const mail = run.spans['mail'];
  const lines = [
    `where the time went (from spawn): start-up to first IdP answer ${at(idp?.first)}; ` +
      `read ${at(idp?.first)} → ${at(idp?.last)}; mirror + plan until the first SCIM write ${at(scim?.first)}; ` +
      `SCIM writes ${at(scim?.first)} → ${at(scim?.last)}; mails ${at(mail?.first)} → ${at(mail?.last)}; exit ${s(run.ms)}`,
  ];
  // The CLI logs its progress every 5 s (`applying: done/total ops (kind)`): when each kind first shows.
  const kinds = new Map<string, number>();
  let planned: number | undefined;
  for (const line of run.lines) {
    const match = /^applying: [^/]+\/(.+?) ops \(([\w.]+)\)/.exec(line.msg);
    if (match === null) continue;
    planned ??= Number((match[1] ?? '').replace(/\D/g, ''));
    if (!kinds.has(match[2] ?? '')) kinds.set(match[2] ?? '', line.atMs);
  }
  if (kinds.size > 0) {
    lines.push(
      `  apply (progress log, 5 s resolution): ${planned === undefined ? '' : `${n(planned)} ops; `}` +
        [...kinds].map(([kind, t]) => `${kind} by ${s(t)}`).join(', '),
    );
  }
  return lines;
}

function noopLines(f: ScaleFigures): string[] {
  if (f.noop === undefined)
    return ['no-op sync: not measured (the first sync did not finish, so a second one would resume it)'];
  const { run, idp, floor, writes } = f.noop;
  const allowed = f.noopMinimum.requests + TARGETS.noopExtraRequests;
  return [
    `no-op sync ${s(run.ms)} | target ≤ ${s(TARGETS.noopMs)} | ratio ${ratio(run.ms / TARGETS.noopMs)}; no-op floor ${s(floor.ms)}` +
      (run.timedOut ? ' (STOPPED at the time limit)' : ''),
    `  IdP requests ${n(idp.count)} | target ≤ minimum ${n(f.noopMinimum.requests)} (${f.noopMinimum.formula}) + ${String(TARGETS.noopExtraRequests)} = ${n(allowed)} | ` +
      `ratio ${ratio(idp.count / allowed)}; made: ${idp.breakdown}; floor replayed ${n(floor.requests)}; SCIM writes ${n(writes)}` +
      `; peak RSS ${run.peakRssMb === undefined ? 'n/a' : `${run.peakRssMb.toFixed(0)} MB`}`,
    ...steadyNoopLines(f),
  ];
}

function steadyNoopLines(f: ScaleFigures): string[] {
  if (f.steadyNoop === undefined) return [];
  const { run, idp, writes, planSkipped } = f.steadyNoop;
  return [
    `steady no-op (a no-op after a no-op${planSkipped ? ', planning skipped' : ', PLANNED'}) ${s(run.ms)} | target ≤ ${s(TARGETS.noopMs)} | ` +
      `ratio ${ratio(run.ms / TARGETS.noopMs)}; IdP requests ${n(idp.count)}; SCIM writes ${n(writes)}; peak RSS ` +
      (run.peakRssMb === undefined ? 'n/a' : `${run.peakRssMb.toFixed(0)} MB`),
  ];
}
