// `--cpu-prof` is refused in NODE_OPTIONS, so a preloaded hook starts the V8 profiler through node:inspector and
// writes the profile when the process exits (the in-process inspector session answers synchronously, so this
// works inside an 'exit' handler). Open the .cpuprofile files in Chrome DevTools or speedscope.
const hook = (dir: string): string =>
  [
    "import { isMainThread } from 'node:worker_threads';",
    "import { Session } from 'node:inspector';",
    "import { writeFileSync, mkdirSync } from 'node:fs';",
    'if (isMainThread) {',
    '  const session = new Session(); session.connect();',
    "  session.post('Profiler.enable'); session.post('Profiler.setSamplingInterval', { interval: 500 });",
    "  session.post('Profiler.start');",
    "  process.on('exit', () => session.post('Profiler.stop', (err, res) => {",
    `    if (err) return; mkdirSync(${JSON.stringify(dir)}, { recursive: true });`,
    `    writeFileSync(${JSON.stringify(dir)} + '/' + process.pid + '.cpuprofile', JSON.stringify(res.profile));`,
    '  }));',
    '}',
  ].join('\n');

/** NODE_OPTIONS that make a child write its CPU profile into `dir` on exit. */
export function cpuProfileNodeOptions(dir: string): string {
  return `--import=data:text/javascript,${encodeURIComponent(hook(dir))}`;
}
