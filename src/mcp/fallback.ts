/**
 * Requests answered through the SDK server's fallback handler (`fallbackRequestHandler`, asked for any
 * request without a handler of its own) instead of one registered handler each.
 *
 * A server is built per session (per request when stateless), and every registered handler costs that
 * server about 0.4 KB: the SDK wraps it twice. The list methods and completion answer from tables shared by
 * every session, whatever its tenant (each route is handed the serving server's Xyte client), so their routes
 * are built once with those tables, and a session adds one closure for all of them. Only methods the SDK does nothing more for belong here: `tools/call` (result
 * validation), `resources/read` and `prompts/get` (2026-07-28 input_required) stay registered handlers.
 *
 * That is for 2025-era servers, which live as long as their session. A 2026-07-28 server lives for one
 * request, and there an unknown method must be refused by the SDK itself (HTTP 404, not an in-band error
 * from a fallback), so its routes are registered as handlers.
 */
import {
  type JSONRPCRequest,
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type Result,
  type ServerContext,
} from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { XyteClient } from "../xyte/client.ts";
import { firstFew } from "./results.ts";

/**
 * Answers one method; `request.params` is as the client sent it (validate it with `validParams`). `xyte` is
 * the serving server's client: routes are shared by every server, whatever its tenant.
 */
export type Route = (
  request: JSONRPCRequest,
  ctx: ServerContext,
  xyte: XyteClient,
) => Result | Promise<Result>;

/** Routes by method name. */
export type Routes = Readonly<Record<string, Route>>;

export const NO_ROUTES: Routes = Object.freeze({});

/**
 * Answers `shared` routes (built once, see above) and then `session` routes (made per server, e.g.
 * subscriptions) for a server acting with `xyte`; anything else is method-not-found, as without a fallback.
 * `era` is the server's.
 */
export function serveRoutes(
  server: McpServer,
  era: "legacy" | "modern",
  xyte: XyteClient,
  shared: Routes,
  session: Routes = NO_ROUTES,
): void {
  if (era === "modern") {
    // Every route is a spec request method; the SDK's overloads want each as a literal.
    const register = server.server.setRequestHandler.bind(server.server) as (
      method: string,
      handler: (request: JSONRPCRequest, ctx: ServerContext) => Result | Promise<Result>,
    ) => void;
    for (const [method, route] of [...Object.entries(shared), ...Object.entries(session)]) {
      register(method, (request, ctx) => route(request, ctx, xyte));
    }
    return;
  }
  server.server.fallbackRequestHandler = async (request, ctx) => {
    const route = Object.hasOwn(shared, request.method)
      ? shared[request.method]
      : Object.hasOwn(session, request.method)
      ? session[request.method]
      : undefined;
    if (!route) throw new ProtocolError(ProtocolErrorCode.MethodNotFound, "Method not found");
    return await route(request, ctx, xyte);
  };
}

/** The request's params checked against `schema`, or -32602 (invalid params) saying what is wrong. */
export function validParams<S extends z.ZodType>(schema: S, request: JSONRPCRequest): z.output<S> {
  const parsed = schema.safeParse(request.params ?? {});
  if (parsed.success) return parsed.data;
  throw new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    `Invalid params for ${request.method}: ${describeIssues(parsed.error)}`,
  );
}

/** What is wrong with a value, one `path: message` per issue (the first few; the rest are counted). */
export function describeIssues(error: z.ZodError): string {
  return firstFew(
    error.issues,
    "; ",
    (issue) => issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
  );
}
