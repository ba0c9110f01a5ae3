/**
 * Fixtures for the 2026-07-28 revision's scenarios (`@modelcontextprotocol/conformance@0.2.0-alpha.12
 * --requirements 2026-07-28`, a report only): the multi-round-trip tools and prompt of SEP-2322
 * (`test_input_required_result_*`) and two diagnostic tools of SEP-2575 (`test_streaming_elicitation`,
 * `test_logging_tool`). Written once with the SDK's `inputRequired` helpers: a
 * 2026-07-28 client gets `input_required` results; a 2025-era session gets real server→client requests from
 * the SDK's legacy shim.
 *
 * `requestState` is sealed with the SDK's HMAC codec (a per-process key: one fixture process serves every
 * round), so a tampered state is refused with -32602 before any handler runs.
 *
 * Not provided: `test_missing_capability` (must answer -32021 when the client lacks sampling). A tool
 * registered with `McpServer.registerTool` cannot: SDK 2.4.0 turns every error its handler throws, including
 * `MissingRequiredClientCapabilityError`, into an `isError` result (only -32042 passes through).
 */
import {
  acceptedContent,
  createRequestStateCodec,
  type GetPromptResult,
  inputRequired,
  inputResponse,
  type McpServer,
  type RequestStateCodec,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";

/** What the fixture's multi-round tools keep between rounds. */
export interface FixtureState {
  kind: string;
  round?: number;
  name?: string;
}

/** One codec for the process; its `verify` goes into the server options (`requestState.verify`). */
export const FIXTURE_STATE_CODEC: RequestStateCodec<FixtureState> = createRequestStateCodec<FixtureState>({
  key: crypto.getRandomValues(new Uint8Array(32)),
});

type Text = { content: { type: "text"; text: string }[] };
const text = (value: string): Text => ({ content: [{ type: "text", text: value }] });
const noArgs = z.object({});
const Name = z.object({ name: z.string() });

const askName = (message = "What is your name?") =>
  inputRequired.elicit({
    message,
    requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
  });
const askConfirm = () =>
  inputRequired.elicit({
    message: "Please confirm",
    requestedSchema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] },
  });

/** The client capabilities a 2026-07-28 request declares in its `_meta` envelope (2025-era: the session's). */
function clientCapabilities(server: McpServer, ctx: ServerContext): Record<string, unknown> {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const declared = envelope?.["io.modelcontextprotocol/clientCapabilities"];
  if (declared && typeof declared === "object") return declared as Record<string, unknown>;
  return (server.server.getClientCapabilities() ?? {}) as Record<string, unknown>;
}

