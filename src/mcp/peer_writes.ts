/**
 * Writes made through other replicas. With Redis, a replica announces on one channel that a tenant may have
 * written (a tool call that is not read-only ended), and every other replica reads that tenant's watched
 * resources again at once (subscriptions.ts) instead of at its next poll. Only the tenant id travels: a hash
 * of the tenant's keys (the server's own or a client's); never a key, a tool or an argument.
 *
 * Best effort: an announcement lost while Redis is away is made up by the next poll.
 */
import { log } from "../observability/log.ts";
import { type Redis, REDIS_KEY_PREFIX } from "../redis.ts";

/** The Redis channel every replica publishes and listens on. */
export const PEER_WRITES_CHANNEL = `${REDIS_KEY_PREFIX}writes`;

/** What a tenant id looks like (tenantKeyId's 16 hex digits, or a plain name); anything else is ignored. */
const TENANT_ID = /^[0-9a-z_-]{1,64}$/;

export interface PeerWrites {
  /** Tells the other replicas that `tenant` may have written. */
  announce(tenant: string): void;
  /** Stops listening (shutdown). */
  close(): Promise<void>;
}

/**
 * Listens for other replicas' announcements on a connection of its own (a Redis connection that subscribes
 * can do nothing else) and calls `onWrite` with each tenant id; announces through `redis`. `channel` is
 * replaceable for tests sharing one Redis.
 */
export async function listenForPeerWrites(
  redis: Redis,
  onWrite: (tenant: string) => void,
  channel: string = PEER_WRITES_CHANNEL,
): Promise<PeerWrites> {
  const logger = log("subscription", "peers");
  // Told apart from the others' announcements by this id, so a replica does not read its own writes twice.
  const origin = crypto.randomUUID();
  const listener = redis.duplicate();
  listener.on("error", (error: Error) => logger.warning("redis error", { error: error.message }));
  listener.on("message", (_channel: string, message: string) => {
    const [from, tenant, ...rest] = message.split(" ");
    if (from === origin || !tenant || rest.length > 0 || !TENANT_ID.test(tenant)) return;
    onWrite(tenant);
  });
  await listener.connect();
  await listener.subscribe(channel);
  return {
    announce(tenant: string): void {
      redis.publish(channel, `${origin} ${tenant}`).catch((error: Error) => {
        logger.debug("write not announced to other replicas", { error: error.message });
      });
    },
    async close(): Promise<void> {
      await listener.quit().catch(() => listener.disconnect());
    },
  };
}
