/**
 * Sessions for 2025-era Streamable HTTP clients: one transport and one server per `Mcp-Session-Id`.
 * A session starts with an `initialize` POST and ends on DELETE or when the server closes.
 */
import {
  isInitializeRequest,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { log } from "../observability/log.ts";
import { jsonRpcError } from "./jsonrpc.ts";

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
}

export class LegacySessions {
  readonly #sessions = new Map<string, Session>();
  readonly #build: () => McpServer;
  readonly #log = log("http", "session");

  constructor(build: () => McpServer) {
    this.#build = build;
  }

  get size(): number {
    return this.#sessions.size;
  }

  handle(request: Request, parsedBody: unknown): Promise<Response> {
    const sessionId = request.headers.get("mcp-session-id");
    if (sessionId) {
      const session = this.#sessions.get(sessionId);
      if (!session) {
        return Promise.resolve(
          jsonRpcError(404, -32001, "Session not found: start a new one with initialize."),
        );
      }
      return session.transport.handleRequest(request, { parsedBody });
    }
    if (request.method === "POST" && startsSession(parsedBody)) return this.#open(request, parsedBody);
    return Promise.resolve(
      jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header required (initialize first)."),
    );
  }

  async closeAll(): Promise<void> {
    const open = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.allSettled(open.map((s) => s.server.close()));
  }

  async #open(request: Request, parsedBody: unknown): Promise<Response> {
    const server = this.#build();
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id) => {
        this.#sessions.set(id, { transport, server });
        this.#log.info("session opened", { sessions: this.#sessions.size });
      },
      onsessionclosed: (id) => {
        this.#sessions.delete(id);
        this.#log.info("session closed", { sessions: this.#sessions.size });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.#sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    return transport.handleRequest(request, { parsedBody });
  }
}

function startsSession(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}
