/** What an injected fault does to a matching request. */
export type OktaFaultKind =
  | { readonly type: 'status'; readonly status: 500 | 502 | 503 | 504 }
  | { readonly type: 'reset' }
  | { readonly type: 'delay'; readonly ms: number }
  /** Answers with a redirect to `location` (another origin the test controls) instead of the resource. */
  | { readonly type: 'redirect'; readonly status: 301 | 302 | 303 | 307 | 308; readonly location: string }
  /** Answers normally, but with `next` as the page's `Link rel="next"` (a forged link, e.g. to another port). */
  | { readonly type: 'link'; readonly next: string };

export interface OktaFault {
  /** Matches the path (without query): a prefix string or a regular expression. */
  readonly path: string | RegExp;
  readonly kind: OktaFaultKind;
  /** How many matching requests it hits; default 1. */
  readonly times?: number;
}

/** Faults queued by tests; each fires for the next `times` matching requests and then disarms itself. */
export class OktaFaultInjector {
  private readonly armed: { fault: OktaFault; left: number }[] = [];

  inject(fault: OktaFault): void {
    this.armed.push({ fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.armed.length = 0;
  }

  /** The first armed fault matching `pathname`, consuming one of its shots. */
  take(pathname: string): OktaFaultKind | undefined {
    const entry = this.armed.find(({ fault }) =>
      typeof fault.path === 'string' ? pathname.startsWith(fault.path) : fault.path.test(pathname),
    );
    if (entry === undefined) return undefined;
    entry.left -= 1;
    if (entry.left <= 0) this.armed.splice(this.armed.indexOf(entry), 1);
    return entry.fault.kind;
  }
}
