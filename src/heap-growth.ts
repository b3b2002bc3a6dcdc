import { setFlagsFromString } from 'node:v8';

/** How far past the live set V8 may grow the heap between full collections: to twice the live set. */
export const HEAP_GROWING_PERCENT = 100;

/**
 * Fixes V8's heap growing factor for this process, unless `node --heap-growing-percent=…` set one. By default V8
 * picks a factor of up to 4 from how cheap its last collections were, and a sync allocates fast and briefly (pages,
 * rows, requests, mails), so the heap of a first sync grew to ~4x what was live: at 20 000 users a live set of
 * 60-80 MB made a peak RSS of ~355-415 MB, and 267 MB with the factor fixed at 2, for the same CPU
 * (`bench/scale.ts`). The flag is one V8 reads whenever it sets a new limit, so setting it at start takes effect.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
