// Summarises a V8 .cpuprofile (from BENCH_CPU_PROF) in the terminal: self time by package or project file, and the
// heaviest functions, optionally within a time window of the run.
//   npx vite-node bench/profile-summary.ts <file.cpuprofile> [--from-s 60 --to-s 120] [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'from-s': { type: 'string' }, 'to-s': { type: 'string' }, top: { type: 'string', default: '25' } },
});
const file = positionals[0];
if (file === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--from-s N --to-s N] [--top N]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const fromUs = Number(values['from-s'] ?? 0) * 1e6;
const toUs = values['to-s'] === undefined ? Infinity : Number(values['to-s']) * 1e6;
const top = Number(values.top);

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const byArea = new Map<string, number>();
const byFunction = new Map<string, number>();
let elapsedUs = 0;
let totalUs = 0;
profile.samples.forEach((id, index) => {
  const delta = profile.timeDeltas[index] ?? 0;
  elapsedUs += delta;
  if (elapsedUs < fromUs || elapsedUs > toUs) return;
  const frame = nodes.get(id)?.callFrame;
  if (frame === undefined) return;
  totalUs += delta;
  const area = areaOf(frame.url, frame.functionName);
  byArea.set(area, (byArea.get(area) ?? 0) + delta);
  const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
});

const print = (title: string, table: Map<string, number>): void => {
  console.log(`\n${title}`);
  for (const [name, us] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1e6).toFixed(2).padStart(8)} s ${((100 * us) / totalUs).toFixed(1).padStart(5)} %  ${name}`);
  }
};
console.log(`${file}: ${(totalUs / 1e6).toFixed(2)} s sampled (of ${(elapsedUs / 1e6).toFixed(2)} s)`);
print('self time by area', byArea);
print('self time by function', byFunction);

/** A package under node_modules, a project file, node's internals, or V8's own (GC, idle, program). */
function areaOf(url: string, functionName: string): string {
  if (url === '') return `(${functionName || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith('node:')) return url.split('/')[0] ?? url;
  const own = /\/(dist\/)?((?:src|connectors)\/.+)$/.exec(url);
  return own?.[2] ?? url;
}

function shortUrl(url: string): string {
  return url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist\/)?/, '');
}
