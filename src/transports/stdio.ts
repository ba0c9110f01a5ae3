/**
 * MCP over stdio. stdout carries JSON-RPC only (logs go to stderr). The connection ends when the client
 * closes stdin or when `close()` is called (SIGTERM/SIGINT); `closed` resolves then. The wire is our own
 * line transport, which answers malformed and oversize messages instead of dropping them (stdio_wire.ts).
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { ServeContext } from "../mcp/server.ts";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { log } from "../observability/log.ts";
import { LineStdioTransport } from "./stdio_wire.ts";

export interface StdioHandle {
  /** Resolves when the connection is over (stdin EOF or `close()`). */
  closed: Promise<void>;
  close(): Promise<void>;
}

export function serveOverStdio(build: (serve: ServeContext) => McpServer): StdioHandle {
  const logger = log("stdio");
  const wire = new LineStdioTransport({
    onRefused: (reason) => logger.warning("stdio message refused", { reason }),
  });
  const { promise: closed, resolve } = Promise.withResolvers<void>();
  const handle = serveStdio((ctx) => build({ era: ctx.era, serverToClient: true }), {
    transport: wire,
    onerror: (error) => logger.warning("stdio transport error", { message: error.message }),
  });
  // serveStdio installs its own onclose; chain ours after it so stdin EOF ends the process.
  const entryOnClose = wire.onclose;
  wire.onclose = () => {
    entryOnClose?.();
    resolve();
  };
  logger.info("serving MCP over stdio");
  return {
    closed,
    async close() {
      await handle.close();
      resolve();
    },
  };
}
