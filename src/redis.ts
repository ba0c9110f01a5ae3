/**
 * The Redis connection shared by rate limits and the response cache when `REDIS_URL` is set. ioredis is
 * loaded only then, so single-replica deployments never pay for it.
 */
import type { Redis } from "ioredis";
import { log } from "./observability/log.ts";
import { ThrottledLog } from "./observability/throttled_log.ts";
import type { Secret } from "./secret.ts";
import { afterTimeout } from "./timeouts.ts";

export type { Redis } from "ioredis";

/** Prefix of every key the server writes, so one Redis can serve several deployments' other data too. */
export const REDIS_KEY_PREFIX = "xyte-mcp:";

/**
 * Connects and waits until Redis answers PING. Commands issued while the link is down fail fast instead of
 * queueing, so a Redis outage degrades the server instead of hanging calls. When Redis does not answer
 * within `timeoutMs`, throws an error that names REDIS_URL, the host and the cause (never a password).
 */
export async function connectRedis(url: Secret | string, timeoutMs = 5000): Promise<Redis> {
  const { Redis } = await import("ioredis");
  const raw = typeof url === "string" ? url : url.reveal();
  const client = new Redis(raw, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: timeoutMs,
    // A Redis that accepts connections but stops answering must not hang calls.
    commandTimeout: 1000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
  });
  let lastError: string | undefined;
  client.on("error", (error: Error) => void (lastError = error.message));
  logRedisErrors(client, log("redis"));
  try {
    await client.connect();
    await withinRedisTimeout(client.ping(), timeoutMs);
  } catch (error) {
    client.disconnect();
    const cause = lastError ?? (error as Error).message;
    // A refusal (NOPERM on PING, a wrong password) is an answer: what to fix is the URL's user, password or
    // permissions, not the network.
    throw new Error(
      `Redis at ${redisAddress(raw)} (REDIS_URL) ${
        isRedisRefusal(error) ? `refuses PING: ${error.message}` : `${connectFailure(cause)}: ${cause}`
      }`,
    );
  }
  return client;
}

/** What Redis's answer, or the error, that ended a connection attempt says, after "Redis at … (REDIS_URL)". */
function connectFailure(cause: string): string {
  if (cause.startsWith("NOAUTH")) return "requires a password, and the URL has none";
  if (cause.startsWith("WRONGPASS")) return "refuses the URL's user and password";
  return "did not answer";
}

/**
 * Something the server needs Redis to do besides answering PING — run a script, read and write its keys,
 * publish — with a harmless way to try it (`probe`, on keys and channels of the server's own). `checkRedis`
 * tries each before the server starts. At run time, its user records how its commands end: while Redis
 * refuses them (an error answer: a user without the permission, a read-only replica after a fail-over, out of
 * memory…) `refusal` holds Redis's answer, `/readyz` is unready and tries `probe` again.
 */
export class RedisNeed {
  /** Redis's error answer to the latest command for this need, while it refuses; undefined otherwise. */
  refusal: string | undefined;

  /** `what` completes "Redis refuses to …": what is done and which commands, e.g. "publish (PUBLISH)". */
  constructor(readonly what: string, readonly probe: () => Promise<unknown>) {}

  /** A command for this need was answered: a refusal seen before is over. */
  succeeded(): void {
    this.refusal = undefined;
  }

  /**
   * A command for this need failed: remembered when Redis refused it (answered with an error); an unanswered
   * command (Redis away or slow) says nothing of it. Returns whether it was a refusal.
   */
  failed(error: unknown): boolean {
    if (!isRedisRefusal(error)) return false;
    this.refusal = error.message;
    return true;
  }
}

/** Redis answered, with an error (NOPERM, READONLY, OOM, a script's error…), rather than not answering. */
export function isRedisRefusal(error: unknown): error is Error {
  return error instanceof Error && error.name === "ReplyError";
}

/**
 * Tries, before the server serves anything, what it needs of Redis: the database REDIS_URL names (Redis
 * refusing to SELECT it leaves the connection on database 0, quietly sharing another one), then each of
 * `needs`. A user without a permission would otherwise switch rate limits off or leave other replicas serving
 * what a write changed while `/readyz` is green. On the first failure, disconnects `client` and throws an
 * error naming REDIS_URL, what was refused and Redis's answer (never a password).
 */
export async function checkRedis(
  client: Redis,
  url: Secret | string,
  needs: readonly RedisNeed[],
  timeoutMs = 5000,
): Promise<void> {
  const db = Number(client.options.db ?? 0);
  const all = [
    ...(db === 0 ? [] : [new RedisNeed(`use database ${db} (SELECT)`, () => client.select(db))]),
    ...needs,
  ];
  for (const need of all) {
    try {
      await withinRedisTimeout(need.probe(), timeoutMs);
    } catch (error) {
      client.disconnect();
      const address = redisAddress(typeof url === "string" ? url : url.reveal());
      const cause = error instanceof Error ? error.message : String(error);
      throw new Error(
        isRedisRefusal(error)
          ? `Redis at ${address} (REDIS_URL) refuses to ${need.what}: ${cause}`
          : `Redis at ${address} (REDIS_URL) did not answer when asked to ${need.what}: ${cause}`,
      );
    }
  }
}

