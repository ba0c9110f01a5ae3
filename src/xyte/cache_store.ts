/**
 * Where cached read responses live: in process memory (one replica) or in Redis (shared by replicas).
 *
 * Every key carries the tenant's generation; a write bumps the generation, which orphans every earlier entry
 * of that tenant at once (they expire by TTL). Keys never contain tenants or URLs verbatim, only digests.
 * A cache must never break a call: the Redis store turns every failure or slow answer into a miss.
 */
import { LRUCache } from "lru-cache";
import { sha256Hex } from "../digest.ts";
import { log } from "../observability/log.ts";
import { unrefTimer } from "../timeouts.ts";
import { KindThrottledLog } from "../observability/throttled_log.ts";
import { type Redis, REDIS_KEY_PREFIX, redisCommand, RedisNeed } from "../redis.ts";

export interface CacheStore {
  /** JSON text of a cached response, or undefined. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` for `ttlSeconds` (nothing is stored when it is not positive). */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** A counter per tenant that is part of every cache key; bumping it invalidates all the tenant's entries. */
  generation(tenant: string): Promise<number>;
  bumpGeneration(tenant: string): Promise<number>;
  /** Releases the store. The Redis store leaves the shared connection open: its owner closes it. */
  close(): Promise<void>;
  /** What the store needs Redis to do (the Redis store: GET, SET, its script), for start-up and `/readyz`. */
  readonly redisNeeds?: readonly RedisNeed[];
}

export interface CacheKeyParts {
  /** Who the response belongs to (e.g. an id derived from the API key); only its digest enters the key. */
  tenant: string;
  generation: number;
  /** Catalog endpoint key. */
  endpointKey: string;
  /** The full request URL, query included; only its digest enters the key. */
  url: string;
  /**
   * The key a call brings itself (a device endpoint's device key), when it is not the tenant's: answers
   * read with one such key are never served to a call with another. Only its digest enters the key.
   */
  callKey?: string;
}

/**
 * A stable, short cache key: `v1:<tenant digest>:<generation>:<endpoint key>:<URL digest>` (SHA-256, hex).
 * Async because it uses Web Crypto (node:crypto would add ~25 ms to start-up).
 */
export async function cacheKey(parts: CacheKeyParts): Promise<string> {
  const request = parts.callKey === undefined ? parts.url : `${parts.url}\n${parts.callKey}`;
  const [tenant, url] = await Promise.all([tenantDigest(parts.tenant), sha256Hex(request)]);
  return `v1:${tenant}:${parts.generation}:${parts.endpointKey}:${url}`;
}

export interface MemoryCacheOptions {
  /** Most entries kept (least recently used go first); default 1000. */
  maxEntries?: number;
  /** Most total size, counted in characters of key + value (≈ bytes of JSON text); default 16 MiB. */
  maxBytes?: number;
  /** Monotonic clock in milliseconds, for tests; default `performance.now`. */
  now?: () => number;
}

const DEFAULT_MAX_ENTRIES = 1000;
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
const MAX_TENANTS = 10_000;

/** A per-process cache: LRU bounded by entry count and total size, with a TTL per entry. */
export function createMemoryCacheStore(options: MemoryCacheOptions = {}): CacheStore {
  const perf = options.now ? { now: options.now } : undefined;
  const entries = new LRUCache<string, string>({
    max: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
    maxSize: options.maxBytes ?? DEFAULT_MAX_BYTES,
    sizeCalculation: (value, key) => Math.max(1, key.length + value.length),
    // 0: read the clock on every check instead of caching it behind a timer (no timers left running).
    ttlResolution: 0,
    ...(perf ? { perf } : {}),
  });
  const generations = new GenerationCounter();
  return {
    get: (key) => Promise.resolve(entries.get(key)),
    set(key, value, ttlSeconds) {
      if (ttlSeconds > 0 && Number.isFinite(ttlSeconds)) entries.set(key, value, { ttl: ttlSeconds * 1000 });
      return Promise.resolve();
    },
    generation: (tenant) => Promise.resolve(generations.get(tenant)),
    bumpGeneration: (tenant) => Promise.resolve(generations.bump(tenant)),
    close() {
      entries.clear();
      return Promise.resolve();
    },
  };
}

