import { z } from 'zod';

/** The state a `$deltatoken` carries: where the next round starts and what it selects. */
export interface GraphDeltaToken {
  readonly kind: 'delta';
  readonly resource: 'users' | 'groups';
  /** Store sequence number the round saw last. */
  readonly seq: number;
  readonly select: readonly string[] | null;
  /** Tokens from an older generation are expired (see `GraphEmulator.expireDeltaTokens`). */
  readonly generation: number;
}

/** The state a `$skiptoken` carries inside a round: which prepared round, which page. */
export interface GraphSkipToken {
  readonly kind: 'skip';
  readonly round: string;
  readonly page: number;
}

export type GraphStateToken = GraphDeltaToken | GraphSkipToken;

const tokenSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('delta'),
    resource: z.enum(['users', 'groups']),
    seq: z.number().int().nonnegative(),
    select: z.array(z.string()).nullable(),
    generation: z.number().int().nonnegative(),
  }),
  z.object({ kind: z.literal('skip'), round: z.string(), page: z.number().int().nonnegative() }),
]);

/**
 * Graph's state tokens are opaque to clients; here they are base64url JSON, so a test can read one if it must.
 * Clients must not build or edit them, and the emulator treats anything it cannot read as unknown.
 */
export const graphStateTokenCodec = {
  encode(token: GraphStateToken): string {
    return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
  },
  /** The token, or undefined when it is not one the emulator issued. */
  decode(text: string): GraphStateToken | undefined {
    try {
      const parsed = tokenSchema.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  },
};
