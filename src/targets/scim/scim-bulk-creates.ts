import { z } from 'zod';
import type { ScimDialectLessons } from './scim-dialect.js';
import type { ScimHttp, ScimHttpResponse } from './scim-http.js';
import type { ScimBulkLimits } from './scim-provider-capabilities.js';

export const SCIM_BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

/** What became of one create sent in a bulk; the caller finishes the create from it. */
export type BulkCreateOutcome =
  | { readonly kind: 'created'; readonly appId: string }
  /** The app answered this operation with an error (a 409, a 400): judged as the answer to a single POST. */
  | { readonly kind: 'answered'; readonly response: ScimHttpResponse }
  /** Known not performed (the bulk was refused whole, or the operation got a 429): send it on its own. */
  | { readonly kind: 'not-sent' }
  /** Performed or not, nobody can tell (the answer was lost, a 5xx, no result for it): look it up, then send. */
  | { readonly kind: 'unknown' };

interface Queued {
  readonly bulkId: string;
  readonly operation: string;
  readonly bytes: number;
  readonly settle: (outcome: BulkCreateOutcome) => void;
  readonly fail: (error: unknown) => void;
}

/** The bytes of the request around its operations (`{"schemas":[…],"Operations":[…]}`) and between them. */
const ENVELOPE_BYTES = 128;

/** RFC 7644 §3.7.3: one result per operation performed, matched to ours by `bulkId`; `status` is the HTTP code. */
const bulkResponseSchema = z.looseObject({
  Operations: z.array(
    z.looseObject({
      bulkId: z.string().nullish(),
      location: z.string().nullish(),
      status: z.union([z.string(), z.number()]),
      response: z.unknown().optional(),
    }),
  ),
});

/** Outcomes handed back per turn of the event loop: I/O waiting meanwhile (mail replies) goes in between. */
export const SETTLE_SLICE = 10;

/** Stands for a lost answer: `findLanded` returns it, and every operation of that bulk is then `unknown`. */
const ANSWER_LOST = Object.freeze({ answer: 'lost' });

/**
 * User creates of one target gathered into `POST /Bulk` requests (RFC 7644 §3.7), up to the app's `maxOperations`
 * and `maxPayloadSize`: creates asked for in the same turn of the event loop go together, and a full bulk goes at
 * once. Each create keeps its own outcome: the app's answer to its operation, or, when the bulk as a whole went
 * wrong, what the caller needs to finish the create on its own without making it twice.
 *
 * Exactly-once does not change: every create in a bulk was marked attempted before it was handed over, and a bulk
 * whose answer was lost (a 5xx, a timeout, a dropped connection) is never sent again as a whole: each of its
 * creates is looked up by its externalId before it is sent alone (DESIGN "Safety", as for a single create).
 */
export class ScimBulkCreates {
  readonly #http: ScimHttp;
  readonly #learn: (lesson: NonNullable<ScimDialectLessons['bulk']>) => void;
  #queue: Queued[] = [];
  #queuedBytes = ENVELOPE_BYTES;
  #scheduled = false;
  #sequence = 0;

  /** `learn` keeps what a refused bulk taught: no `/Bulk` at all, or fewer operations per request. */
  constructor(http: ScimHttp, learn: (lesson: NonNullable<ScimDialectLessons['bulk']>) => void) {
    this.#http = http;
    this.#learn = learn;
  }

