import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryRateBudget } from './memory-rate-budget.js';
import { DEFAULT_RATE_RESERVE_SHARE, type RateBudget, type RateWindow, type RefillRate } from './rate-budget.js';
import { UNKNOWN_LIMIT_REQUESTS, UNKNOWN_RESET_HOLD_MS } from './rate-bucket.js';

/** The one Redis command the budget sends (an ioredis client fits). */
export interface RateBudgetRedis {
  eval(script: string, numberOfKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Where the budget reports that Redis went away and came back (a pino logger fits). */
export interface RateBudgetLog {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export interface RedisRateBudgetOptions {
  /** Prefix of every key; default `dirsync:rate:`. Tests use one of their own. */
  readonly keyPrefix?: string;
  readonly reserveShare?: number;
  /** Redis described without credentials, for the log lines. */
  readonly redisName?: string;
  /** How long after a failed command the budget stays in this process before trying Redis again; default 5 s. */
  readonly retryRedisAfterMs?: number;
}

/** Idle buckets go away: a tenant not read for an hour starts from what its next answer says. */
const BUCKET_TTL_MS = 3_600_000;

// The rules of `takeRateSlot` and `observeRateWindow` (rate-bucket.ts), run atomically on Redis's own clock so that
// workers on hosts with skewed clocks agree on when a window resets.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const TAKE = `local b = redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'window', 'resetAt')
local limit = tonumber(b[1]) or 0
local remaining = tonumber(b[2]) or 0
local resetAt = tonumber(b[4]) or 0
local hold = 0
if limit == 0 then
  ${NOW}
  if resetAt == 0 then resetAt = now + tonumber(ARGV[2]) end
  if remaining <= -tonumber(ARGV[4]) and now < resetAt then
    hold = resetAt - now
  else
    remaining = remaining - 1
  end
else
  ${NOW}
  if resetAt > 0 and now >= resetAt then
    remaining = limit
    resetAt = 0
  end
  if remaining <= math.max(1, math.ceil(limit * tonumber(ARGV[1]))) then
    if resetAt > 0 then hold = resetAt - now else hold = tonumber(ARGV[2]) end
  else
    remaining = remaining - 1
  end
end
redis.call('HSET', KEYS[1], 'limit', limit, 'remaining', remaining, 'resetAt', resetAt)
if not b[3] then redis.call('HSET', KEYS[1], 'window', 0) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return hold`;

const OBSERVE = `${NOW}
local limit = tonumber(ARGV[1])
local remaining = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'window', 'resetAt')
local known = tonumber(b[1]) or 0
if b[1] and known == 0 then
  remaining = math.min(remaining, limit + tonumber(b[2]))
elseif b[1] then
  if window < tonumber(b[3]) then return 0 end
  if window == tonumber(b[3]) or tonumber(b[4]) == 0 then remaining = math.min(remaining, tonumber(b[2])) end
end
redis.call('HSET', KEYS[1], 'limit', limit, 'remaining', remaining, 'window', window,
  'resetAt', now + math.max(0, tonumber(ARGV[4])))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

// The rules of refill-bucket.ts. ARGV[1..2]: capacity, period (ms); the bucket refilled up to now, in `tokens`.
const REFILLED = `${NOW}
local capacity = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'holdUntil')
local holdUntil = tonumber(b[3]) or 0
local tokens = capacity
if b[1] then
  tokens = math.min(capacity, tonumber(b[1]) + math.max(0, now - tonumber(b[2])) * capacity / period)
end`;

// ARGV[3..5]: cost, reserve share, TTL.
const TAKE_REFILL = `${REFILLED}
if now < holdUntil then return holdUntil - now end
local reserve = math.max(1, math.ceil(capacity * tonumber(ARGV[4])))
local cost = tonumber(ARGV[3])
local need = math.min(cost, capacity - reserve)
local hold = 0
if tokens - need < reserve then
  hold = math.max(1, math.ceil((reserve + need - tokens) * period / capacity))
else
  tokens = tokens - cost
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now, 'holdUntil', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return hold`;

// ARGV[3..4]: what the server said is left, TTL.
const OBSERVE_REFILL = `${REFILLED}
redis.call('HSET', KEYS[1], 'tokens', tostring(math.min(tokens, tonumber(ARGV[3]))), 'at', now, 'holdUntil', holdUntil)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

// ARGV[3..4]: how long to hold (ms), TTL.
const HOLD_REFILL = `${REFILLED}
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now,
  'holdUntil', math.max(holdUntil, now + math.max(0, tonumber(ARGV[3]))))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

/**
 * A `RateBudget` every worker sharing the Redis takes from: one hash per key (`dirsync:rate:<key>`), changed only by
 * Lua scripts, so two workers never both take the last slot and one worker's answers pace the others.
 *
 * Redis unreachable does not stop a sync: the budget logs one warning and paces within this process
 * (`MemoryRateBudget`) until a command succeeds again, which it logs too.
 */
export class RedisRateBudget implements RateBudget {
  readonly #fallback: MemoryRateBudget;
  readonly #prefix: string;
  readonly #reserveShare: number;
  readonly #retryAfterMs: number;
  #downUntil = 0;
  #down = false;

