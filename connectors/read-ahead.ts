/** One paged source of a read, started when the read has room for it. */
export type PagedSource<T> = (signal: AbortSignal) => AsyncIterable<T>;

export interface ReadAheadOptions {
  /** How many sources are read at the same time (the IdP sees at most this many requests at once). */
  readonly concurrency: number;
  /** How many pages of one source may wait for the consumer; the next page is requested while they wait. */
  readonly ahead: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The pages of several sources, yielded exactly as if the sources had been read one after the other (every page of
 * the first, then every page of the second, …), while up to `concurrency` of them are read at once and each runs
 * up to `ahead` pages ahead of the consumer. The consumer's work on one page and the IdP's answer to the next
 * overlap, and so do independent lists (one group's members and the next group's), yet the change stream, and so
 * everything downstream, stays the same as a sequential read. At most `concurrency × ahead` pages wait in memory.
 *
 * The first source is read alone until its first page has arrived: that answer teaches the rate budget the IdP's
 * limits and leaves the SDK holding an access token, so the sources that follow neither burst into a limit nobody has
 * seen yet nor each fetch a token of their own.
 *
 * A source that fails fails the read when the consumer reaches it (the pages before it are delivered first, as a
 * sequential read would have); no further source is started once one has failed. When the consumer stops early or
 * the signal aborts, the sources still running are aborted, and the read ends only once they have closed (a source
 * must heed its signal).
 */
export async function* readAheadInOrder<T>(
  sources: Iterable<PagedSource<T>>,
  options: ReadAheadOptions,
): AsyncGenerator<T, void, undefined> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`readAheadInOrder: concurrency must be a whole number ≥ 1, not ${options.concurrency}`);
  }
  if (!Number.isInteger(options.ahead) || options.ahead < 1) {
    throw new RangeError(`readAheadInOrder: ahead must be a whole number ≥ 1, not ${options.ahead}`);
  }
  const controller = new AbortController();
  const abort = (): void => {
    controller.abort(options.signal?.reason);
  };
  if (options.signal?.aborted === true) abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  const waiting = sources[Symbol.iterator]();
  const running: SourceBuffer<T>[] = [];
  let failed = false;
  let room = 1;
  const startMore = (): void => {
    while (!failed && !controller.signal.aborted && running.length < room) {
      const next = waiting.next();
      if (next.done === true) return;
      running.push(
        new SourceBuffer(next.value(controller.signal), options.ahead, () => {
          failed = true;
        }),
      );
    }
  };
  try {
    startMore();
    for (let head = running[0]; head !== undefined; head = running[0]) {
      let page = await head.take();
      if (room < options.concurrency) {
        room = options.concurrency;
        startMore();
      }
      for (; page.done !== true; page = await head.take()) yield page.value;
      running.shift();
      startMore();
    }
  } finally {
    options.signal?.removeEventListener('abort', abort);
    controller.abort();
    for (const buffer of running) buffer.discard();
    // Nothing of the read outlives it: a request still in flight would spend the rate budget (and the token) of a
    // read its caller has already given up on.
    await Promise.all(running.map((buffer) => buffer.settled));
  }
}

/** One running source: its pump reads pages into a bounded queue, the consumer takes them in order. */
class SourceBuffer<T> {
  readonly #pages: T[] = [];
  #ended = false;
  #failure: { readonly error: unknown } | undefined;
  #discarded = false;
  #wakeConsumer: (() => void) | undefined;
  #wakePump: (() => void) | undefined;
  /** Resolves once the source is closed (never rejects: its failure is kept for `take`). */
  readonly settled: Promise<void>;

  constructor(
    source: AsyncIterable<T>,
    private readonly ahead: number,
    private readonly onFailure: () => void,
  ) {
    this.settled = this.#pump(source);
  }

  /** The next page, `done` at the end of the source; throws what the source threw, once its pages are taken. */
  async take(): Promise<IteratorResult<T, void>> {
    for (;;) {
      if (this.#pages.length > 0) {
        const page = this.#pages.shift() as T;
        this.#wake('pump');
        return { done: false, value: page };
      }
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.#wakeConsumer = resolve;
      });
    }
  }

  /** Stops the pump at its next page (the source's `finally` runs) and drops what it buffered. */
  discard(): void {
    this.#discarded = true;
    this.#pages.length = 0;
    this.#wake('pump');
  }

  async #pump(source: AsyncIterable<T>): Promise<void> {
    try {
      for await (const page of source) {
        if (this.#discarded) return;
        this.#pages.push(page);
        this.#wake('consumer');
        while (this.#pages.length >= this.ahead && !this.#discarded) {
          await new Promise<void>((resolve) => {
            this.#wakePump = resolve;
          });
        }
        if (this.#discarded) return;
      }
    } catch (error) {
      if (this.#discarded) return;
      this.#failure = { error };
      this.onFailure();
    } finally {
      this.#ended = true;
      this.#wake('consumer');
    }
  }

  #wake(who: 'consumer' | 'pump'): void {
    const wake = who === 'consumer' ? this.#wakeConsumer : this.#wakePump;
    if (who === 'consumer') this.#wakeConsumer = undefined;
    else this.#wakePump = undefined;
    wake?.();
  }
}
