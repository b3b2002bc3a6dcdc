const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The one duration syntax of every interval dirsync reads (`SYNC_INTERVAL`, `OKTA_FULL_SYNC_INTERVAL`, a
 * connection's `schedule`, …): one or more `<whole number><unit>` with units `ms`, `s`, `m`, `h`, `d`, e.g.
 * `30s`, `15m`, `1d12h`, `500ms`. Returns milliseconds, or undefined when the text is not such a duration or is
 * zero (a zero interval is always a mistake).
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().replace(/\s+/g, '');
  if (!/^(\d+(ms|s|m|h|d))+$/i.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.toLowerCase().matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isSafeInteger(total) && total > 0 ? total : undefined;
}

/** `900000` → `15m`, `90000` → `1m30s`: the inverse of `parseDuration`, for messages and `status`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return `${ms}ms`;
  let rest = Math.round(ms);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
