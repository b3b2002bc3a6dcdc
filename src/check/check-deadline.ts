/**
 * `work`'s value, or `late()` when `ms` pass first. The work is not cancelled (the SDKs take no signal
 * everywhere): its own client timeouts end it later, and its outcome is then ignored. The timer never keeps the
 * process alive.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      resolve(late());
    }, ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** `15 s`, `500 ms`: a timeout as an operator reads it. */
export function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
