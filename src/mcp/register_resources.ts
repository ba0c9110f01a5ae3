/**
 * Serves the resources of the registry on one MCP server: fixed resources, and templates with their list and
 * completion callbacks. Failures become MCP errors here and only here: an unknown id is a
 * resource-not-found error naming the URI, an upstream failure an error carrying the code, hint and
 * whether retrying helps. Every message and document passes through the secret scrubber.
 *
 * The table of what a client can read is built once per Xyte client and shared: a session adds one
 * request handler (resources/read), not one registration object per resource; the list methods are routes
 * of the table (fallback.ts). Subscriptions are served in register_subscriptions.ts.
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
import type { DirectoryCache } from "../resources/directory.ts";
import {
  type FixedResource,
  RESOURCE_MIME_TYPE,
  type ResourceContext,
  type ResourceDefinition,
  type ResourceReadContext,
  type TemplateResource,
} from "./resource.ts";
import { toErrorPayload } from "./results.ts";
import type { Routes } from "./fallback.ts";
import { weakMemo } from "./weak_memo.ts";
import type { XyteClient } from "../xyte/client.ts";
import type { ServerDeps } from "./server.ts";

const resourceLog = log("resource");

/**
 * What a client can read: built once per kind of client (with or without an organization key), resource list
 * and directory cache, shared by every server over it whatever its tenant. (Built per client, it cost a
 * multi-tenant session, which has a client of its own, about 45 KB.)
 */
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
  reader(uri: URL): ResourceReader | undefined;
  /** resources/list and resources/templates/list. */
  readonly routes: Routes;
}

/** How to read one resource, and which fields of its document follow the clock (`clockFields`). */
export interface ResourceReader {
  read(ctx: ResourceReadContext): Promise<unknown>;
  readonly clockFields: readonly string[];
}

/** The params of requests naming one resource. */
export const UriParams = z.looseObject({ uri: z.string() });

export interface RegisterResourcesOptions {
  /**
   * Promise subscriptions: the caller serves them (register_subscriptions.ts for resources/subscribe, the
   * serving entry for 2026-07-28 `subscriptions/listen`, see listen.ts).
   */
  subscribable?: boolean;
  /** Replaceable for tests. */
  resources?: readonly ResourceDefinition[];
}

/**
 * Serves every resource the client's keys can read (organization resources need an organization key; the
 * catalog needs none). Returns the table: the caller serves its routes (`serveRoutes`), completion uses it.
 */
export function registerResources(
  server: McpServer,
  deps: ServerDeps,
  options: RegisterResourcesOptions = {},
): ResourceTable | undefined {
  const { directories } = deps;
  const table = resourceTable(deps.xyte, options.resources ?? RESOURCES, directories);

  if (table.fixed.size === 0 && table.templates.length === 0) return undefined;
  const low = server.server;
  low.registerCapabilities({
    resources: { listChanged: false, ...(options.subscribable ? { subscribe: true } : {}) },
  });
  const context = (ctx: ServerContext): ResourceReadContext => ({
    // One read is one call for the circuit breaker, however many requests it sends at once.
    xyte: deps.xyte.forCall({}),
    signal: ctx.mcpReq.signal,
    directories,
    exposes: exposesOf(deps),
  });
  // Parameters validated here, so a malformed read is -32602 (invalid params), not an internal error.
  low.setRequestHandler("resources/read", { params: UriParams }, async (params, ctx) => {
    const uri = parseResourceUri(params.uri);
    const reader = table.reader(uri);
    if (!reader) throw new ResourceNotFoundError(params.uri);
    return await readDocument(uri, () => reader.read(context(ctx)), (text) => deps.xyte.redact(text));
  });
  return table;
}

/** Whether the server built over `deps` exposes a tool, by name (what a resource's `more` note may name). */
export function exposesOf(deps: Pick<ServerDeps, "tools">): (tool: string) => boolean {
  return (tool) => deps.tools.some((t) => t.name === tool);
}

/** The URI of a request, or -32602 naming it when it is not a URI. */
export function parseResourceUri(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource URI ${raw} is invalid`, {
      uri: raw,
      reason: "invalid_uri",
    });
  }
}

/** What `xyte` can read, from `resources`. */
export function resourceTable(
  xyte: XyteClient,
  resources: readonly ResourceDefinition[],
  directories: DirectoryCache,
): ResourceTable {
  const scope = xyte.hasKeyFor("organization") ? WITH_ORGANIZATION_KEY : WITHOUT_ORGANIZATION_KEY;
  return tableFor(scope, resources, directories);
}

// Memo keys for the two kinds of client.
const WITH_ORGANIZATION_KEY = { organization: true };
const WITHOUT_ORGANIZATION_KEY = { organization: false };

const tableFor = weakMemo(
  (
    scope: { organization: boolean },
    resources: readonly ResourceDefinition[],
    directories: DirectoryCache,
  ): ResourceTable => {
    const readable = resources.filter((def) => def.scope !== "organization" || scope.organization);
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
        ) => [name, completerFor(source, directories)]),
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
        "resources/list": async (_request, ctx, xyte): Promise<ListResourcesResult> => {
          const context = { xyte: xyte.forCall({}), signal: ctx.mcpReq.signal, directories };
          const listed = await Promise.all(
            templates.filter((t) => t.def.list).map((t) => listInstances(t.def, context)),
          );
          return { resources: [...fixedListing, ...listed.flat()] };
        },
        "resources/templates/list": () => templateListing,
      },
      reader(uri) {
        const found = fixed.get(uri.href);
        if (found) return { read: (ctx) => found.read(ctx), clockFields: found.clockFields ?? [] };
        for (const { def, template } of templates) {
          const variables = template.match(uri.href);
          if (variables) {
            return {
              read: (ctx) => def.read(decodeVariables(variables), ctx),
              clockFields: def.clockFields ?? [],
            };
          }
        }
        return undefined;
      },
    };
  },
);

/**
 * Reads one document as JSON text, without secrets (`redact`: the reader's client's, see `XyteClient.redact`),
 * or throws the MCP error describing why it cannot be read.
 */
async function readDocument(
  uri: URL,
  read: () => Promise<unknown>,
  redact: (text: string) => string,
): Promise<ReadResourceResult> {
  return await withRequestContext({ requestId: newRequestId(), resource: uri.href }, async () => {
    const started = performance.now();
    try {
      const text = redact(JSON.stringify(await read()));
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
