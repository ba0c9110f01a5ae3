/**
 * The conformance fixture: an `McpServer` with exactly the tools, resources, prompts and completions the
 * official suite (`@modelcontextprotocol/conformance@0.1.16`) calls by name — `test_simple_text`,
 * `test://static-text`, `test_prompt_with_arguments`, … — served through the project's own HTTP stack
 * (`serveHttp` from `src/transports/http.ts`: the same sessions, Host/Origin checks, body limit, bearer auth,
 * tenancy and routing as production), so the suite's transport and lifecycle scenarios exercise our code.
 *
 * The product itself (`src/main.ts --demo`) has none of these fixtures; it is run against the same suite with
 * a list of expected failures (`demo-expected-failures.yaml`).
 */
import {
  completable,
  type ElicitRequestFormParams,
  fromJsonSchema,
  type GetPromptResult,
  McpServer,
  ResourceTemplate,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { loadConfig } from "../../src/config.ts";
import type { ServeContext } from "../../src/mcp/server.ts";
import { NO_TELEMETRY } from "../../src/observability/telemetry.ts";
import { DirectoryCache } from "../../src/resources/directory.ts";
import { Secret } from "../../src/secret.ts";
import { Tenancy } from "../../src/tenancy.ts";
import { type HttpHandle, type HttpOptions, serveHttp } from "../../src/transports/http.ts";
import { tenantKeyId } from "../../src/transports/http_guards.ts";
import { createNoRateLimiter } from "../../src/transports/rate_limit.ts";
import { XyteClient } from "../../src/xyte/client.ts";
import { FIXTURE_STATE_CODEC, registerRevision2026Fixtures } from "./fixture_2026.ts";

/** A 1×1 red PNG. */
export const TEST_IMAGE_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/** A minimal WAV file. */
export const TEST_AUDIO_BASE64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

const FIXTURE_NAME = "xyte-mcp-conformance-fixture";
const WATCHED_URI = "test://watched-resource";
/** Values `completion/complete` offers for `test_prompt_with_arguments` arguments. */
const ARGUMENT_SUGGESTIONS = ["hello", "world", "paris", "parameter", "test-value", "testing"];
/** SEP-1613: a 2020-12 schema with `$schema`, `$defs` and `additionalProperties`, listed verbatim. */
const JSON_SCHEMA_2020_12_INPUT_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object" as const,
  $defs: {
    address: { type: "object", properties: { street: { type: "string" }, city: { type: "string" } } },
  },
  properties: { name: { type: "string" }, address: { $ref: "#/$defs/address" } },
  additionalProperties: false,
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One fixture server (the HTTP stack builds one per 2025-era session, or per request for 2026-07-28). */
export function buildFixtureServer(serve: ServeContext): McpServer {
  const server = new McpServer(
    { name: FIXTURE_NAME, version: "1.0.0" },
    {
      capabilities: {
        logging: {},
        completions: {},
        // The fixture's lists never change, so it promises no list_changed notifications.
        tools: { listChanged: false },
        resources: { subscribe: true, listChanged: false },
        prompts: { listChanged: false },
      },
      requestState: { verify: FIXTURE_STATE_CODEC.verify },
    },
  );
  registerTools(server, serve);
  registerResources(server);
  registerPrompts(server);
  registerRevision2026Fixtures(server);
  return server;
}

function text(value: string): { type: "text"; text: string } {
  return { type: "text", text: value };
}

function registerTools(server: McpServer, serve: ServeContext): void {
  const noArgs = z.object({});
  server.registerTool(
    "test_simple_text",
    { description: "Tests simple text content response", inputSchema: noArgs },
    () => ({ content: [text("This is a simple text response for testing.")] }),
  );
  server.registerTool(
    "test_image_content",
    { description: "Tests image content response", inputSchema: noArgs },
    () => ({ content: [{ type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" }] }),
  );
  server.registerTool(
    "test_audio_content",
    { description: "Tests audio content response", inputSchema: noArgs },
    () => ({ content: [{ type: "audio", data: TEST_AUDIO_BASE64, mimeType: "audio/wav" }] }),
  );
  server.registerTool(
    "test_embedded_resource",
    { description: "Tests embedded resource content response", inputSchema: noArgs },
    () => ({
      content: [{
        type: "resource",
        resource: {
          uri: "test://embedded-resource",
          mimeType: "text/plain",
          text: "This is an embedded resource content.",
        },
      }],
    }),
  );
  server.registerTool(
    "test_multiple_content_types",
    {
      description: "Tests response with multiple content types (text, image, resource)",
      inputSchema: noArgs,
    },
    () => ({
      content: [
        text("Multiple content types test:"),
        { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" },
        {
          type: "resource",
          resource: {
            uri: "test://mixed-content-resource",
            mimeType: "application/json",
            text: JSON.stringify({ test: "data", value: 123 }),
          },
        },
      ],
    }),
  );
  server.registerTool(
    "test_tool_with_logging",
    { description: "Tests tool that emits log messages during execution", inputSchema: noArgs },
    async (_args, ctx) => {
      for (
        const [i, message] of ["Tool execution started", "Tool processing data", "Tool execution completed"]
          .entries()
      ) {
        if (i > 0) await sleep(50);
        await ctx.mcpReq.log("info", message, "conformance-fixture");
      }
      return { content: [text("Tool with logging executed successfully")] };
    },
  );
  server.registerTool(
    "test_tool_with_progress",
    { description: "Tests tool that reports progress notifications", inputSchema: noArgs },
    async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progress > 0) await sleep(50);
        if (progressToken === undefined) continue;
        await ctx.mcpReq.notify({
          method: "notifications/progress",
          params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
        });
      }
      return { content: [text(String(progressToken ?? "no progress token"))] };
    },
  );
  server.registerTool(
    "test_error_handling",
    { description: "Tests error response handling", inputSchema: noArgs },
    () => {
      throw new Error("This tool intentionally returns an error for testing");
    },
  );
  server.registerTool(
    "test_sampling",
    {
      description: "Tests server-initiated sampling (LLM completion request)",
      inputSchema: z.object({ prompt: z.string().describe("The prompt to send to the LLM") }),
    },
    async ({ prompt }, ctx) => {
      if (!serve.serverToClient) return unreachableClient("sampling");
      try {
        const result = await ctx.mcpReq.requestSampling(
          { messages: [{ role: "user", content: text(prompt) }], maxTokens: 100 },
          relatedTo(ctx),
        );
        const content = Array.isArray(result.content) ? result.content[0] : result.content;
        const reply = content?.type === "text" ? content.text : "No response";
        return { content: [text(`LLM response: ${reply}`)] };
      } catch (error) {
        return failed("Sampling", error);
      }
    },
  );
  server.registerTool(
    "test_elicitation",
    {
      description: "Tests server-initiated elicitation (user input request)",
      inputSchema: z.object({ message: z.string().describe("The message to show the user") }),
    },
    ({ message }, ctx) =>
      elicit(ctx, serve, {
        message,
        requestedSchema: {
          type: "object",
          properties: { response: { type: "string", description: "User's response" } },
          required: ["response"],
        },
      }, "User response"),
  );
  server.registerTool(
    "test_elicitation_sep1034_defaults",
    { description: "Tests elicitation with default values per SEP-1034", inputSchema: noArgs },
    (_args, ctx) =>
      elicit(ctx, serve, {
        message: "Please review and update the form fields with defaults",
        requestedSchema: {
          type: "object",
          properties: {
            name: { type: "string", description: "User name", default: "John Doe" },
            age: { type: "integer", description: "User age", default: 30 },
            score: { type: "number", description: "User score", default: 95.5 },
            status: {
              type: "string",
              description: "User status",
              enum: ["active", "inactive", "pending"],
              default: "active",
            },
            verified: { type: "boolean", description: "Verification status", default: true },
          },
          required: [],
        },
      }, "Elicitation completed"),
  );
  server.registerTool(
    "test_elicitation_sep1330_enums",
    { description: "Tests elicitation with enum schema improvements per SEP-1330", inputSchema: noArgs },
    (_args, ctx) =>
      elicit(ctx, serve, {
        message: "Please select options from the enum fields",
        requestedSchema: {
          type: "object",
          properties: {
            untitledSingle: {
              type: "string",
              description: "Select one option",
              enum: ["option1", "option2", "option3"],
            },
            titledSingle: {
              type: "string",
              description: "Select one option with titles",
              oneOf: [
                { const: "value1", title: "First Option" },
                { const: "value2", title: "Second Option" },
                { const: "value3", title: "Third Option" },
              ],
            },
            legacyEnum: {
              type: "string",
              description: "Select one option (legacy)",
              enum: ["opt1", "opt2", "opt3"],
              enumNames: ["Option One", "Option Two", "Option Three"],
            },
            untitledMulti: {
              type: "array",
              description: "Select multiple options",
              minItems: 1,
              maxItems: 3,
              items: { type: "string", enum: ["option1", "option2", "option3"] },
            },
            titledMulti: {
              type: "array",
              description: "Select multiple options with titles",
              minItems: 1,
              maxItems: 3,
              items: {
                anyOf: [
                  { const: "value1", title: "First Choice" },
                  { const: "value2", title: "Second Choice" },
                  { const: "value3", title: "Third Choice" },
                ],
              },
            },
          },
          required: [],
        },
      }, "Elicitation completed"),
  );
  server.registerTool(
    "test_reconnection",
    {
      description:
        "Tests SSE stream disconnection and client reconnection (SEP-1699): the server closes the " +
        "stream mid-call and sends the result after the client reconnects.",
      inputSchema: noArgs,
    },
    async (_args, ctx) => {
      ctx.http?.closeSSE?.();
      await sleep(100);
      return {
        content: [text(
          "Reconnection test completed successfully. If you received this, the client properly reconnected " +
            "after stream closure.",
        )],
      };
    },
  );
  server.registerTool(
    "json_schema_2020_12_tool",
    {
      description: "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
      // Raw JSON Schema: the listing must keep `$schema`, `$defs` and `additionalProperties` as written.
      inputSchema: fromJsonSchema<Record<string, unknown>>(JSON_SCHEMA_2020_12_INPUT_SCHEMA),
    },
    (args) => ({ content: [text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`)] }),
  );
}

/**
 * Sends a server→client request on the stream of the call that needs it. Without `relatedRequestId` the SDK
 * sends it on the session's standalone GET stream, and drops it when the client has not opened that stream
 * yet: a race the client loses when the tool runs faster than its GET arrives (the call then times out).
 */
function relatedTo(ctx: ServerContext): { relatedRequestId: ServerContext["mcpReq"]["id"] } {
  return { relatedRequestId: ctx.mcpReq.id };
}

async function elicit(
  ctx: ServerContext,
  serve: ServeContext,
  params: Omit<ElicitRequestFormParams, "requestedSchema"> & { requestedSchema: Record<string, unknown> },
  label: string,
): Promise<{ content: { type: "text"; text: string }[] }> {
  if (!serve.serverToClient) return unreachableClient("elicitation");
  try {
    const result = await ctx.mcpReq.elicitInput(params as ElicitRequestFormParams, relatedTo(ctx));
    return {
      content: [text(`${label}: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`)],
    };
  } catch (error) {
    return failed("Elicitation", error);
  }
}

function unreachableClient(what: string): { content: { type: "text"; text: string }[]; isError: true } {
  return {
    content: [text(`${what} needs a 2025-era session (this request has no way back to the client)`)],
    isError: true,
  };
}

function failed(what: string, error: unknown): { content: { type: "text"; text: string }[]; isError: true } {
  const message = error instanceof Error ? error.message : String(error);
  return { content: [text(`${what} not supported or error: ${message}`)], isError: true };
}

function registerResources(server: McpServer): void {
  server.registerResource(
    "static-text",
    "test://static-text",
    {
      title: "Static Text Resource",
      description: "A static text resource for testing",
      mimeType: "text/plain",
    },
    () => ({
      contents: [{
        uri: "test://static-text",
        mimeType: "text/plain",
        text: "This is the content of the static text resource.",
      }],
    }),
  );
  server.registerResource(
    "static-binary",
    "test://static-binary",
    {
      title: "Static Binary Resource",
      description: "A static binary resource (image) for testing",
      mimeType: "image/png",
    },
    () => ({ contents: [{ uri: "test://static-binary", mimeType: "image/png", blob: TEST_IMAGE_BASE64 }] }),
  );
  server.registerResource(
    "template",
    new ResourceTemplate("test://template/{id}/data", { list: undefined }),
    {
      title: "Resource Template",
      description: "A resource template with parameter substitution",
      mimeType: "application/json",
    },
    (uri, variables) => ({
      contents: [{
        uri: uri.toString(),
        mimeType: "application/json",
        text: JSON.stringify({ id: variables.id, templateTest: true, data: `Data for ID: ${variables.id}` }),
      }],
    }),
  );
  server.registerResource(
    "watched-resource",
    WATCHED_URI,
    { title: "Watched Resource", description: "A resource clients may subscribe to", mimeType: "text/plain" },
    () => ({ contents: [{ uri: WATCHED_URI, mimeType: "text/plain", text: "Watched resource content" }] }),
  );

  // Subscriptions are tracked per server instance, i.e. per session. The fixture's resources never change, so
  // no notifications/resources/updated is ever due; the suite checks the subscribe/unsubscribe exchange only.
  const subscriptions = new Set<string>();
  server.server.setRequestHandler("resources/subscribe", async (request, ctx) => {
    subscriptions.add(request.params.uri);
    await ctx.mcpReq.log("info", `Subscribed to resource: ${request.params.uri}`, "conformance-fixture");
    return {};
  });
  server.server.setRequestHandler("resources/unsubscribe", async (request, ctx) => {
    subscriptions.delete(request.params.uri);
    await ctx.mcpReq.log("info", `Unsubscribed from resource: ${request.params.uri}`, "conformance-fixture");
    return {};
  });
}

function registerPrompts(server: McpServer): void {
  const suggest = (value: string) => ARGUMENT_SUGGESTIONS.filter((s) => s.startsWith(value));
  server.registerPrompt(
    "test_simple_prompt",
    { title: "Simple Test Prompt", description: "A simple prompt without arguments" },
    (): GetPromptResult => ({
      messages: [{ role: "user", content: text("This is a simple prompt for testing.") }],
    }),
  );
  server.registerPrompt(
    "test_prompt_with_arguments",
    {
      title: "Prompt With Arguments",
      description: "A prompt with required arguments",
      argsSchema: z.object({
        arg1: completable(z.string().describe("First test argument"), suggest),
        arg2: completable(z.string().describe("Second test argument"), suggest),
      }),
    },
    ({ arg1, arg2 }): GetPromptResult => ({
      messages: [{ role: "user", content: text(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`) }],
    }),
  );
  server.registerPrompt(
    "test_prompt_with_embedded_resource",
    {
      title: "Prompt With Embedded Resource",
      description: "A prompt that includes an embedded resource",
      argsSchema: z.object({ resourceUri: z.string().describe("URI of the resource to embed") }),
    },
    ({ resourceUri }): GetPromptResult => ({
      messages: [
        {
          role: "user",
          content: {
            type: "resource",
            resource: {
              uri: resourceUri,
              mimeType: "text/plain",
              text: "Embedded resource content for testing.",
            },
          },
        },
        { role: "user", content: text("Please process the embedded resource above.") },
      ],
    }),
  );
  server.registerPrompt(
    "test_prompt_with_image",
    { title: "Prompt With Image", description: "A prompt that includes image content" },
    (): GetPromptResult => ({
      messages: [
        { role: "user", content: { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" } },
        { role: "user", content: text("Please analyze the image above.") },
      ],
    }),
  );
}

/** A placeholder organization key: the fixture never calls Xyte, but production tenancy wants a key. */
const PLACEHOLDER_KEY = "conformance-fixture-placeholder-key";

/**
 * Production's HTTP options around the fixture: the `Config` comes from `loadConfig` (flags and a fixed
 * environment, so the caller's variables cannot change what is tested), the tenancy holds a placeholder key
 * and a Xyte client whose upstream refuses every request.
 */
export async function fixtureHttpOptions(
  options: { host?: string; port?: number; env?: Record<string, string> } = {},
): Promise<HttpOptions> {
  const env: Record<string, string> = { XYTE_ORG_API_KEY: PLACEHOLDER_KEY, ...options.env };
  const request = await loadConfig(
    ["--transport", "http", "--host", options.host ?? "127.0.0.1", "--port", String(options.port ?? 0)],
    { env: { get: (name) => env[name] }, readTextFile: (path) => Deno.readTextFileSync(path) },
  );
  if (request.kind !== "run") throw new Error(`unexpected configuration request: ${request.kind}`);
  const { config } = request;
  const tenancy = new Tenancy({
    tools: [],
    readOnly: config.readOnly,
    telemetry: NO_TELEMETRY,
    directories: new DirectoryCache(),
    configured: { organization: config.xyte.orgApiKey ?? new Secret(PLACEHOLDER_KEY) },
    idOf: tenantKeyId,
    client: (keys) =>
      new XyteClient({
        hubUrl: "http://conformance-fixture.invalid",
        entryUrl: "http://conformance-fixture.invalid",
        organizationKey: keys.organization,
        timeoutMs: config.xyte.timeoutMs,
        rememberKeys: false,
        fetch: () => Promise.reject(new Error("the conformance fixture has no Xyte upstream")),
      }),
  });
  return {
    host: config.host,
    port: config.port,
    stateless: config.stateless,
    settings: config.http,
    tenancy,
    build: (_tenant, serve) => buildFixtureServer(serve),
    limiter: createNoRateLimiter(),
    telemetry: NO_TELEMETRY,
    readiness: () => Promise.resolve({ ready: true, checks: {} }),
  };
}

/** Starts the fixture on `serveHttp`; `close()` drains it like production does on SIGTERM. */
export async function startFixture(
  options: { host?: string; port?: number; env?: Record<string, string> } = {},
): Promise<HttpHandle> {
  return await serveHttp(await fixtureHttpOptions(options));
}