export function registerRevision2026Fixtures(server: McpServer): void {
  const codec = FIXTURE_STATE_CODEC;

  server.registerTool(
    "test_input_required_result_elicitation",
    { description: "MRTR: returns InputRequiredResult with an elicitation request", inputSchema: noArgs },
    (_args, ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, "user_name", Name);
      // A missing or wrong key is re-requested, not refused (SEP-2322 SHOULD).
      if (!answer) return inputRequired({ inputRequests: { user_name: askName() } });
      return text(`Hello, ${answer.name}!`);
    },
  );

  server.registerTool(
    "test_input_required_result_sampling",
    { description: "MRTR: returns InputRequiredResult with a sampling request", inputSchema: noArgs },
    (_args, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, "sample_request");
      if (answer.kind !== "sampling") {
        return inputRequired({
          inputRequests: {
            sample_request: inputRequired.createMessage({
              messages: [{ role: "user", content: { type: "text", text: "What is the capital of France?" } }],
              maxTokens: 100,
            }),
          },
        });
      }
      const content = Array.isArray(answer.result.content) ? answer.result.content[0] : answer.result.content;
      return text(`Sampling result: ${content?.type === "text" ? content.text : "no response"}`);
    },
  );

  server.registerTool(
    "test_input_required_result_list_roots",
    { description: "MRTR: returns InputRequiredResult with a roots/list request", inputSchema: noArgs },
    (_args, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, "roots_request");
      if (answer.kind !== "roots") {
        return inputRequired({ inputRequests: { roots_request: inputRequired.listRoots() } });
      }
      return text(`Found ${answer.roots.length} root(s)`);
    },
  );

  server.registerTool(
    "test_input_required_result_request_state",
    { description: "MRTR: returns InputRequiredResult with requestState", inputSchema: noArgs },
    async (_args, ctx) => {
      const state = ctx.mcpReq.requestState<FixtureState>();
      const confirmed = acceptedContent(ctx.mcpReq.inputResponses, "confirm", z.object({ ok: z.boolean() }));
      if (state?.kind === "request-state" && confirmed?.ok === true) {
        return text("state-ok: requestState validated");
      }
      return inputRequired({
        inputRequests: { confirm: askConfirm() },
        requestState: await codec.mint({ kind: "request-state" }),
      });
    },
  );

  server.registerTool(
    "test_input_required_result_multiple_inputs",
    { description: "MRTR: returns InputRequiredResult with multiple input requests", inputSchema: noArgs },
    async (_args, ctx) => {
      const responses = ctx.mcpReq.inputResponses;
      const name = acceptedContent(responses, "user_name", Name);
      const greeting = inputResponse(responses, "greeting");
      const roots = inputResponse(responses, "client_roots");
      if (
        ctx.mcpReq.requestState<FixtureState>()?.kind === "multiple-inputs" && name &&
        greeting.kind === "sampling" && roots.kind === "roots"
      ) {
        const content = Array.isArray(greeting.result.content)
          ? greeting.result.content[0]
          : greeting.result.content;
        const said = content?.type === "text" ? content.text : "Hello there!";
        return text(`Name: ${name.name}; Greeting: ${said}; Roots: ${roots.roots.length}`);
      }
      return inputRequired({
        inputRequests: {
          user_name: askName(),
          greeting: inputRequired.createMessage({
            messages: [{ role: "user", content: { type: "text", text: "Generate a greeting" } }],
            maxTokens: 50,
          }),
          client_roots: inputRequired.listRoots(),
        },
        requestState: await codec.mint({ kind: "multiple-inputs" }),
      });
    },
  );

  server.registerTool(
    "test_input_required_result_multi_round",
    { description: "MRTR: multi-round InputRequiredResult workflow", inputSchema: noArgs },
    async (_args, ctx) => {
      const state = ctx.mcpReq.requestState<FixtureState>();
      const responses = ctx.mcpReq.inputResponses;
      const step1 = acceptedContent(responses, "step1", Name);
      if (state?.kind === "multi-round" && state.round === 1 && step1) {
        return inputRequired({
          inputRequests: {
            step2: inputRequired.elicit({
              message: "Step 2: What is your favorite color?",
              requestedSchema: {
                type: "object",
                properties: { color: { type: "string" } },
                required: ["color"],
              },
            }),
          },
          requestState: await codec.mint({ kind: "multi-round", round: 2, name: step1.name }),
        });
      }
      const step2 = acceptedContent(responses, "step2", z.object({ color: z.string() }));
      if (state?.kind === "multi-round" && state.round === 2 && step2) {
        return text(`Multi-round complete for ${state.name ?? "friend"} who likes ${step2.color}`);
      }
      return inputRequired({
        inputRequests: { step1: askName("Step 1: What is your name?") },
        requestState: await codec.mint({ kind: "multi-round", round: 1 }),
      });
    },
  );

  server.registerTool(
    "test_input_required_result_tampered_state",
    { description: "MRTR: HMAC-signed requestState integrity test", inputSchema: noArgs },
    async (_args, ctx) => {
      // A tampered state never gets here: the codec's verify refuses it with -32602.
      const state = ctx.mcpReq.requestState<FixtureState>();
      if (state?.kind === "tamper-test" && acceptedContent(ctx.mcpReq.inputResponses, "confirm")) {
        return text("integrity-ok: state verified");
      }
      return inputRequired({
        inputRequests: { confirm: askConfirm() },
        requestState: await codec.mint({ kind: "tamper-test" }),
      });
    },
  );

  server.registerTool(
    "test_input_required_result_capabilities",
    { description: "MRTR: asks only for what the client declared it can do", inputSchema: noArgs },
    async (_args, ctx) => {
      const responses = ctx.mcpReq.inputResponses;
      if (responses && Object.keys(responses).length > 0) {
        return text(`capabilities-ok: received ${Object.keys(responses).join(",")}`);
      }
      const caps = clientCapabilities(server, ctx);
      const requests: Parameters<typeof inputRequired>[0]["inputRequests"] = {};
      if (caps.elicitation) {
        requests.elicit_input = inputRequired.elicit({
          message: "Elicitation input",
          requestedSchema: { type: "object", properties: { value: { type: "string" } }, required: ["value"] },
        });
      }
      if (caps.sampling) {
        requests.sample_input = inputRequired.createMessage({
          messages: [{ role: "user", content: { type: "text", text: "Sample request" } }],
          maxTokens: 50,
        });
      }
      if (Object.keys(requests).length === 0) return text("No supported capabilities declared");
      return inputRequired({
        inputRequests: requests,
        requestState: await codec.mint({ kind: "capabilities-test" }),
      });
    },
  );

  server.registerTool(
    "test_streaming_elicitation",
    {
      description: "Diagnostic: notifies progress on the response stream, then answers",
      inputSchema: noArgs,
    },
    async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      if (progressToken !== undefined) {
        await ctx.mcpReq.notify({
          method: "notifications/progress",
          params: { progressToken, progress: 50, total: 100 },
        });
      }
      return text("Streaming complete");
    },
  );

  server.registerTool(
    "test_logging_tool",
    {
      description: "Diagnostic: logs through the SDK, which must stay silent without a log level",
      inputSchema: noArgs,
    },
    async (_args, ctx) => {
      await ctx.mcpReq.log("info", "Diagnostic trace logging activated", "conformance-fixture");
      return text("Logging evaluated");
    },
  );

  server.registerPrompt(
    "test_input_required_result_prompt",
    { description: "MRTR: prompt that requires elicitation input" },
    (ctx): GetPromptResult | ReturnType<typeof inputRequired> => {
      const answer = acceptedContent(
        ctx.mcpReq.inputResponses,
        "user_context",
        z.object({ context: z.string() }),
      );
      if (!answer) {
        return inputRequired({
          inputRequests: {
            user_context: inputRequired.elicit({
              message: "What context should the prompt use?",
              requestedSchema: {
                type: "object",
                properties: { context: { type: "string" } },
                required: ["context"],
              },
            }),
          },
        });
      }
      return {
        messages: [{
          role: "user",
          content: { type: "text", text: `Prompt with context: ${answer.context}` },
        }],
      };
    },
  );
}