  /** Queues a `POST /Users` of `body`; settles when the bulk it went in was answered. */
  create(body: Readonly<Record<string, unknown>>, limits: ScimBulkLimits): Promise<BulkCreateOutcome> {
    const bulkId = `create-${String(++this.#sequence)}`;
    // Serialized once here, to weigh it against maxPayloadSize, and spliced into the request as it is.
    const operation = JSON.stringify({ method: 'POST', bulkId, path: '/Users', data: body });
    const bytes = Buffer.byteLength(operation) + 1;
    if (ENVELOPE_BYTES + bytes > limits.maxPayloadSize) return Promise.resolve({ kind: 'not-sent' });
    return new Promise((settle, fail) => {
      if (this.#queue.length > 0 && !this.#fits(bytes, limits)) this.#sendQueued();
      this.#queue.push({ bulkId, operation, bytes, settle, fail });
      this.#queuedBytes += bytes;
      if (this.#queue.length >= limits.maxOperations) this.#sendQueued();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#sendQueued();
        });
      }
    });
  }

  #fits(bytes: number, limits: ScimBulkLimits): boolean {
    return this.#queue.length < limits.maxOperations && this.#queuedBytes + bytes <= limits.maxPayloadSize;
  }

  #sendQueued(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    this.#queuedBytes = ENVELOPE_BYTES;
    void this.#send(batch);
  }

  async #send(batch: readonly Queued[]): Promise<void> {
    let outcomes: readonly BulkCreateOutcome[];
    try {
      outcomes = await this.#request(batch);
    } catch (error) {
      // Thrown by the transport's judgement: a rejected token, a redirect, retries exhausted. Each create fails
      // with it, as its own POST would have.
      for (const queued of batch) queued.fail(error);
      return;
    }
    for (let start = 0; start < batch.length; start += SETTLE_SLICE) {
      // Each outcome runs its create's bookkeeping and starts the next op at once; a bulk's hundred of them in one go
      // held up everything else the process had to do (an invite's next step waited for the whole burst).
      if (start > 0) await new Promise((next) => setImmediate(next));
      batch.slice(start, start + SETTLE_SLICE).forEach((queued, index) => {
        queued.settle(outcomes[start + index] ?? { kind: 'unknown' });
      });
    }
  }

  async #request(batch: readonly Queued[]): Promise<readonly BulkCreateOutcome[]> {
    const text = `{"schemas":["${SCIM_BULK_REQUEST_SCHEMA}"],"Operations":[${batch.map((queued) => queued.operation).join(',')}]}`;
    const response = await this.#http.request('POST', 'Bulk', {
      jsonText: text,
      // A bulk whose outcome is unknown is not sent again whole: its creates are each looked up, then sent alone.
      findLanded: () => Promise.resolve(ANSWER_LOST),
    });
    const all = (outcome: BulkCreateOutcome) => batch.map(() => outcome);
    if (response.body === ANSWER_LOST) return all({ kind: 'unknown' });
    if (response.status === 413) {
      // RFC 7644 §3.7.4: more than the app takes after all. Nothing was performed; later bulks are halved.
      this.#learn({ maxOperations: Math.floor(batch.length / 2) });
      return all({ kind: 'not-sent' });
    }
    if (response.status < 200 || response.status >= 300) {
      // 404, 405, 501: no /Bulk here, whatever /ServiceProviderConfig says; 400: not in a form it takes. Either
      // way nothing was performed, and the creates go one by one from now on.
      this.#learn(false);
      return all({ kind: 'not-sent' });
    }
    const parsed = bulkResponseSchema.safeParse(response.body);
    if (!parsed.success) {
      // A success we cannot read may have created them all: each is looked up before it is sent again.
      this.#learn(false);
      return all({ kind: 'unknown' });
    }
    const results = new Map(parsed.data.Operations.map((result) => [result.bulkId ?? '', result]));
    return batch.map((queued) => {
      const result = results.get(queued.bulkId);
      return result === undefined ? { kind: 'unknown' } : outcomeOf(result);
    });
  }
}

function outcomeOf(result: z.infer<typeof bulkResponseSchema>['Operations'][number]): BulkCreateOutcome {
  const status = Number(result.status);
  if (!Number.isInteger(status)) return { kind: 'unknown' };
  if (status >= 200 && status < 300) {
    const appId = idOf(result.response) ?? idFromLocation(result.location);
    // Created, but under an id we cannot read: found by its externalId like a create whose answer was lost.
    return appId === undefined ? { kind: 'unknown' } : { kind: 'created', appId };
  }
  // RFC 6585 §4: a 429 refused the operation before doing anything; a 5xx may have done it.
  if (status === 429) return { kind: 'not-sent' };
  if (status >= 500) return { kind: 'unknown' };
  const body = result.response;
  return { kind: 'answered', response: { status, body, text: body === undefined ? '' : JSON.stringify(body) } };
}

function idOf(resource: unknown): string | undefined {
  if (typeof resource !== 'object' || resource === null || !('id' in resource)) return undefined;
  return typeof resource.id === 'string' && resource.id !== '' ? resource.id : undefined;
}

/** RFC 7644 §3.7.3: `location` is the created resource's URI, its last path segment the id. */
function idFromLocation(location: string | null | undefined): string | undefined {
  if (location === null || location === undefined) return undefined;
  const path = location.split(/[?#]/)[0] ?? '';
  const segment = path.slice(path.lastIndexOf('/') + 1);
  if (segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
