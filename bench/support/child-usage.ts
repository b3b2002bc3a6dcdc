/** What a CLI child used, as it printed it on exit. */
export interface ChildUsage {
  readonly maxRssKb: number;
  readonly userUs: number;
  readonly systemUs: number;
}

const MARK = '@@bench-usage ';

// Preloaded into the child through NODE_OPTIONS, so product code stays untouched: prints the child's peak RSS and
// CPU time to stderr when it exits (a SIGTERM the CLI handles still exits through 'exit').
const hook = [
  "import { isMainThread } from 'node:worker_threads';",
  "import { writeSync } from 'node:fs';",
  "if (isMainThread) process.on('exit', () => {",
  '  const u = process.resourceUsage();',
  `  writeSync(2, '\\n${MARK}' + JSON.stringify({ maxRssKb: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime }) + '\\n');`,
  '});',
].join('\n');

/** `NODE_OPTIONS` for a CLI child whose usage `childUsage` then reads from its stderr. */
export const USAGE_NODE_OPTIONS = `--import=data:text/javascript,${encodeURIComponent(hook)}`;

/** The usage the child printed; undefined when it died without running its exit handlers (SIGKILL). */
export function childUsage(stderr: string): ChildUsage | undefined {
  const line = stderr.split('\n').find((l) => l.startsWith(MARK));
  return line === undefined ? undefined : (JSON.parse(line.slice(MARK.length)) as ChildUsage);
}

/** The child's stderr without the usage line. */
export function withoutUsage(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.startsWith(MARK) && line.trim() !== '')
    .join('\n');
}

export function cpuMs(usage: ChildUsage): number {
  return (usage.userUs + usage.systemUs) / 1000;
}
