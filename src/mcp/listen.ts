/**
 * Resource subscriptions of 2026-07-28 clients. That revision has no resources/subscribe: a client opens a
 * `subscriptions/listen` stream naming the resource URIs it wants to hear about, and the SDK's serving entry
 * owns the stream (acknowledgement, filtering, teardown). What the entry cannot know is when a Xyte resource
 * changes; here the URIs of each open listen stream are watched (subscriptions.ts) for as long as it is open.
 *
 * - HTTP (`createMcpHandler`): the handler's event bus is a `ListenEventBus`. A listen stream registers its
 *   listener while its request is served inside `bus.serve(scope, …)`, which tells the bus the stream's URIs
 *   and its tenant's watcher. Each listener hears the changes of its own URIs only, so tenants never hear
 *   each other's.
 * - stdio (`serveStdio`): the entry forwards the server's `notifications/resources/updated` to the streams
 *   listening to that URI; `StdioListens` watches the URIs of each listen request that arrives and stops
 *   when the client cancels that stream or the connection ends.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { JSONRPCMessage, RequestId, ServerEvent, ServerEventBus } from "@modelcontextprotocol/server";
import { log } from "../observability/log.ts";
import { MAX_SUBSCRIPTIONS_PER_SESSION, type ResourceWatcher } from "./register_subscriptions.ts";

const listenLog = log("subscription");

/** Most listen streams one stdio connection has watched at once; later ones are not watched. */
export const MAX_STDIO_LISTENS = 64;

/** The resource URIs a `subscriptions/listen` request asks about; undefined for any other message. */
export function listenedResourceUris(message: unknown): string[] | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const { method, id, params } = message as {
    method?: unknown;
    id?: unknown;
    params?: { notifications?: { resourceSubscriptions?: unknown } };
  };
  if (method !== "subscriptions/listen" || id === undefined) return undefined;
  const uris = params?.notifications?.resourceSubscriptions;
  return Array.isArray(uris) ? uris.filter((uri): uri is string => typeof uri === "string") : [];
}

/**
 * Watches the URIs of one listen stream (the first 100 distinct ones) until the returned function is called.
 * A URI that cannot be watched (unknown, unreadable) is skipped: the stream is already acknowledged, so it
 * simply never hears of that URI.
 */
export function watchListened(
  uris: readonly string[],
  watch: ResourceWatcher,
  onChange: (uri: string) => void,
): () => void {
  let stopped = false;
  const stops: (() => void)[] = [];
  for (const uri of [...new Set(uris)].slice(0, MAX_SUBSCRIPTIONS_PER_SESSION)) {
    watch(uri, () => onChange(uri)).then(
      (stop) => stopped ? stop() : stops.push(stop),
      (error: Error) => listenLog.info("listened resource not watched", { uri, reason: error.message }),
    );
  }
  return () => {
    if (stopped) return;
    stopped = true;
    for (const stop of stops.splice(0)) stop();
  };
}

/** What one listen request on HTTP may watch: its URIs, read with its tenant's client. */
export interface ListenScope {
  uris: readonly string[];
  watch: ResourceWatcher;
}

/**
 * The event bus of the HTTP handler. Resource updates reach a listener only from the watches of its own
 * stream; `publish` carries the other (tenant-independent) events and never a `resource_updated`, which
 * would reach every tenant listening to that URI.
 */
export class ListenEventBus implements ServerEventBus {
  readonly #scope = new AsyncLocalStorage<ListenScope>();
  readonly #listeners = new Set<(event: ServerEvent) => void>();

  /** Serves one listen request (`serve`) with its URIs and its tenant's watcher in scope. */
  serve<T>(scope: ListenScope, serve: () => T): T {
    return this.#scope.run(scope, serve);
  }

  publish(event: ServerEvent): void {
    if (event.kind === "resource_updated") return;
    for (const listener of [...this.#listeners]) deliver(listener, event);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.#listeners.add(listener);
    const scope = this.#scope.getStore();
    const stop = scope
      ? watchListened(scope.uris, scope.watch, (uri) => deliver(listener, { kind: "resource_updated", uri }))
      : undefined;
    return () => {
      this.#listeners.delete(listener);
      stop?.();
    };
  }
}

function deliver(listener: (event: ServerEvent) => void, event: ServerEvent): void {
  try {
    listener(event);
  } catch (error) {
    listenLog.debug("listen stream did not take an event", { error: (error as Error).message });
  }
}

/** The listen streams of one stdio connection, from the messages the client sends. */
export class StdioListens {
  readonly #open = new Map<RequestId, () => void>();

  constructor(
    private readonly watch: ResourceWatcher,
    /** Sends `notifications/resources/updated` for `uri` through the connection's server. */
    private readonly notify: (uri: string) => void,
  ) {}

  /** Looks at one message from the client: a listen request starts watching, its cancellation stops. */
  inspect(message: JSONRPCMessage): void {
    const uris = listenedResourceUris(message);
    if (uris !== undefined) {
      const id = (message as { id: RequestId }).id;
      this.#stop(id);
      if (uris.length === 0 || this.#open.size >= MAX_STDIO_LISTENS) return;
      this.#open.set(id, watchListened(uris, this.watch, this.notify));
      return;
    }
    if ("method" in message && message.method === "notifications/cancelled") {
      const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (requestId !== undefined) this.#stop(requestId);
    }
  }

  /** The connection ended. */
  close(): void {
    for (const stop of this.#open.values()) stop();
    this.#open.clear();
  }

  #stop(id: RequestId): void {
    this.#open.get(id)?.();
    this.#open.delete(id);
  }
}
