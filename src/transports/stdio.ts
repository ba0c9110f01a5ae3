/**
 * MCP over stdio. stdout carries JSON-RPC only (logs go to stderr). The client is done when it closes stdin
 * (`ended` resolves); `close(graceMs)` then ends the connection gracefully, as it does on SIGTERM/SIGINT:
 * every request read is answered, by the server within the grace period or with the shutdown's error after
 * it, before the connection closes. The wire is our own line transport, which answers malformed and oversize
 * messages instead of dropping them (stdio_wire.ts).
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { StdioListens } from "../mcp/listen.ts";
import type { ResourceWatcher } from "../mcp/register_subscriptions.ts";
import type { ServeContext } from "../mcp/server.ts";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { log } from "../observability/log.ts";
import { LineStdioTransport } from "./stdio_wire.ts";

export interface StdioHandle {
  /** Resolves when no request can arrive any more: stdin ended, or the connection closed. */
  ended: Promise<void>;
  /**
   * Stops reading stdin, lets the requests read be answered within `graceMs`, answers those still unanswered
   * then with the shutdown's error, closes the server and flushes stdout. `drained`: all answered in time.
   */
  close(graceMs: number): Promise<{ drained: boolean }>;
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
  const { promise: ended, resolve: end } = Promise.withResolvers<void>();
  // stdin EOF leaves the connection open: the requests read are still being answered (see `close`).
  wire.onend = end;
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
  // before the entry serves them, and a connection the server closes ends the process.
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
    end();
  };
  logger.info("serving MCP over stdio");
  return {
    ended,
    async close(graceMs) {
      await wire.stopReading();
      const drained = await wire.waitAnswered(graceMs);
      // Not drained: calls are cut (they get an error answer), which an operator should see.
      if (drained) logger.info("draining done", { drained });
      else logger.warning("draining done", { drained, inFlight: wire.pendingRequests });
      await wire.answerPendingForShutdown();
      // Closes the server (its calls still running are aborted), then the wire once stdout is written.
      await handle.close();
      listens?.close();
      end();
      return { drained };
    },
  };
}
