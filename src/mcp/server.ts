/**
 * Builds one `McpServer` from the registry. Transports call `buildServer` once per connection (stdio),
 * session or request (HTTP); everything here is transport-free.
 */
import { type CallToolResult, McpServer, type ServerContext } from "@modelcontextprotocol/server";
import { log, newRequestId, withRequestContext } from "../observability/log.ts";
import { PROGRAM_NAME, VERSION } from "../version.ts";
import type { XyteClient } from "../xyte/client.ts";
import { errorResult, invalidArguments, successResult, toErrorPayload } from "./results.ts";
import { publishedInput, publishedOutput } from "./schemas.ts";
import type { Tool, ToolContext } from "./tool.ts";

export interface ServerDeps {
  xyte: XyteClient;
  /** The tools to expose (already filtered for read-only mode and toolsets). */
  tools: readonly Tool[];
}

export const SERVER_INSTRUCTIONS = [
  "Tools for the Xyte device-management platform: device fleets in a space tree (sites, buildings, rooms),",
  "their incidents and support tickets. Start with get_organization_info for totals, list_devices to find",
  "devices (filter by status, space, name or model), get_device for one device, list_incidents and",
  "list_tickets for problems. Ids from list results are valid inputs to the get tools. Errors come back",
  "as structuredContent.error with a code, a hint and whether retrying helps.",
].join(" ");

const toolLog = log("tool");

export function buildServer(deps: ServerDeps): McpServer {
  const server = new McpServer(
    { name: PROGRAM_NAME, title: "Xyte", version: VERSION },
    { capabilities: { logging: {} }, instructions: SERVER_INSTRUCTIONS },
  );
  for (const tool of deps.tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: publishedInput(tool.input),
        outputSchema: publishedOutput(tool.output),
        annotations: { title: tool.title, ...tool.annotations },
      },
      (args: unknown, ctx: ServerContext) => runTool(tool, args, ctx, deps),
    );
  }
  return server;
}

/** Validates arguments, runs the tool with a request id in every log line, and shapes the result. */
export function runTool(
  tool: Tool,
  rawArgs: unknown,
  ctx: ServerContext,
  deps: ServerDeps,
): Promise<CallToolResult> {
  const requestId = newRequestId();
  return withRequestContext({ requestId, tool: tool.name }, async () => {
    const started = performance.now();
    const parsed = tool.input.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const payload = toErrorPayload(invalidArguments(tool.name, parsed.error));
      toolLog.info("tool call rejected: invalid arguments", { code: payload.code });
      return errorResult(payload);
    }
    const toolContext: ToolContext = {
      xyte: deps.xyte,
      signal: ctx.mcpReq.signal,
      requestId,
      log: toolLog,
      progress: progressReporter(ctx),
    };
    try {
      const { result, summary } = await tool.execute(parsed.data, toolContext);
      toolLog.info("tool call ok", { ms: elapsed(started) });
      return successResult(summary, result);
    } catch (error) {
      const payload = toErrorPayload(error);
      if (payload.code === "internal") {
        toolLog.error("tool call failed unexpectedly", { ms: elapsed(started), error: describeError(error) });
      } else {
        toolLog.warning("tool call failed", {
          ms: elapsed(started),
          code: payload.code,
          status: payload.status,
        });
      }
      return errorResult(payload);
    }
  });
}

function progressReporter(ctx: ServerContext): ToolContext["progress"] {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return () => Promise.resolve();
  return async (progress, total, message) => {
    try {
      await ctx.mcpReq.notify({
        method: "notifications/progress",
        params: {
          progressToken: token,
          progress,
          ...(total !== undefined ? { total } : {}),
          ...(message ? { message } : {}),
        },
      });
    } catch {
      // Progress is best effort; a closed stream must not fail the call.
    }
  };
}

/** Name and message of an unexpected error, for the log (stack traces stay out of tool results). */
function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
