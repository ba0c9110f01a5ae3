/**
 * MCP over Streamable HTTP on `Deno.serve` + Hono.
 *
 * Routes: `POST|GET|DELETE /mcp` and `GET /healthz`. Two postures:
 * - stateful (default): 2025-era clients get sessions (`Mcp-Session-Id`), so server→client requests and
 *   cancellation work; 2026-07-28 clients are served per request (that revision has no sessions).
 * - stateless (`--stateless`): every request stands alone, for horizontally scaled deployments.
 * When bound to a loopback address, Host and Origin must be loopback names too (DNS-rebinding protection).
 */
import {
  createMcpHandler,
  DEFAULT_MAX_REQUEST_BODY_SIZE,
  hostHeaderValidationResponse,
  isLegacyRequest,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  type McpServer,
  type McpServerFactory,
  originValidationResponse,
} from "@modelcontextprotocol/server";
import { Hono } from "hono";
import type { ServeContext } from "../mcp/server.ts";
import { log } from "../observability/log.ts";
import { VERSION } from "../version.ts";
import { jsonRpcError } from "./jsonrpc.ts";
import { LegacySessions } from "./sessions.ts";

export interface HttpOptions {
  host: string;
  port: number;
  stateless: boolean;
  build: (serve: ServeContext) => McpServer;
}

export interface HttpApp {
  fetch: (request: Request) => Promise<Response>;
  /** Open 2025-era sessions. */
  sessionCount(): number;
  close(): Promise<void>;
}

export interface HttpHandle {
  /** The MCP endpoint, e.g. http://127.0.0.1:8080/mcp */
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK_BINDS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_BINDS.has(host) || host.startsWith("127.");
}

/** The HTTP application, testable without a socket. */
export function createHttpApp(options: HttpOptions): HttpApp {
  const logger = log("http");
  // Per-request instances: a 2025-era client here (stateless mode) cannot receive server→client requests.
  const factory: McpServerFactory = (ctx) => options.build({ era: ctx.era, serverToClient: false });
  const modern = createMcpHandler(factory, {
    legacy: options.stateless ? "stateless" : "reject",
    onerror: (error) => logger.debug("mcp handler reported an error", { message: error.message }),
  });
  const sessions = options.stateless
    ? undefined
    : new LegacySessions(() => options.build({ era: "legacy", serverToClient: true }));
  const checkLoopback = isLoopbackHost(options.host);
  const allowedHosts = localhostAllowedHostnames();
  const allowedOrigins = localhostAllowedOrigins();

  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok", version: VERSION, sessions: sessions?.size ?? 0 }));
  app.all("/mcp", async (c) => {
    const request = c.req.raw;
    if (checkLoopback) {
      const rejected = hostHeaderValidationResponse(request, allowedHosts) ??
        originValidationResponse(request, allowedOrigins);
      if (rejected) return rejected;
    }
    if (!["GET", "POST", "DELETE"].includes(request.method)) {
      return jsonRpcError(405, -32000, "Method not allowed.", { allow: "GET, POST, DELETE" });
    }
    let parsedBody: unknown = undefined;
    if (request.method === "POST") {
      const body = await readJsonBody(request);
      if (body instanceof Response) return body;
      parsedBody = body.value;
    }
    if (sessions && await isLegacyRequest(request, parsedBody)) {
      return sessions.handle(request, parsedBody);
    }
    return modern.fetch(request, { parsedBody });
  });
  app.notFound((c) => c.json({ error: "not found", endpoints: ["/mcp", "/healthz"] }, 404));
  app.onError((error, c) => {
    logger.error("http handler failed", { error: error.message });
    return c.json({ error: "internal error" }, 500);
  });

  return {
    fetch: (request) => Promise.resolve(app.fetch(request)),
    sessionCount: () => sessions?.size ?? 0,
    async close() {
      await sessions?.closeAll();
      await modern.close();
    },
  };
}

/** Serves the app on `Deno.serve`; `close()` stops accepting, then closes sessions. */
export function serveHttp(options: HttpOptions): Promise<HttpHandle> {
  const logger = log("http");
  const app = createHttpApp(options);
  const { promise, resolve, reject } = Promise.withResolvers<HttpHandle>();
  try {
    const server = Deno.serve({
      hostname: options.host,
      port: options.port,
      onListen: ({ port }) => {
        const shownHost = options.host.includes(":") && !options.host.startsWith("[")
          ? `[${options.host}]`
          : options.host;
        const url = `http://${shownHost}:${port}/mcp`;
        logger.info("serving MCP over HTTP", { url, stateless: options.stateless });
        resolve({
          url,
          port,
          async close() {
            await app.close();
            await server.shutdown();
          },
        });
      },
    }, (request) => app.fetch(request));
  } catch (error) {
    reject(error);
  }
  return promise;
}

async function readJsonBody(request: Request): Promise<{ value: unknown } | Response> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > DEFAULT_MAX_REQUEST_BODY_SIZE) {
    return jsonRpcError(413, -32600, `Request body larger than ${DEFAULT_MAX_REQUEST_BODY_SIZE} bytes.`);
  }
  const text = await request.text();
  if (text.length > DEFAULT_MAX_REQUEST_BODY_SIZE) {
    return jsonRpcError(413, -32600, `Request body larger than ${DEFAULT_MAX_REQUEST_BODY_SIZE} bytes.`);
  }
  try {
    return { value: JSON.parse(text) };
  } catch {
    return jsonRpcError(400, -32700, "Parse error: the body is not valid JSON.");
  }
}
