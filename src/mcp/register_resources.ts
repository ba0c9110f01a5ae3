/**
 * Registers the resources of the registry on one `McpServer`: fixed resources, templates with their
 * list and completion callbacks. Failures become MCP errors here and only here: an unknown id is a
 * resource-not-found error naming the URI, an upstream failure an error carrying the code, hint and
 * whether retrying helps. Every message and document passes through the secret scrubber.
 */
import {
  type ListResourcesResult,
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ReadResourceResult,
  ResourceNotFoundError,
  ResourceTemplate,
  type ServerContext,
  type Variables,
} from "@modelcontextprotocol/server";
import { log, newRequestId, withRequestContext } from "../observability/log.ts";
import { RESOURCES } from "../registry.ts";
import { completerFor } from "../resources/completers.ts";
import { type DirectoryCache, LIVE_DIRECTORIES } from "../resources/directory.ts";
import { scrubSecrets } from "../secret.ts";
import {
  RESOURCE_MIME_TYPE,
  type ResourceContext,
  type ResourceDefinition,
  type TemplateResource,
} from "./resource.ts";
import { toErrorPayload } from "./results.ts";
import type { XyteClient } from "../xyte/client.ts";
import type { ServerDeps } from "./server.ts";

const resourceLog = log("resource");

/**
 * Registers every resource the client's keys can read (organization resources need an organization key;
 * the catalog needs none). `directories` is replaceable for tests.
 */
export function registerResources(
  server: McpServer,
  deps: ServerDeps,
  resources: readonly ResourceDefinition[] = RESOURCES,
  directories: DirectoryCache = LIVE_DIRECTORIES,
): void {
  const context = (ctx: ServerContext): ResourceContext => ({
    xyte: deps.xyte,
    signal: ctx.mcpReq.signal,
    directories,
  });
  for (const def of resources) {
    if (def.scope === "organization" && !deps.xyte.hasKeyFor("organization")) continue;
    const metadata = { title: def.title, description: def.description, mimeType: RESOURCE_MIME_TYPE };
    if (def.kind === "fixed") {
      server.registerResource(
        def.name,
        def.uri,
        metadata,
        (uri, ctx) => readDocument(uri, () => def.read(context(ctx))),
      );
      continue;
    }
    server.registerResource(
      def.name,
      templateFor(def, deps.xyte, directories),
      metadata,
      (uri, variables, ctx) => readDocument(uri, () => def.read(decodeVariables(variables), context(ctx))),
    );
  }
}

/**
 * URI templates (with their list and completion callbacks, which query one Xyte client) are built once per
 * client and shared by every server over it, so a session costs little more than its transport.
 */
const templatesByClient = new WeakMap<XyteClient, WeakMap<DirectoryCache, Map<string, ResourceTemplate>>>();

function templateFor(
  def: Extract<ResourceDefinition, { kind: "template" }>,
  xyte: XyteClient,
  directories: DirectoryCache,
): ResourceTemplate {
  let byDirectories = templatesByClient.get(xyte);
  if (!byDirectories) templatesByClient.set(xyte, byDirectories = new WeakMap());
  let byName = byDirectories.get(directories);
  if (!byName) byDirectories.set(directories, byName = new Map());
  let template = byName.get(def.name);
  if (!template) {
    const complete = Object.fromEntries(
      Object.entries(def.variables).map(([name, source]) => [name, completerFor(source, xyte, directories)]),
    );
    const list = def.list
      ? (ctx: ServerContext) => listInstances(def, { xyte, signal: ctx.mcpReq.signal, directories })
      : undefined;
    byName.set(def.name, template = new ResourceTemplate(def.uriTemplate, { list, complete }));
  }
  return template;
}

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
async function listInstances(def: TemplateResource, ctx: ResourceContext): Promise<ListResourcesResult> {
  try {
    const listed = await def.list!(ctx);
    return {
      resources: listed.map((r) => ({ ...r, title: r.title ?? r.name, mimeType: RESOURCE_MIME_TYPE })),
    };
  } catch (error) {
    const payload = toErrorPayload(error);
    resourceLog.warning("resource list unavailable", { template: def.uriTemplate, code: payload.code });
    return { resources: [] };
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
