/**
 * Per-tenant rate limits for the HTTP transport: a token bucket per subject (a tenant id) holding at most
 * `burst` tokens, refilled continuously at `perMinute / 60` tokens a second; each request takes one token
 * (`take`'s `cost` more for a request that carries several, e.g. a JSON-RPC batch; at most the whole bucket).
 *
 * Two stores: in memory (one process) and Redis (every replica shares one budget per tenant). A
 * `perMinute` of 0 means no limit, whichever factory is called.
 */
import { log } from "../observability/log.ts";
import { KindThrottledLog } from "../observability/throttled_log.ts";
import { type Redis, REDIS_KEY_PREFIX, redisCommand, RedisNeed } from "../redis.ts";

export interface RateDecision {
  allowed: boolean;
  /** whole seconds until a token is available; 0 when allowed */
  retryAfterSeconds: number;
  /** whole tokens left after this request (Infinity when there is no limit) */
  remaining: number;
}

export interface RateLimiter {
  /**
   * Takes `cost` tokens (default 1; more than `burst` counts as `burst`) from the bucket of `subjects` (one,
   * or several: from each of them, or, when any has too few, from none).
   */
  take(subjects: string | readonly string[], cost?: number): Promise<RateDecision>;
  close(): Promise<void>;
  /** What the limiter needs Redis to do (the Redis limiter: run its script), for start-up and `/readyz`. */
  readonly redisNeeds?: readonly RedisNeed[];
}

/** Buckets kept in memory before idle ones are dropped, unless `maxSubjects` says otherwise. */
export const DEFAULT_MAX_SUBJECTS = 10_000;

/** Default ceiling on one Redis round trip before the limiter gives up and fails open. */
export const DEFAULT_REDIS_TIMEOUT_MS = 500;

const SWEEP_INTERVAL_MS = 1000;
/** Absorbs float error so that e.g. exactly one second to go is 1, not 2. */
const EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  /** clock reading (ms) when `tokens` was last computed */
  at: number;
}

/** A limiter that allows everything (`perMinute` 0). */
export function createNoRateLimiter(): RateLimiter {
  const decision: RateDecision = { allowed: true, retryAfterSeconds: 0, remaining: Infinity };
  return {
    take: () => Promise.resolve({ ...decision }),
    close: () => Promise.resolve(),
  };
}

/**
 * A token bucket per subject in this process. `now` (ms, default `Date.now`) is injectable for tests.
 *
 * Memory stays bounded: at most `maxSubjects` buckets are kept, in least-recently-used order. When a new
 * subject arrives at the bound, buckets that have refilled completely are dropped first (a full bucket is
 * the same as no bucket, so this loses nothing); only if none has, the least recently used bucket is
 * dropped, which forgives whatever that subject still owed.
 */
export function createMemoryRateLimiter(
  options: { perMinute: number; burst: number; now?: () => number; maxSubjects?: number },
): RateLimiter {
  validate(options.perMinute, options.burst);
  if (options.perMinute === 0) return createNoRateLimiter();
  const { burst } = options;
  const now = options.now ?? Date.now;
  const maxSubjects = options.maxSubjects ?? DEFAULT_MAX_SUBJECTS;
  if (!Number.isInteger(maxSubjects) || maxSubjects < 1) {
    throw new RangeError(`maxSubjects must be a positive integer, got ${maxSubjects}`);
  }
  const perMs = options.perMinute / 60_000;
  /** Insertion order is recency order: a bucket is re-inserted on every use. */
  const buckets = new Map<string, Bucket>();
  let nextSweepAt = -Infinity;

  const refill = (bucket: Bucket, at: number): void => {
    const elapsed = Math.max(0, at - bucket.at);
    bucket.tokens = Math.min(burst, bucket.tokens + elapsed * perMs);
    bucket.at = at;
  };

  const makeRoom = (at: number): void => {
    if (at >= nextSweepAt) {
      nextSweepAt = at + SWEEP_INTERVAL_MS;
      for (const [subject, bucket] of buckets) {
        refill(bucket, at);
        if (bucket.tokens >= burst) buckets.delete(subject);
      }
    }
    while (buckets.size >= maxSubjects) {
      const oldest = buckets.keys().next().value as string;
      buckets.delete(oldest);
    }
  };

  return {
    take(subjects: string | readonly string[], cost = 1): Promise<RateDecision> {
      const at = now();
      const refilled = subjectList(subjects).map((subject) => {
        let bucket = buckets.get(subject);
        if (bucket) {
          buckets.delete(subject);
          refill(bucket, at);
        } else {
          if (buckets.size >= maxSubjects) makeRoom(at);
          bucket = { tokens: burst, at };
        }
        buckets.set(subject, bucket);
        return bucket;
      });
      return Promise.resolve(decide(refilled, perMs, costWithin(cost, burst)));
    },
    close(): Promise<void> {
      buckets.clear();
      return Promise.resolve();
    },
  };
}

