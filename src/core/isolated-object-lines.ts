import type { IsolatedObject } from './model/isolated-object.js';

/** Most isolated objects a run summary lists one per line; `dirsync status` and the log have them all. */
export const MAX_ISOLATED_LINES = 20;

/**
 * The lines a run summary gives the objects its read isolated (none when there are none): how many, then one per
 * object by kind and IdP id with the reason, at most `MAX_ISOLATED_LINES`. Ids and reasons passed the read's check,
 * so they are safe to print. A full read that met objects without a usable id says what that cost: it removed
 * nothing of that kind as no longer in the IdP, since the unnamed object may be any of them.
 */
export function isolatedObjectLines(isolated: readonly IsolatedObject[], full: boolean): string[] {
  if (isolated.length === 0) return [];
  const lines = [`${isolated.length} object${isolated.length === 1 ? '' : 's'} isolated (not synced):`];
  for (const object of isolated.slice(0, MAX_ISOLATED_LINES)) {
    lines.push(`  ${object.kind} ${object.id ?? '(no usable id)'}: ${object.reason}`);
  }
  if (isolated.length > MAX_ISOLATED_LINES) {
    lines.push(`  and ${isolated.length - MAX_ISOLATED_LINES} more; see \`dirsync status\``);
  }
  // Under 100 columns, like the rest of the summary.
  lines.push(
    'Each stays as the mirror last knew it, never deactivated or deleted because of it, until the IdP',
    'sends it in a form dirsync takes: fix the record in the IdP.',
  );
  const unnamed = new Set(isolated.filter((object) => object.id === null).map((object) => object.kind));
  if (full && unnamed.size > 0) {
    const kinds = [...unnamed]
      .sort()
      .reverse()
      .map((kind) => `${kind}s`)
      .join(' or ');
    lines.push(
      `An object without a usable id may be any of the ${kinds} dirsync knows, so this read removed`,
      `no ${kinds} as no longer in the IdP.`,
    );
  }
  return lines;
}
