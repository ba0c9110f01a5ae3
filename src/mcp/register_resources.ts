/**
 * Serves the resources of the registry on one MCP server: fixed resources, and templates with their list and
 * completion callbacks. Failures become MCP errors here and only here: an unknown id is a
 * resource-not-found error naming the URI, an upstream failure an error carrying the code, hint and
 * whether retrying helps. Every message and document passes through the secret scrubber.
 *
 * The table of what a client can read is built once per Xyte client and shared: a session adds one
 * request handler (resources/read), not one registration object per resource; the list methods are routes
 * of the table (fallback.ts). Where the transport can reach the client between requests (stdio, a 2025-era
 * HTTP session), a session may also subscribe to resources (subscriptions.ts).
 */
import {
  type ListResourcesResult,
  type ListResourceTemplatesResult,
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ReadResourceResult,
  type Resource,
  ResourceNotFoundError,
  type ServerContext,
  UriTemplate,
  type Variables,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { log, newRequestId, withRequestContext } from "../observability/log.ts";
import { RESOURCES } from "../registry.ts";
import { type Completer, completerFor } from "../resources/completers.ts";
import { type DirectoryCache, LIVE_DIRECTORIES } from "../resources/directory.ts";
import { scrubSecrets } from "../secret.ts";
import {
  type FixedResource,
  RESOURCE_MIME_TYPE,
  type ResourceContext,
  type ResourceDefinition,
  type TemplateResource,
} from "./resource.ts";
import { toErrorPayload } from "./results.ts";
import { type ResourceWatches, WatchLimitError } from "./subscriptions.ts";
import { type Routes, validParams } from "./fallback.ts";
import { weakMemo } from "./weak_memo.ts";
import type { XyteClient } from "../xyte/client.ts";
import type { ServerDeps } from "./server.ts";

const resourceLog = log("resource");

/** What one Xyte client can read: built once per client, shared by every server over it. */
export interface ResourceTable {
  readonly fixed: ReadonlyMap<string, FixedResource>;
  readonly templates: readonly {
    def: TemplateResource;
    template: UriTemplate;
    complete: Readonly<Record<string, Completer>>;
  }[];
  /** The fixed resources as resources/list shows them. */
  readonly fixedListing: readonly Resource[];
  readonly templateListing: ListResourceTemplatesResult;
  /** The completer of a template variable; "none" for a known URI without completable variables. */
  completer(uri: string, variable: string): Completer | "none" | undefined;
  /** How to read the resource at `uri`; undefined when no resource of the table has that URI. */
  reader(uri: URL): ((ctx: ResourceContext) => Promise<unknown>) | undefined;
  /** resources/list and resources/templates/list. */
  readonly routes: Routes;
}

/** What one server serves of the resources: the shared table, and the session's subscription routes. */
export interface ServedResources {
  table: ResourceTable;
  /** resources/subscribe and resources/unsubscribe of this session, when it offers subscriptions. */
  sessionRoutes?: Routes;
}

const UriParams = z.looseObject({ uri: z.string() });

/** Most resources one session may subscribe to at once. */
export const MAX_SUBSCRIPTIONS_PER_SESSION = 100;

export interface RegisterResourcesOptions {
  /**
   * Offer subscriptions over these watches: through resources/subscribe (2025-era sessions), or through
   * `subscriptions/listen`, which the serving entry answers (2026-07-28; see listen.ts).
   */
  subscriptions?: { watches: ResourceWatches; via: "subscribe" | "listen" };
  /** Replaceable for tests. */
  resources?: readonly ResourceDefinition[];
  directories?: DirectoryCache;
}

/**
 * Serves every resource the client's keys can read (organization resources need an organization key; the
 * catalog needs none). Returns the table (its routes and completion use it) and the session's routes; the
 * caller serves both routes (`serveRoutes`).
 */
export function registerResources(
  server: McpServer,
  deps: ServerDeps,
  options: RegisterResourcesOptions = {},
): ServedResources | undefined {
  const directories = options.directories ?? LIVE_DIRECTORIES;
  const table = resourceTable(deps.xyte, options.resources ?? RESOURCES, directories);
  if (table.fixed.size === 0 && table.templates.length === 0) return undefined;
  const low = server.server;
  low.registerCapabilities({
    resources: { listChanged: false, ...(options.subscriptions ? { subscribe: true } : {}) },
  });
  const context = (ctx: ServerContext): ResourceContext => ({
    xyte: deps.xyte,
    signal: ctx.mcpReq.signal,
    directories,
  });
  // Parameters validated here, so a malformed read is -32602 (invalid params), not an internal error.
  low.setRequestHandler("resources/read", { params: UriParams }, async (params, ctx) => {
    const uri = parseResourceUri(params.uri);
    const read = table.reader(uri);
    if (!read) throw new ResourceNotFoundError(params.uri);
    return await readDocument(uri, () => read(context(ctx)));
  });
  const subscriptions = options.subscriptions;
  if (subscriptions?.via !== "subscribe") return { table };
  return {
    table,
    sessionRoutes: subscriptionRoutes(server, () => resourceWatcher(deps, subscriptions.watches, options)),
  };
}

/** The URI of a request, or -32602 naming it when it is not a URI. */
function parseResourceUri(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource URI ${raw} is invalid`, {
      uri: raw,
      reason: "invalid_uri",
    });
  }
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
  options: { resources?: readonly ResourceDefinition[]; directories?: DirectoryCache } = {},
): ResourceWatcher {
  const directories = options.directories ?? LIVE_DIRECTORIES;
  const table = resourceTable(deps.xyte, options.resources ?? RESOURCES, directories);
  return async (raw, onChange) => {
    const uri = parseResourceUri(raw);
    const read = table.reader(uri);
    if (!read) throw new ResourceNotFoundError(raw);
    try {
      return await watches.watch(deps.tenant ?? deps.xyte.identity, uri.href, (limit) =>
        read({
          xyte: deps.xyte.forCall({ cachedReads: false, deadlineAt: limit.at }),
          signal: limit.signal,
          directories,
        }), onChange);
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
function subscriptionRoutes(server: McpServer, makeWatcher: () => ResourceWatcher): Routes {
  const low = server.server;
  let state: { watch: ResourceWatcher; subscribed: Map<string, () => void> } | undefined;
  const session = () => {
    if (state) return state;
    /** Unsubscribe functions by normalized URI. */
    const subscribed = new Map<string, () => void>();
    const previousOnClose = low.onclose;
    low.onclose = () => {
      previousOnClose?.();
      for (const unwatch of subscribed.values()) unwatch();
      subscribed.clear();
    };
    return state = { watch: makeWatcher(), subscribed };
  };
  const subscribe = async (uri: string): Promise<Record<string, never>> => {
    const key = parseResourceUri(uri).href;
    const { watch, subscribed } = session();
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
          resourceLog.debug("resource update not delivered", { message: error.message })
        ),
    );
    // Two subscribes to one URI in flight at once: keep the first.
    if (subscribed.has(key)) unwatch();
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

const resourceTable = weakMemo(
  (
    xyte: XyteClient,
    resources: readonly ResourceDefinition[],
    directories: DirectoryCache,
  ): ResourceTable => {
    const readable = resources.filter((def) =>
      def.scope !== "organization" || xyte.hasKeyFor("organization")
    );
    const metadata = (def: ResourceDefinition) => ({
      title: def.title,
      description: def.description,
      mimeType: RESOURCE_MIME_TYPE,
    });
    const fixed = new Map<string, FixedResource>();
    const templates: ResourceTable["templates"][number][] = [];
    for (const def of readable) {
      if (def.kind === "fixed") {
        fixed.set(new URL(def.uri).href, def);
        continue;
      }
      const complete = Object.fromEntries(
        Object.entries(def.variables).map((
          [name, source],
        ) => [name, completerFor(source, xyte, directories)]),
      );
      templates.push({ def, template: new UriTemplate(def.uriTemplate), complete });
    }
    const fixedListing = [...fixed.values()].map((def) => ({
      uri: def.uri,
      name: def.name,
      ...metadata(def),
    }));
    const templateListing = {
      resourceTemplates: templates.map(({ def }) => ({
        name: def.name,
        uriTemplate: def.uriTemplate,
        ...metadata(def),
      })),
    };
    return {
      fixed,
      templates,
      fixedListing,
      templateListing,
      completer(uri, variable) {
        const match = templates.find((t) => t.def.uriTemplate === uri);
        if (match) return match.complete[variable] ?? "none";
        return fixed.has(uri) ? "none" : undefined;
      },
      routes: {
        "resources/list": async (_request, ctx): Promise<ListResourcesResult> => {
          const context = { xyte, signal: ctx.mcpReq.signal, directories };
          const listed = await Promise.all(
            templates.filter((t) => t.def.list).map((t) => listInstances(t.def, context)),
          );
          return { resources: [...fixedListing, ...listed.flat()] };
        },
        "resources/templates/list": () => templateListing,
      },
      reader(uri) {
        const found = fixed.get(uri.href);
        if (found) return (ctx) => found.read(ctx);
        for (const { def, template } of templates) {
          const variables = template.match(uri.href);
          if (variables) return (ctx) => def.read(decodeVariables(variables), ctx);
        }
        return undefined;
      },
    };
  },
);

/** Reads one document as JSON text, or throws the MCP error describing why it cannot be read. */
async function readDocument(uri: URL, read: () => Promise<unknown>): Promise<ReadResourceResult> {
  return await withRequestContext({ requestId: newRequestId(), resource: uri.href }, async () => {
    const started = performance.now();
    try {
      const text = scrubSecrets(JSON.stringify(await read()));
      resourceLog.info("resource read ok", { ms: Math.round(performance.now() - started) });
      return { contents: [{ uri: uri.href, mimeType: RESOURCE_MIME_TYPE, text }] };
    } catch (error) {
      const mcpError = resourceError(uri.href, error);
      resourceLog.warning("resource read failed", {
        ms: Math.round(performance.now() - started),
        code: mcpError.code,
        error: mcpError.message,
      });
      throw mcpError;
    }
  });
}

/**
 * The MCP error for a failed read: not_found becomes resource-not-found (the SDK answers -32602 with
 * `data.uri`), bad identifiers invalid-params, anything else an internal error; `data.error` carries the
 * same `{code, message, status?, hint, retriable}` as tool errors.
 */
export function resourceError(uri: string, error: unknown): ProtocolError {
  const payload = toErrorPayload(error);
  const status = payload.status !== undefined ? `, HTTP ${payload.status}` : "";
  const retry = payload.retriable ? " Retriable." : "";
  const message =
    `Cannot read ${uri}: ${payload.message} (${payload.code}${status}). ${payload.hint}${retry}`;
  if (payload.code === "not_found") return new ResourceNotFoundError(uri, message);
  const code = payload.code === "validation" || payload.code === "invalid_arguments"
    ? ProtocolErrorCode.InvalidParams
    : ProtocolErrorCode.InternalError;
  return new ProtocolError(code, message, { uri, error: payload });
}

/**
 * A template's instances for resources/list. Listing is discovery: when Xyte cannot be read, the template
 * announces nothing (and the log says why) instead of failing the whole list.
 */
async function listInstances(def: TemplateResource, ctx: ResourceContext): Promise<Resource[]> {
  try {
    const listed = await def.list!(ctx);
    return listed.map((r) => ({
      description: def.description,
      ...r,
      title: r.title ?? r.name,
      mimeType: RESOURCE_MIME_TYPE,
    }));
  } catch (error) {
    const payload = toErrorPayload(error);
    resourceLog.warning("resource list unavailable", { template: def.uriTemplate, code: payload.code });
    return [];
  }
}

/** Template variables as plain, URI-decoded strings. */
export function decodeVariables(variables: Variables): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    const raw = Array.isArray(value) ? value[0] ?? "" : value;
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}
