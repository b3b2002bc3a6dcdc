import type { Log } from '../logger.js';
import type { SyncProgress, SyncProgressEvent } from '../sync/sync-progress.js';

const LOG_EVERY_MS = 5_000;

/**
 * Progress of a long run: a self-rewriting line on a terminal, periodic log lines otherwise (a worker's logs
 * must show that a 20 000-user read is moving without a line per page).
 */
export function createProgressReporter(stream: NodeJS.WriteStream, log: Log, now: () => number): SyncProgress {
  if (stream.isTTY) {
    let last = Number.NEGATIVE_INFINITY;
    return (event) => {
      const t = now();
      const final = event.type === 'read.done' || event.type === 'plan.done' || isLastOp(event);
      if (!final && t - last < 100) return;
      last = t;
      stream.write(`\r\x1b[2K${describe(event)}${final ? '\n' : ''}`);
    };
  }
  let last = now();
  return (event) => {
    const t = now();
    if (event.type === 'read.page' || event.type === 'apply.op') {
      if (t - last < LOG_EVERY_MS) return;
      last = t;
      log.info({ progress: event }, describe(event));
    }
  };
}

function isLastOp(event: SyncProgressEvent): boolean {
  return event.type === 'apply.op' && event.done === event.total;
}

function describe(event: SyncProgressEvent): string {
  switch (event.type) {
    case 'read.page':
      return `reading the directory: ${event.pages} pages, ${event.objects} objects`;
    case 'read.done':
      return `read the directory (${event.full ? 'full' : 'changes only'}): ${event.pages} pages, ${event.objects} objects`;
    case 'plan.done':
      return `planned ${event.ops} ops`;
    case 'apply.op':
      return `applying: ${event.done}/${event.total} ops (${event.kind})`;
  }
}
