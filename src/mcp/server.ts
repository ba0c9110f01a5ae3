/**
 * Builds one `McpServer` from the registry. Transports call `buildServer` once per connection (stdio),
 * session or request (HTTP); everything here is transport-free.
 */
import {
  acceptedContent,
  type CallToolResult,
  inputRequired,
  type InputRequiredResult,
  inputResponse,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { deadline } from "../deadline.ts";
import { log, newRequestId, withRequestContext } from "../observability/log.ts";
import { NO_TELEMETRY, type Telemetry } from "../observability/telemetry.ts";
import { PROGRAM_NAME, VERSION } from "../version.ts";
import type { XyteClient } from "../xyte/client.ts";
import {
  errorResult,
  invalidArguments,
  successResult,
  toErrorPayload,
  ToolFailure,
  UnshapedResultError,
} from "./results.ts";
import { bestEffort, describeError } from "../observability/best_effort.ts";
import { registerCompletion } from "./register_completion.ts";
import { registerPrompts } from "./register_prompts.ts";
import { registerResources } from "./register_resources.ts";
import { subscriptionRoutes } from "./register_subscriptions.ts";
import { CACHE_ARGUMENT, toolListing } from "./schemas.ts";
import type { ResourceWatches } from "./subscriptions.ts";
import { touchedIds } from "./touched.ts";
import type { DirectoryCache } from "../resources/directory.ts";
import { NO_ROUTES, type Routes, serveRoutes } from "./fallback.ts";
import { weakMemo } from "./weak_memo.ts";
import type { ConfirmationSpec, Tool, ToolContext } from "./tool.ts";

export interface ServerDeps {
  xyte: XyteClient;
  /** Stable id of the tenant (a hash of its keys); absent, the Xyte client's identity stands for it. */
  tenant?: string;
  /**
   * What the tenant's use of shared limits (resources watched) counts against: each of its keys alone, so
   * one key sent with varying other keys still has one share. Absent: the tenant itself.
   */
  quota?: readonly string[];
  /** The tools to expose (already filtered for read-only mode and toolsets). */
  tools: readonly Tool[];
  readOnly: boolean;
  /** Where tool-call metrics go (none by default). */
  telemetry?: Telemetry;
  /** Deadline of one tool call in ms, retries and pages included (none by default). */
  toolTimeoutMs?: number;
  /** Resource subscriptions of the process; none = resources/subscribe is not offered. */
  watches?: ResourceWatches;
  /**
   * The live directories (devices, spaces, open tickets) that completions and resource lists read: one per
   * process, shared by every server instance, forgotten for a client after its writes.
   */
  directories: DirectoryCache;
}

/** How the transport serving this server instance can reach the client. */
export interface ServeContext {
  era: "legacy" | "modern";
  /**
   * Whether server→client requests can reach a 2025-era client (stdio, or HTTP with a session). 2026-07-28
   * clients receive elicitation inside the tool result, so this does not matter for them.
   */
  serverToClient: boolean;
  /**
   * 2026-07-28: whether the serving entry answers `subscriptions/listen` by watching the listened resources
   * (listen.ts), so this server may promise resource subscriptions.
   */
  listens?: boolean;
}

/**
 * The `instructions` sent at initialize: what the server is for, where to start among the tools actually
 * exposed, and the error contract. Tools that are not exposed are not named.
 */
export function serverInstructions(tools: readonly Tool[]): string {
  const has = (name: string) => tools.some((t) => t.name === name);
  const lines = [
    "Xyte device-management platform: device fleets in a space tree (sites, buildings, floors, rooms), their " +
    "incidents, support tickets and commands.",
  ];
  if (has("fleet_summary")) {
    lines.push("Start with fleet_summary for the health of the fleet or of one site.");
  }
  if (has("diagnose_device")) lines.push("Use diagnose_device before acting on a device that misbehaves.");
  if (has("list_devices")) {
    lines.push(
      "Spaces can be given by id or by name wherever a tool takes `space`; ids from lists feed get tools.",
    );
  }
  lines.push("Reads may be served from a short cache; pass cache: false to a read tool for fresh data.");
  if (has("call_endpoint")) {
    lines.push(
      "Anything else: search_endpoints, then describe_endpoint, then call_endpoint (dry_run first).",
    );
  }
  lines.push(
    "Destructive tools need confirm = the target id, after the user agrees. A failed call returns isError with " +
      "structuredContent.error = {code, message, status?, hint, retriable}: follow the hint; retry only when " +
      "retriable is true.",
  );
  return lines.join(" ");
}

const toolLog = log("tool");
const ConfirmAnswer = z.object({ confirm: z.boolean() });

export function buildServer(
  deps: ServerDeps,
  serve: ServeContext = { era: "legacy", serverToClient: true },
): McpServer {
  const server = new McpServer(
    { name: PROGRAM_NAME, title: "Xyte", version: VERSION },
    { capabilities: { logging: {} }, instructions: serverInstructions(deps.tools) },
  );
  const canElicit = (ctx: ServerContext) => clientCanElicit(server, ctx, serve);
  const tools = registerTools(server, deps, canElicit);
  const subscriptions = subscriptionsFor(deps, serve);
  const resources = registerResources(server, deps, { subscribable: subscriptions !== undefined });
  const prompts = registerPrompts(server, deps);
  const completion = registerCompletion(server, { resources, prompts });
  serveRoutes(
    server,
    serve.era,
    deps.xyte,
    sharedRoutes(
      tools ?? NO_ROUTES,
      resources?.routes ?? NO_ROUTES,
      prompts?.routes ?? NO_ROUTES,
      completion ?? NO_ROUTES,
    ),
    resources && subscriptions?.via === "subscribe"
      ? subscriptionRoutes(server, deps, subscriptions.watches)
      : undefined,
  );
  return server;
}

/** The routes of every session over the same tables, merged once (fallback.ts). */
const sharedRoutes = weakMemo((...parts: Routes[]): Routes => Object.assign(Object.create(null), ...parts));

/**
 * How this server offers resource subscriptions, if at all. A subscriber is notified between its requests:
 * 2025-era clients over stdio or an HTTP session subscribe with resources/subscribe; 2026-07-28 clients
 * listen (subscriptions/listen) where the entry serves that; a stateless 2025-era request has nowhere to
 * receive a notification.
 */
function subscriptionsFor(
  deps: ServerDeps,
  serve: ServeContext,
): { watches: ResourceWatches; via: "subscribe" | "listen" } | undefined {
  if (!deps.watches) return undefined;
  if (serve.era === "legacy") {
    return serve.serverToClient ? { watches: deps.watches, via: "subscribe" } : undefined;
  }
  return serve.listens ? { watches: deps.watches, via: "listen" } : undefined;
}

/**
 * Answers `tools/call` with one handler on the low-level server instead of registering each tool with
 * `McpServer.registerTool`, and returns the `tools/list` route: the listing is computed once per tool set and
 * shared by every server instance, so a session costs a few hundred bytes instead of one registration per
 * tool.
 */
function registerTools(
  server: McpServer,
  deps: ServerDeps,
  canElicit: (ctx: ServerContext) => boolean,
): Routes | undefined {
  if (deps.tools.length === 0) return undefined;
  const { byName, routes } = toolTable(deps.tools);
  warmToolListings(deps.tools);
  server.server.registerCapabilities({ tools: { listChanged: false } });
  server.server.setRequestHandler("tools/call", (request, ctx) => {
    const tool = byName.get(request.params.name);
    if (!tool) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${request.params.name} not found`);
    }
    return runTool(tool, request.params.arguments, ctx, deps, canElicit);
  });
  return routes;
}

/** The tools by name, and the tools/list route: once per tool set. */
const toolTable = weakMemo((tools: readonly Tool[]) => ({
  byName: new Map(tools.map((tool) => [tool.name, tool])),
  routes: { "tools/list": () => ({ tools: tools.map(toolListing) }) } satisfies Routes,
}));

let listingsWarmed = false;

/**
 * Converting the tool schemas (once per process, `toolListing` keeps them) is the largest part of building
 * the first server: it is left out of the first initialize answer and done right after it, while the client
 * reads that answer.
 */
function warmToolListings(tools: readonly Tool[]): void {
  if (listingsWarmed) return;
  listingsWarmed = true;
  setTimeout(() => tools.forEach(toolListing), 0);
}

/**
 * Validates arguments, asks for confirmation when the tool needs it, runs the tool with a request id in
 * every log line, and shapes the result.
 */
export function runTool(
  tool: Tool,
  rawArgs: unknown,
  ctx: ServerContext,
  deps: ServerDeps,
  canElicit: (ctx: ServerContext) => boolean = () => false,
): Promise<CallToolResult | InputRequiredResult> {
  const requestId = newRequestId();
  // The tenant (a hash of its keys) tells an operator of a multi-tenant server whose calls fail.
  return withRequestContext({ requestId, tool: tool.name, tenant: deps.tenant }, async () => {
    const started = performance.now();
    try {
      return await answerToolCall(tool, rawArgs, ctx, deps, canElicit, requestId, started);
    } catch (error) {
      // A fault before the tool ran (checking arguments, asking for confirmation) is a bug of ours: the
      // client gets the typed internal error, as for one inside a tool, never the thrown message. (Counting
      // is the last step of answerToolCall and cannot throw: a call it counted does not come here.)
      const payload = toErrorPayload(error, (text) => deps.xyte.redact(text));
      bestEffort("counting the call", () => {
        (deps.telemetry ?? NO_TELEMETRY).toolCall(tool.name, "error", payload.code, elapsed(started) / 1000);
      });
      toolLog.error("tool call failed unexpectedly", { ms: elapsed(started), error: describeError(error) });
      return errorResult(payload);
    }
  });
}

/**
 * runTool's work, in the call's request context; what it throws before the tool runs, runTool answers as an
 * internal error. Once the tool ran, what follows (telling watches and caches of a write, logging and
 * counting the call) is best effort: it cannot turn the answer into another, nor count the call twice.
 */
async function answerToolCall(
  tool: Tool,
  rawArgs: unknown,
  ctx: ServerContext,
  deps: ServerDeps,
  canElicit: (ctx: ServerContext) => boolean,
  requestId: string,
  started: number,
): Promise<CallToolResult | InputRequiredResult> {
  const telemetry = deps.telemetry ?? NO_TELEMETRY;
  /** Counts the call in the tool metrics: the last step of every answer, which cannot throw. */
  const count = (outcome: "ok" | "error", code: string | undefined) =>
    bestEffort(
      "counting the call",
      () => telemetry.toolCall(tool.name, outcome, code, elapsed(started) / 1000),
    );
  /** A call answered with an error before the tool ran (it still counts in the tool metrics). */
  const refused = <R extends CallToolResult>(result: R, code: string): R => {
    count("error", code);
    return result;
  };
  const { args, useCache, problem } = takeCacheArgument(tool, rawArgs);
  if (problem) {
    const payload = toErrorPayload(problem);
    return refused(errorResult(payload), payload.code);
  }
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) {
    const payload = toErrorPayload(
      invalidArguments(tool.name, parsed.error, Object.keys(tool.input.shape)),
    );
    toolLog.info("tool call rejected: invalid arguments", { code: payload.code });
    return refused(errorResult(payload), payload.code);
  }
  const confirmation = tool.confirmation(parsed.data);
  if (confirmation) {
    const gate = await confirmationGate(confirmation, parsed.data, ctx, canElicit(ctx), deps);
    if (isErrorResult(gate)) {
      toolLog.info("tool call awaits confirmation", { outcome: "refused" });
      return refused(gate, errorCodeOf(gate));
    }
    if (gate !== "confirmed") {
      // Asking the user (input required) is no outcome yet.
      toolLog.info("tool call awaits confirmation", { outcome: "elicit" });
      return gate;
    }
  }
  // Aborted when the client cancels (notifications/cancelled) or the call's deadline passes; released
  // when the call ends. Upstream retries stop at the same moment.
  using callDeadline = deps.toolTimeoutMs === undefined
    ? undefined
    : deadline(deps.toolTimeoutMs, ctx.mcpReq.signal);
  const toolContext: ToolContext = {
    xyte: deps.xyte.forCall({
      cachedReads: useCache,
      ...(callDeadline ? { deadlineAt: callDeadline.at } : {}),
    }),
    signal: callDeadline?.signal ?? ctx.mcpReq.signal,
    requestId,
    log: toolLog,
    progress: progressReporter(ctx),
    readOnly: deps.readOnly,
    cachedReads: useCache,
    exposes: (name) => toolTable(deps.tools).byName.has(name),
  };
  const redact = (text: string) => deps.xyte.redact(text);
  let answer: { ok: CallToolResult } | { failed: unknown };
  try {
    const { result, summary } = await tool.execute(parsed.data, toolContext);
    try {
      answer = { ok: successResult(summary, result, tool.content, redact) };
    } catch (error) {
      answer = { failed: new UnshapedResultError(tool.name, tool.annotations.readOnlyHint, error) };
    }
  } catch (error) {
    answer = { failed: error };
  }
  if (!tool.annotations.readOnlyHint) {
    // Whatever the outcome (a write that timed out may still have landed), watched resources may differ.
    bestEffort("telling watched resources of the write", () => {
      deps.watches?.written(deps.tenant ?? deps.xyte.identity, touchedIds(parsed.data));
    });
    bestEffort("forgetting the client's directories", () => deps.directories.forget(deps.xyte));
  }
  if ("ok" in answer) {
    toolLog.info("tool call ok", { ms: elapsed(started) });
    count("ok", undefined);
    return answer.ok;
  }
  const payload = toErrorPayload(answer.failed, redact);
  if (payload.code === "internal") {
    toolLog.error("tool call failed unexpectedly", {
      ms: elapsed(started),
      error: describeError(answer.failed),
    });
  } else {
    toolLog.warning("tool call failed", { ms: elapsed(started), code: payload.code, status: payload.status });
  }
  count("error", payload.code);
  return errorResult(payload);
}

/**
 * Read tools take `cache: false` besides their own arguments; it is removed before the tool's schema sees
 * the arguments. Any other tool gets its arguments untouched (a stray `cache` is then an unknown argument).
 */
function takeCacheArgument(
  tool: Tool,
  rawArgs: unknown,
): { args: unknown; useCache: boolean; problem?: ToolFailure } {
  const args = rawArgs ?? {};
  if (!tool.annotations.readOnlyHint || typeof args !== "object" || !(CACHE_ARGUMENT in args)) {
    return { args, useCache: true };
  }
  const { [CACHE_ARGUMENT]: cache, ...rest } = args as Record<string, unknown>;
  if (typeof cache !== "boolean") {
    return {
      args: rest,
      useCache: true,
      problem: new ToolFailure({
        code: "invalid_arguments",
        message: `invalid arguments for ${tool.name}: cache: expected a boolean`,
        hint: "Pass cache: false for fresh data, or leave it out.",
        retriable: false,
      }),
    };
  }
  return { args: rest, useCache: cache };
}

/**
 * A destructive call goes ahead when `confirm` names the target, or when the user accepted an elicitation.
 * Otherwise: ask (if the client can be asked), or refuse with a hint saying what to pass.
 */
async function confirmationGate(
  spec: ConfirmationSpec,
  args: unknown,
  ctx: ServerContext,
  canElicit: boolean,
  deps: ServerDeps,
): Promise<"confirmed" | CallToolResult | InputRequiredResult> {
  const given = (args as { confirm?: unknown }).confirm;
  if (typeof given === "string") {
    if (spec.accepts.includes(given)) return "confirmed";
    return errorResult({
      code: "confirmation_mismatch",
      message: `confirm was ${JSON.stringify(given)}, which does not name the target`,
      hint: `To proceed, pass confirm: ${JSON.stringify(spec.accepts[0])}.`,
      retriable: false,
    });
  }
  const answer = inputResponse(ctx.mcpReq.inputResponses, "confirm");
  if (answer.kind === "elicit") {
    if (acceptedContent(ctx.mcpReq.inputResponses, "confirm", ConfirmAnswer)?.confirm === true) {
      return "confirmed";
    }
    return errorResult({
      code: "cancelled_by_user",
      message: "the user did not confirm the operation; nothing was changed",
      hint: "Do not retry unless the user asks for it.",
      retriable: false,
    });
  }
  const message = await confirmationMessage(spec, ctx, deps);
  if (typeof message !== "string") return message;
  if (canElicit) {
    return inputRequired({
      inputRequests: {
        confirm: inputRequired.elicit({
          message,
          requestedSchema: {
            type: "object",
            properties: { confirm: { type: "boolean", title: "Confirm", description: message } },
            required: ["confirm"],
          },
        }),
      },
    });
  }
  return errorResult({
    code: "confirmation_required",
    message: `${message} This operation needs confirmation; nothing was sent.`,
    hint: `Ask the user, then call again with confirm: ${JSON.stringify(spec.accepts[0])}.`,
    retriable: false,
  });
}

/**
 * What the user is asked: the spec's message, or the target read and named (`describe`). A failed read is
 * the call's error result, before anyone is asked.
 */
async function confirmationMessage(
  spec: ConfirmationSpec,
  ctx: ServerContext,
  deps: ServerDeps,
): Promise<string | CallToolResult> {
  if (!spec.describe) return spec.message;
  using limit = deadline(deps.toolTimeoutMs ?? CONFIRMATION_READ_MS, ctx.mcpReq.signal);
  const redact = (text: string) => deps.xyte.redact(text);
  try {
    // The question carries Xyte's names for the target: scrubbed like any result (a client's own key).
    return redact(await spec.describe(deps.xyte.forCall({ deadlineAt: limit.at }), limit.signal));
  } catch (error) {
    return errorResult(toErrorPayload(error, redact));
  }
}

/** Bound on reading a target to name it, when no tool deadline is configured. */
const CONFIRMATION_READ_MS = 15_000;

/** Whether this client accepts form elicitation over the way this server instance reaches it. */
function clientCanElicit(server: McpServer, ctx: ServerContext, serve: ServeContext): boolean {
  if (serve.era === "modern") {
    const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
    const caps = envelope?.["io.modelcontextprotocol/clientCapabilities"] as
      | { elicitation?: unknown }
      | undefined;
    return caps?.elicitation !== undefined;
  }
  if (!serve.serverToClient) return false;
  return server.server.getClientCapabilities()?.elicitation !== undefined;
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

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function isErrorResult(
  result: CallToolResult | InputRequiredResult | "confirmed",
): result is CallToolResult {
  return result !== "confirmed" && (result as CallToolResult).isError === true;
}

/** The `error.code` of an error result. */
function errorCodeOf(result: CallToolResult): string {
  const code = (result.structuredContent as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === "string" ? code : "internal";
}
