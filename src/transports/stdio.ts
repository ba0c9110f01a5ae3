/**
 * MCP over stdio. stdout carries JSON-RPC only (logs go to stderr). The connection ends when the client
 * closes stdin or when `close()` is called (SIGTERM/SIGINT); `closed` resolves then. The wire is our own
 * line transport, which answers malformed and oversize messages instead of dropping them (stdio_wire.ts).
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { StdioListens } from "../mcp/listen.ts";
import type { ResourceWatcher } from "../mcp/register_subscriptions.ts";
import type { ServeContext } from "../mcp/server.ts";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { log } from "../observability/log.ts";
import { LineStdioTransport } from "./stdio_wire.ts";

export interface StdioHandle {
  /** Resolves when the connection is over (stdin EOF or `close()`). */
  closed: Promise<void>;
  close(): Promise<void>;
}

export interface StdioOptions {
  /** Watches resources for 2026-07-28 clients that listen (subscriptions/listen); none = not offered. */
  watch?: ResourceWatcher;
}

export function serveOverStdio(
  build: (serve: ServeContext) => McpServer,
  options: StdioOptions = {},
): StdioHandle {
  const logger = log("stdio");
  const wire = new LineStdioTransport({
    onRefused: (reason) => logger.warning("stdio message refused", { reason }),
  });
  const { promise: closed, resolve } = Promise.withResolvers<void>();
  // The server a 2026-07-28 client is served by: listen streams hear of changes through its notifications.
  // A 2025-era connection has no subscriptions/listen (a listen request there is refused by the entry).
  let modernServer: McpServer | undefined;
  let legacyConnection = false;
  const handle = serveStdio((ctx) => {
    const server = build({ era: ctx.era, serverToClient: true, listens: options.watch !== undefined });
    modernServer = ctx.era === "modern" ? server : undefined;
    legacyConnection = ctx.era === "legacy";
    return server;
  }, {
    transport: wire,
    onerror: (error) => logger.warning("stdio transport error", { error: error.message }),
  });
  const listens = options.watch &&
    new StdioListens(
      options.watch,
      (uri) =>
        void modernServer?.server.sendResourceUpdated({ uri }).catch((error: Error) =>
          logger.debug("resource update not delivered", { error: error.message })
        ),
    );
  // serveStdio installs its own onmessage and onclose; chain ours around them: listen requests are seen
  // before the entry serves them, and stdin EOF ends the process.
  const entryOnMessage = wire.onmessage;
  wire.onmessage = (message) => {
    // The first message may be the listen request itself: the server is built as the entry serves it.
    if (!legacyConnection) listens?.inspect(message);
    entryOnMessage?.(message);
  };
  const entryOnClose = wire.onclose;
  wire.onclose = () => {
    entryOnClose?.();
    listens?.close();
    resolve();
  };
  logger.info("serving MCP over stdio");
  return {
    closed,
    async close() {
      await handle.close();
      listens?.close();
      resolve();
    },
  };
}