/** Takes `cost` tokens from each refilled bucket if every one has them; otherwise from none. */
function decide(buckets: readonly Bucket[], perMs: number, cost: number): RateDecision {
  const fewest = Math.min(...buckets.map((b) => b.tokens));
  if (fewest >= cost - EPSILON) {
    for (const bucket of buckets) bucket.tokens = Math.max(0, bucket.tokens - cost);
    return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(fewest - cost + EPSILON) };
  }
  const waitMs = (cost - fewest) / perMs;
  return { allowed: false, retryAfterSeconds: retryAfterSeconds(waitMs), remaining: 0 };
}

/** One subject or several, each once. */
function subjectList(subjects: string | readonly string[]): string[] {
  return typeof subjects === "string" ? [subjects] : [...new Set(subjects)];
}

/** A whole cost from 1 to `burst`: a request costing more than the bucket holds takes all of it. */
function costWithin(cost: number, burst: number): number {
  return Math.min(burst, Math.max(1, Math.ceil(Number.isFinite(cost) ? cost : 1)));
}

/** Whole seconds, rounded up, never below 1 (a refusal always asks the client to wait). */
function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000 - EPSILON));
}

function validate(perMinute: number, burst: number): void {
  if (!Number.isFinite(perMinute) || perMinute < 0) {
    throw new RangeError(`perMinute must be a finite number >= 0, got ${perMinute}`);
  }
  if (!Number.isInteger(burst) || burst < 1) {
    throw new RangeError(`burst must be a positive integer, got ${burst}`);
  }
}

/**
 * One atomic step of the buckets: refill each by the time elapsed on the Redis server's clock (so the
 * replicas' clocks never matter), take `cost` tokens from each if every one has them (else from none), write
 * the buckets back, and let each key expire when its bucket would be full again (an absent key reads as a
 * full bucket, so the expiry loses nothing).
 *
 * KEYS bucket hashes (fields `tokens`, `ts` in ms); ARGV[1] tokens per ms; ARGV[2] burst; ARGV[3] cost.
 * Returns { allowed (0|1), whole tokens left in the emptiest bucket, ms until every bucket has the cost (0
 * when allowed) }.
 */
const TAKE_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local levels = {}
local fewest = burst
for i, key in ipairs(KEYS) do
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens = tonumber(state[1])
  local ts = tonumber(state[2])
  if tokens == nil or ts == nil then
    tokens = burst
    ts = now
  end
  local elapsed = now - ts
  if elapsed < 0 then elapsed = 0 end
  tokens = math.min(burst, tokens + elapsed * rate)
  levels[i] = tokens
  if tokens < fewest then fewest = tokens end
end
local allowed = 0
local wait = 0
if fewest >= cost - 1e-9 then
  allowed = 1
  for i = 1, #levels do levels[i] = math.max(0, levels[i] - cost) end
  fewest = math.max(0, fewest - cost)
else
  wait = math.ceil((cost - fewest) / rate)
end
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 'tokens', string.format('%.17g', levels[i]), 'ts', string.format('%.17g', now))
  redis.call('PEXPIRE', key, math.max(1, math.ceil((burst - levels[i]) / rate)))
