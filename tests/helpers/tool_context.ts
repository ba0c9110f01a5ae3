/**
 * A tool context for calling a tool's `run` directly: a fresh signal, no progress, every tool exposed, reads
 * cached, writes allowed; `overrides` change any of it.
 */
import type { ToolContext } from "../../src/mcp/tool.ts";
import { log } from "../../src/observability/log.ts";
import type { XyteClient } from "../../src/xyte/client.ts";

export function toolContext(
  xyte: XyteClient,
  overrides: Partial<Omit<ToolContext, "xyte">> = {},
): ToolContext {
  return {
    xyte,
    signal: new AbortController().signal,
    requestId: "r1",
    log: log("test"),
    progress: () => Promise.resolve(),
    readOnly: false,
    cachedReads: true,
    exposes: () => true,
    ...overrides,
  };
}
