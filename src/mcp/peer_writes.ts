/**
 * Writes made through other replicas. With Redis, a replica announces on one channel that a tenant may have
 * written (a tool call that is not read-only ended), and every other replica reads that tenant's watched
 * resources again at once (subscriptions.ts) instead of at its next poll. Only the tenant id (a hash of the
 * tenant's keys, the server's own or a client's) and the ids the write named (touched.ts) travel; never a key,
 * a tool, a name or a text.
 *
 * Best effort: an announcement lost while Redis is away is made up by the next poll.
 */
import { log } from "../observability/log.ts";
import { logRedisErrors, type Redis, REDIS_KEY_PREFIX } from "../redis.ts";
import { MAX_PATH_PARAM_CHARS } from "../xyte/client.ts";
import { MAX_TOUCHED_IDS } from "./touched.ts";

/** The Redis channel every replica publishes and listens on. */
export const PEER_WRITES_CHANNEL = `${REDIS_KEY_PREFIX}writes`;

/** What a tenant id looks like (tenantKeyId's 32 hex digits, or a plain name); anything else is ignored. */
const TENANT_ID = /^[0-9a-z_-]{1,64}$/;

/** One announcement on the channel. `ids` absent: the write may have changed anything of the tenant. */
interface Announcement {
  from: string;
  tenant: string;
  ids?: string[];
}

export interface PeerWrites {
  /** Tells the other replicas that `tenant` may have written, naming `touched` (undefined: anything). */
  announce(tenant: string, touched?: readonly string[]): void;
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
  onWrite: (tenant: string, touched: string[] | undefined) => void,
  channel: string = PEER_WRITES_CHANNEL,
): Promise<PeerWrites> {
  const logger = log("subscription", "peers");
  // Told apart from the others' announcements by this id, so a replica does not read its own writes twice.
  const origin = crypto.randomUUID();
  const listener = redis.duplicate();
  logRedisErrors(listener, logger);
  listener.on("message", (_channel: string, message: string) => {
    const announcement = parseAnnouncement(message);
    if (!announcement || announcement.from === origin) return;
    onWrite(announcement.tenant, announcement.ids);
  });
  await listener.connect();
  await listener.subscribe(channel);
  return {
    announce(tenant: string, touched?: readonly string[]): void {
      const announcement: Announcement = { from: origin, tenant, ...(touched ? { ids: [...touched] } : {}) };
      redis.publish(channel, JSON.stringify(announcement)).catch((error: Error) => {
        logger.debug("write not announced to other replicas", { error: error.message });
      });
    },
    async close(): Promise<void> {
      await listener.quit().catch(() => listener.disconnect());
    },
  };
}

/** An announcement from the channel, or undefined for anything malformed (which is ignored). */
function parseAnnouncement(message: string): Announcement | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { from, tenant, ids } = value as Record<string, unknown>;
  if (typeof from !== "string" || typeof tenant !== "string" || !TENANT_ID.test(tenant)) return undefined;
  if (ids === undefined) return { from, tenant };
  const valid = Array.isArray(ids) && ids.length <= MAX_TOUCHED_IDS &&
    ids.every((id) => typeof id === "string" && id.length > 0 && id.length <= MAX_PATH_PARAM_CHARS);
  return valid ? { from, tenant, ids: ids as string[] } : undefined;
}
