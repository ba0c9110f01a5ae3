/**
 * The Redis connection shared by rate limits and the response cache when `REDIS_URL` is set. ioredis is
 * loaded only then, so single-replica deployments never pay for it.
 */
import type { Redis } from "ioredis";
import { log } from "./observability/log.ts";
import type { Secret } from "./secret.ts";

export type { Redis } from "ioredis";

/** Prefix of every key the server writes, so one Redis can serve several deployments' other data too. */
export const REDIS_KEY_PREFIX = "xyte-mcp:";

/**
 * Connects and waits until Redis answers PING (throws after `timeoutMs`). Commands issued while the link is
 * down fail fast instead of queueing, so a Redis outage degrades the server instead of hanging calls.
 */
export async function connectRedis(url: Secret | string, timeoutMs = 5000): Promise<Redis> {
  const { Redis } = await import("ioredis");
  const client = new Redis(typeof url === "string" ? url : url.reveal(), {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: timeoutMs,
    // A Redis that accepts connections but stops answering must not hang calls.
    commandTimeout: 1000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
  });
  const logger = log("redis");
  client.on("error", (error: Error) => logger.warning("redis error", { message: error.message }));
  await client.connect();
  await client.ping();
  return client;
}

/** `command`'s answer, or a rejection when Redis has not answered within `ms` (a late answer is ignored). */
export function withinRedisTimeout<T>(command: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  command.catch(() => {}); // a rejection after the timeout must not surface as unhandled
  return Promise.race([command, timeout]).finally(() => clearTimeout(timer));
}
