/**
 * Resource subscriptions as a server serves them: `resources/subscribe` and `resources/unsubscribe` for a
 * 2025-era session (stdio, an HTTP session), and the watcher the 2026-07-28 listen streams use (listen.ts).
 * Both watch through the process's `ResourceWatches` (subscriptions.ts) with the client's own resource table,
 * so a URI that cannot be read cannot be subscribed to either.
 */
import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
} from "@modelcontextprotocol/server";
import { log } from "../observability/log.ts";
import { RESOURCES } from "../registry.ts";
import { type Routes, validParams } from "./fallback.ts";
import {
  exposesOf,
  parseResourceUri,
  resourceError,
  resourceTable,
  UriParams,
} from "./register_resources.ts";
import type { ResourceDefinition } from "./resource.ts";
import type { ServerDeps } from "./server.ts";
import { type ResourceWatches, WatchLimitError } from "./subscriptions.ts";

const subscriptionLog = log("subscription");

/** Most resources one session (or one listen stream) may subscribe to at once. */
export const MAX_SUBSCRIPTIONS_PER_SESSION = 100;

/** Replaceable for tests. */
export interface ResourceSource {
  resources?: readonly ResourceDefinition[];
}

/**
 * Starts watching the resource at `uri` for `onChange`; returns how to stop. Reads the resource first
 * (unless the tenant already watches it), so a URI that cannot be read is refused with the MCP error a read
 * gets: -32602 for a malformed or unknown URI.
 */
export type ResourceWatcher = (uri: string, onChange: () => void) => Promise<() => void>;

/** The watcher of one client's resources (the registry's, unless a test replaces them). */
export function resourceWatcher(
  deps: ServerDeps,
  watches: ResourceWatches,
  options: ResourceSource = {},
): ResourceWatcher {
  const { directories } = deps;
  const table = resourceTable(deps.xyte, options.resources ?? RESOURCES, directories);
  return async (raw, onChange) => {
    const uri = parseResourceUri(raw);
    const reader = table.reader(uri);
    if (!reader) throw new ResourceNotFoundError(raw);
    try {
      const tenant = deps.tenant ?? deps.xyte.identity;
      return await watches.watch(
        tenant,
        uri.href,
        (limit) =>
          reader.read({
            xyte: deps.xyte.forCall({ cachedReads: false, deadlineAt: limit.at }),
            signal: limit.signal,
            directories,
            exposes: exposesOf(deps),
          }),
        onChange,
        deps.quota ?? [tenant],
        reader.clockFields,
      );
    } catch (error) {
      if (error instanceof WatchLimitError) {
        throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `Cannot watch ${raw}: ${error.message}.`, {
          uri: raw,
          reason: "too_many_watches",
        });
      }
      throw resourceError(uri.href, error);
    }
  };
}

/**
 * resources/subscribe and resources/unsubscribe (2025-era) for one session, as routes (fallback.ts: a
 * registered handler would cost every idle session about 0.4 KB). The session's subscriptions end with it;
 * its state is made on its first subscribe.
 */
export function subscriptionRoutes(
  server: McpServer,
  deps: ServerDeps,
  watches: ResourceWatches,
  options: ResourceSource = {},
): Routes {
  const low = server.server;
  let state: { watch: ResourceWatcher; subscribed: Map<string, () => void>; closed: boolean } | undefined;
  const session = () => {
    if (state) return state;
    /** Unsubscribe functions by normalized URI. */
    const subscribed = new Map<string, () => void>();
    const created = { watch: resourceWatcher(deps, watches, options), subscribed, closed: false };
    const previousOnClose = low.onclose;
    low.onclose = () => {
      previousOnClose?.();
      created.closed = true;
      for (const unwatch of subscribed.values()) unwatch();
      subscribed.clear();
    };
    return state = created;
  };
  const subscribe = async (uri: string): Promise<Record<string, never>> => {
    const key = parseResourceUri(uri).href;
    const current = session();
    const { watch, subscribed } = current;
    if (subscribed.has(key)) return {};
    if (subscribed.size >= MAX_SUBSCRIPTIONS_PER_SESSION) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `Cannot subscribe to ${uri}: this session already has ${MAX_SUBSCRIPTIONS_PER_SESSION} ` +
          "subscriptions. Unsubscribe from one first.",
        { uri, reason: "too_many_subscriptions" },
      );
    }
    const unwatch = await watch(
      uri,
      () =>
        void low.sendResourceUpdated({ uri }).catch((error: Error) =>
          subscriptionLog.debug("resource update not delivered", { error: error.message })
        ),
    );
    // Two subscribes to one URI in flight at once: keep the first. A session that ended while its first read
    // was under way keeps nothing (the watch would otherwise poll for nobody until shutdown).
    if (current.closed || subscribed.has(key)) unwatch();
    else subscribed.set(key, unwatch);
    return {};
  };
  const unsubscribe = (uri: string): Record<string, never> => {
    const key = parseResourceUri(uri).href;
    state?.subscribed.get(key)?.();
    state?.subscribed.delete(key);
    return {};
  };
  return {
    "resources/subscribe": (request) => subscribe(validParams(UriParams, request).uri),
    "resources/unsubscribe": (request) => unsubscribe(validParams(UriParams, request).uri),
  };
}