end
return { allowed, math.floor(fewest + 1e-9), wait }
`;

/** SHA-1 of the script, as EVALSHA wants it; computed on first use with Web Crypto (node:crypto costs start-up). */
let takeScriptSha: Promise<string> | undefined;
function scriptSha(): Promise<string> {
  takeScriptSha ??= crypto.subtle.digest("SHA-1", new TextEncoder().encode(TAKE_SCRIPT)).then((digest) =>
    [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")
  );
  return takeScriptSha;
}

/**
 * A token bucket per subject in Redis, shared by every process using the same Redis and prefix. Keys are
 * `prefix + subject`, the prefix defaulting to `REDIS_KEY_PREFIX + "rl:"`. Each `take` is one Lua script
 * (EVALSHA, falling back to EVAL when the server does not have it cached), so concurrent replicas never
 * double-spend a token.
 *
 * Failure policy — fail OPEN: when Redis errors, is unreachable, or does not answer within `timeoutMs`
 * (default 500), the request is allowed and a warning is logged at most once a minute. The rate limit
 * protects the service and the upstream API from a noisy tenant; it is not an authorization check, so a
 * Redis outage should cost us that protection for a while rather than refuse every request and take the
 * whole service down with it. A fail-open decision reports `remaining: burst - 1`, as a fresh bucket would.
 * Redis refusing the script (it answers with an error: NOPERM for a user without scripting, READONLY…) is
 * no outage that passes: it is logged as such, as an error, and `redisNeeds` holds the refusal for `/readyz`
 * (unready until the script runs again, see readiness.ts). `checkRedis` refuses to start with such a Redis.
 *
 * `close` does not close the connection: it belongs to the caller, who may share it with other features.
 */
export function createRedisRateLimiter(
  redis: Redis,
  options: { perMinute: number; burst: number; prefix?: string; timeoutMs?: number },
): RateLimiter {
  validate(options.perMinute, options.burst);
  if (options.perMinute === 0) return createNoRateLimiter();
  const { burst } = options;
  const prefix = options.prefix ?? `${REDIS_KEY_PREFIX}rl:`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  const rate = String(options.perMinute / 60_000);
  const logger = log("ratelimit");
  // Once a minute, and at once when the failure changes kind (Redis away, then refusing, or back).
  const failureLines = new KindThrottledLog<"refused" | "unanswered">();

  /** This limiter's own hold-off after a Redis timeout (see `redisCommand`). */
  const holdOff = {};
  const run = async (keys: readonly string[], cost: number): Promise<unknown> => {
    const args = [...keys, rate, String(burst), String(cost)];
    try {
      return await redis.evalsha(await scriptSha(), keys.length, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return await redis.eval(TAKE_SCRIPT, keys.length, ...args);
    }
  };
  // Both ways the script is run (EVAL loads it, then EVALSHA), on a bucket of its own that no subject names
  // and that expires as soon as it is full again.
  const script = new RedisNeed(
    "run the rate limiter's script (EVAL, EVALSHA; ACL category @scripting)",
    async () => {
      const args = [`${prefix}(check)`, rate, String(burst), "1"];
      parseReply(await redis.eval(TAKE_SCRIPT, 1, ...args));
      parseReply(await redis.evalsha(await scriptSha(), 1, ...args));
    },
  );

  const failOpen = (error: unknown): RateDecision => {
    const kind = script.failed(error) ? "refused" : "unanswered";
    const suppressed = failureLines.take(kind);
    if (suppressed !== undefined) {
      const message = error instanceof Error ? error.message : String(error);
      if (kind === "refused") {
        logger.error(
          "Redis refuses the rate limiter's script: rate limits are off (every request allowed) until it " +
            "runs it again; /readyz is unready meanwhile",
          { message, suppressed },
        );
      } else {
        logger.warning("rate limiter cannot reach Redis; allowing requests unlimited until it recovers", {
          message,
          suppressed,
        });
      }
    }
    return { allowed: true, retryAfterSeconds: 0, remaining: burst - 1 };
  };

  return {
    async take(subjects: string | readonly string[], cost = 1): Promise<RateDecision> {
      const keys = subjectList(subjects).map((subject) => prefix + subject);
      try {
        const reply = await redisCommand(holdOff, () => run(keys, costWithin(cost, burst)), timeoutMs);
        const decision = parseReply(reply);
        script.succeeded();
        return decision;
      } catch (error) {
        return failOpen(error);
      }
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
    redisNeeds: [script],
  };
}

function parseReply(reply: unknown): RateDecision {
  if (!Array.isArray(reply) || reply.length !== 3 || !reply.every((n) => typeof n === "number")) {
    throw new Error(`unexpected rate limit script reply: ${JSON.stringify(reply)}`);
  }
  const [allowed, remaining, waitMs] = reply as [number, number, number];
  if (allowed === 1) return { allowed: true, retryAfterSeconds: 0, remaining };
  return { allowed: false, retryAfterSeconds: retryAfterSeconds(waitMs), remaining: 0 };
}