export interface RedisCacheOptions {
  /** Key prefix; default `REDIS_KEY_PREFIX + "cache:"`. */
  prefix?: string;
  /** A command not answered within this many milliseconds counts as failed; default 500. */
  commandTimeoutMs?: number;
  /**
   * How long a tenant's generation is kept after its last bump; default a day. It must outlast every cached
   * entry (the longest cache TTL): a tenant that stopped writing leaves nothing behind for good.
   */
  generationTtlSeconds?: number;
}

/**
 * Bumps a generation and sets its expiry. A missing generation (never bumped, or expired) starts from the
 * Redis clock in milliseconds, so it never lands back on a number entries were stored under before.
 */
const BUMP_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local n
if current then
  n = tonumber(current) + 1
else
  local now = redis.call('TIME')
  n = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end
redis.call('SET', KEYS[1], string.format('%.0f', n), 'EX', ARGV[1])
return string.format('%.0f', n)
`;

/**
 * A cache shared by replicas: `SET key value EX ttl`, `GET`, and a bump script for generations (which expire a
 * while after their last bump, see `generationTtlSeconds`). Values live under
 * `<prefix>v:<cacheKey>`, generations under `<prefix>gen:<tenant digest>`.
 *
 * Failures never reach the caller: `get` misses, `set` is dropped, and a warning is logged at most once a
 * minute (an error when Redis refuses the command rather than not answering: see `redisNeeds`, which
 * `/readyz` reports). Generations then come from a local counter (the last value seen from Redis, bumped
 * locally): during an outage replicas do not see each other's bumps, so another replica may serve entries a
 * write invalidated until their TTL runs out. A bump Redis missed is owed: it is tried again every 2 s, and
 * at the tenant's next generation read here, until Redis takes it, so once Redis is back the entries of
 * before the write are served neither here nor by the other replicas.
 */
export function createRedisCacheStore(redis: Redis, options: RedisCacheOptions = {}): CacheStore {
  const prefix = options.prefix ?? `${REDIS_KEY_PREFIX}cache:`;
  const timeoutMs = options.commandTimeoutMs ?? 500;
  const generationTtl = String(Math.max(1, Math.ceil(options.generationTtlSeconds ?? 86_400)));
  const bump = (key: string, ttl = generationTtl) => redis.eval(BUMP_SCRIPT, 1, key, ttl) as Promise<string>;
  // Tried on keys of their own, which no cache key or tenant digest can be, and which expire in a minute.
  const readWrite = new RedisNeed("read and write the shared cache (GET, SET)", async () => {
    await redis.set(`${prefix}v:(check)`, "1", "EX", 60);
    await redis.get(`${prefix}v:(check)`);
  });
  const invalidation = new RedisNeed(
    "run the script by which a write invalidates the cache on every replica (EVAL; ACL category @scripting)",
    () => bump(`${prefix}gen:(check)`, "60"),
  );
  const fallback = new GenerationCounter();
  /** Tenants whose generation was bumped while Redis was unreachable. */
  const unsynced = new LRUCache<string, true>({ max: MAX_TENANTS });
  const logger = log("cache");
  // Once a minute, and at once when the failure changes kind (Redis away, then refusing, or back).
  const failureLines = new KindThrottledLog<"refused" | "unanswered">();
  let closed = false;

  /** This store's own hold-off after a Redis timeout (see `redisCommand`). */
  const holdOff = {};
  let makingUp: ReturnType<typeof setInterval> | undefined;

  async function attempt<T>(
    operation: string,
    command: () => Promise<T>,
    always = false,
  ): Promise<T | typeof FAILED> {
    if (closed) return FAILED;
    const need = operation === "bumpGeneration" ? invalidation : readWrite;
    try {
      const answer = await redisCommand(holdOff, command, timeoutMs, { always });
      need.succeeded();
      return answer;
    } catch (error) {
      const kind = need.failed(error) ? "refused" : "unanswered";
      if (failureLines.take(kind) !== undefined) {
        const fields = { operation, message: error instanceof Error ? error.message : String(error) };
        if (kind === "refused") {
          logger.error(
            need === invalidation
              ? "Redis refuses the cache's {operation}: other replicas may serve what a write here changed " +
                "until it runs it again; /readyz is unready meanwhile"
              : "Redis refuses the cache's {operation}: serving without the shared cache until it accepts " +
                "it; /readyz is unready meanwhile",
            fields,
          );
        } else {
          logger.warning("redis cache unavailable, serving without it: {operation} failed", fields);
        }
      }
      return FAILED;
    }
  }
  const generationKey = async (tenant: string) => `${prefix}gen:${await tenantDigest(tenant)}`;

  /**
   * Bumps a tenant's generation in Redis; its new value, or FAILED. `always`: even while Redis is held off (a
   * write, and the make-up of owed bumps, must invalidate; a read making up an owed bump need not wait).
   */
  async function bumpInRedis(tenant: string, always: boolean): Promise<number | typeof FAILED> {
    const key = await generationKey(tenant);
    const value = await attempt("bumpGeneration", () => bump(key), always);
    const n = value === FAILED ? NaN : Number(value);
    if (!Number.isSafeInteger(n)) return FAILED;
    unsynced.delete(tenant);
    fallback.remember(tenant, n);
    return n;
  }

  /**
   * Bumps Redis missed (it was away) are owed to every replica: retried every `MAKE_UP_INTERVAL_MS` until
   * Redis takes them, not only at this replica's next read of the tenant (which may never come).
   */
  function owe(tenant: string): void {
    unsynced.set(tenant, true);
    if (makingUp !== undefined || closed) return;
    let busy = false;
    makingUp = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        for (const owed of [...unsynced.keys()]) {
          if (await bumpInRedis(owed, true) === FAILED) return; // still away: next tick
        }
        clearInterval(makingUp);
        makingUp = undefined;
      } finally {
        busy = false;
      }
    }, MAKE_UP_INTERVAL_MS);
    unrefTimer(makingUp);
  }

  return {
    async get(key) {
      const value = await attempt("get", () => redis.get(`${prefix}v:${key}`));
      return typeof value === "string" ? value : undefined;
    },
    async set(key, value, ttlSeconds) {
      if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) return;
      await attempt("set", () => redis.set(`${prefix}v:${key}`, value, "EX", Math.ceil(ttlSeconds)));
    },
    async generation(tenant) {
      if (unsynced.has(tenant)) {
        const made = await bumpInRedis(tenant, false);
        return made === FAILED ? fallback.get(tenant) : made;
      }
      const key = await generationKey(tenant);
      const value = await attempt("generation", () => redis.get(key));
      if (value === FAILED) return fallback.get(tenant);
      const n = value === null ? 0 : Number(value);
      if (!Number.isSafeInteger(n)) return fallback.get(tenant);
      fallback.remember(tenant, n);
      return n;
    },
    async bumpGeneration(tenant) {
      const made = await bumpInRedis(tenant, true);
      if (made !== FAILED) return made;
      owe(tenant);
      return fallback.bump(tenant);
    },
    close() {
      closed = true;
      clearInterval(makingUp);
      return Promise.resolve();
    },
    redisNeeds: [readWrite, invalidation],
  };
}

const FAILED: unique symbol = Symbol("failed");

/** How often bumps Redis missed are tried again while any are owed. */
const MAKE_UP_INTERVAL_MS = 2000;

/**
 * Generations per tenant, bounded by an LRU. A forgotten tenant restarts above every generation ever
 * forgotten, so it can never land back on a generation whose entries a later write invalidated.
 */
class GenerationCounter {
  #floor = 0;
  readonly #values = new LRUCache<string, number>({
    max: MAX_TENANTS,
    dispose: (value, _tenant, reason) => {
      if (reason !== "set") this.#floor = Math.max(this.#floor, value + 1);
    },
  });

  get(tenant: string): number {
    return this.#values.get(tenant) ?? this.#floor;
  }

  bump(tenant: string): number {
    const next = this.get(tenant) + 1;
    this.#values.set(tenant, next);
    return next;
  }

  /** Records the authoritative value (read from Redis). */
  remember(tenant: string, value: number): void {
    this.#values.set(tenant, value);
  }
}

/** 128 bits of SHA-256: short, and collisions between tenants are out of reach. */
async function tenantDigest(tenant: string): Promise<string> {
  return (await sha256Hex(`tenant:${tenant}`)).slice(0, 32);
}