/**
 * What replicas' write announcements need (peer_writes.ts): PUBLISH on `channel` (the probe sends `{}`, which
 * listeners ignore as malformed) and SUBSCRIBE to it, tried on a connection of its own, closed at once.
 */
export function pubSubNeeds(client: Redis, channel: string): RedisNeed[] {
  return [
    new RedisNeed(
      `publish on ${channel} (PUBLISH, ACL category @pubsub)`,
      () => client.publish(channel, "{}"),
    ),
    new RedisNeed(`subscribe to ${channel} (SUBSCRIBE, ACL category @pubsub)`, async () => {
      const probe = client.duplicate();
      probe.on("error", () => {}); // the failure is the probe's answer
      try {
        await probe.connect();
        await probe.subscribe(channel);
      } finally {
        probe.disconnect();
      }
    }),
  ];
}

/** The events of a Redis connection that `logRedisErrors` follows. */
export interface RedisEvents {
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "ready", listener: () => void): unknown;
}

/** How often, at most, a connection that keeps failing is logged again. */
export const REDIS_ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * Logs a connection's errors without flooding: the first one, then at most one a minute with the number
 * left out, and once when it is ready again. (A connection retries every 2 s or so while Redis is away.)
 */
export function logRedisErrors(
  client: RedisEvents,
  logger: {
    warning(message: string, fields: Record<string, unknown>): void;
    info(message: string, fields: Record<string, unknown>): void;
  },
  now: () => number = Date.now,
): void {
  let failing = 0;
  let throttle = new ThrottledLog(REDIS_ERROR_LOG_INTERVAL_MS, now);
  client.on("error", (error: Error) => {
    failing++;
    const held = throttle.take("error");
    if (held === undefined) return;
    logger.warning("redis error", { error: error.message, ...(held ? { errors_not_logged: held } : {}) });
  });
  client.on("ready", () => {
    if (failing === 0) return;
    logger.info("redis connection ready again", { errors: failing });
    failing = 0;
    throttle = new ThrottledLog(REDIS_ERROR_LOG_INTERVAL_MS, now); // a new outage is logged at once
  });
}

/**
 * Where a Redis URL points, for messages: scheme, host, port and database; never the user or password (nor a
 * path other than a database number: what follows an unencoded `/` in a password).
 */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${/^\/\d+$/.test(parsed.pathname) ? parsed.pathname : ""}`;
  } catch {
    return "(unparsable URL)";
  }
}

/** How long a user of Redis skips it after one of its commands timed out (a Redis that hangs). */
export const REDIS_HOLD_OFF_MS = 5000;

const hungUntil = new WeakMap<object, number>();

/**
 * Runs `command` within `ms`, like `withinRedisTimeout`, for `user` (the cache store, the rate limiter: each
 * has its own, so one slow command of one does not switch the other off). After a timeout, Redis is taken
 * for hung: for `REDIS_HOLD_OFF_MS` this user's commands fail at once instead of each waiting out its own
 * timeout (a tool call makes up to four: rate limit, cache generation, read and write); after that, they
 * are sent again. `always` sends the command even then (it still counts toward the hold-off).
 */
export async function redisCommand<T>(
  user: object,
  command: () => Promise<T>,
  ms: number,
  options: { always?: boolean; now?: () => number } = {},
): Promise<T> {
  const now = options.now ?? Date.now;
  const until = hungUntil.get(user);
  if (!options.always && until !== undefined && now() < until) {
    throw new Error("Redis timed out moments ago; not asked");
  }
  try {
    const answer = await withinRedisTimeout(command(), ms);
    hungUntil.delete(user);
    return answer;
  } catch (error) {
    if (error instanceof RedisTimeoutError) hungUntil.set(user, now() + REDIS_HOLD_OFF_MS);
    throw error;
  }
}

/** Redis did not answer a command in time. */
export class RedisTimeoutError extends Error {
  override readonly name = "RedisTimeoutError";
}

/** `command`'s answer, or a rejection when Redis has not answered within `ms` (a late answer is ignored). */
export function withinRedisTimeout<T>(command: Promise<T>, ms: number): Promise<T> {
  const { promise: timeout, reject } = Promise.withResolvers<never>();
  const timer = afterTimeout(ms, () => reject(new RedisTimeoutError(`Redis did not answer within ${ms} ms`)));
  command.catch(() => {}); // a rejection after the timeout must not surface as unhandled
  return Promise.race([command, timeout]).finally(() => timer.cancel());
}