  constructor(
    private readonly redis: RateBudgetRedis,
    private readonly log: RateBudgetLog,
    private readonly options: RedisRateBudgetOptions = {},
  ) {
    this.#prefix = options.keyPrefix ?? 'dirsync:rate:';
    this.#reserveShare = options.reserveShare ?? DEFAULT_RATE_RESERVE_SHARE;
    this.#retryAfterMs = options.retryRedisAfterMs ?? 5_000;
    this.#fallback = new MemoryRateBudget(this.#reserveShare);
  }

  async take(key: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const hold = await this.#run(TAKE, key, [
        this.#reserveShare,
        UNKNOWN_RESET_HOLD_MS,
        BUCKET_TTL_MS,
        UNKNOWN_LIMIT_REQUESTS,
      ]);
      if (hold === undefined) return this.#fallback.take(key, signal);
      if (typeof hold !== 'number' || hold <= 0) return;
      await sleep(hold, undefined, signal === undefined ? undefined : { signal });
    }
  }

  async observe(key: string, window: RateWindow): Promise<void> {
    const args = [window.limit, window.remaining, window.window, Math.ceil(window.resetInMs), BUCKET_TTL_MS];
    if ((await this.#run(OBSERVE, key, args)) === undefined) await this.#fallback.observe(key, window);
  }

  async takeRefill(key: string, cost: number, rate: RefillRate, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const args = [rate.capacity, rate.periodMs, cost, this.#reserveShare, BUCKET_TTL_MS];
      const hold = await this.#run(TAKE_REFILL, key, args);
      if (hold === undefined) return this.#fallback.takeRefill(key, cost, rate, signal);
      if (typeof hold !== 'number' || hold <= 0) return;
      await sleep(hold, undefined, signal === undefined ? undefined : { signal });
    }
  }

  async observeRefill(key: string, remaining: number, rate: RefillRate): Promise<void> {
    const args = [rate.capacity, rate.periodMs, remaining, BUCKET_TTL_MS];
    if ((await this.#run(OBSERVE_REFILL, key, args)) === undefined) {
      await this.#fallback.observeRefill(key, remaining, rate);
    }
  }

  async holdRefill(key: string, ms: number, rate: RefillRate): Promise<void> {
    const args = [rate.capacity, rate.periodMs, Math.ceil(ms), BUCKET_TTL_MS];
    if ((await this.#run(HOLD_REFILL, key, args)) === undefined) await this.#fallback.holdRefill(key, ms, rate);
  }

  /** The script's answer, or undefined when Redis did not give one (the caller falls back). */
  async #run(script: string, key: string, args: number[]): Promise<unknown> {
    if (this.#down && Date.now() < this.#downUntil) return undefined;
    try {
      const answer = await this.redis.eval(script, 1, this.#prefix + key, ...args);
      if (this.#down) {
        this.#down = false;
        this.log.info({ redis: this.#name }, `IdP request pacing is shared again through Redis at ${this.#name}`);
      }
      return answer;
    } catch (error) {
      this.#downUntil = Date.now() + this.#retryAfterMs;
      if (!this.#down) {
        this.#down = true;
        this.log.warn(
          { redis: this.#name, err: error instanceof Error ? error.message : String(error) },
          `Redis at ${this.#name} did not answer: IdP requests are paced by this worker alone (other workers of the ` +
            'same tenant are not counted) until it is back; syncs go on',
        );
      }
      return undefined;
    }
  }

  get #name(): string {
    return this.options.redisName ?? 'REDIS_URL';
  }
}
