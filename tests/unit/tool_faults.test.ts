/**
 * A fault of the server's own before a tool runs (an argument check or a confirmation that throws) reaches
 * the client as the typed `internal` tool error, like a fault inside a tool: never a JSON-RPC error carrying
 * the thrown message (which can hold internals, or words an agent typed turned into a crash).
 */
import { connectInMemory } from "../helpers/in_memory.ts";
import assert from "node:assert/strict";
import { z } from "zod";
import { defineTool, READ_ONLY } from "../../src/mcp/tool.ts";
import { Secret } from "../../src/secret.ts";
import { XyteClient } from "../../src/xyte/client.ts";
import { NO_TELEMETRY } from "../../src/observability/telemetry.ts";

const INTERNALS = "lookup failed at /srv/secret/path";

const faultyArguments = defineTool({
  name: "faulty_arguments",
  title: "Faulty arguments",
  description: "Its argument check throws.",
  toolset: "devices",
  input: z.object({
    x: z.string().refine(() => {
      throw new Error(INTERNALS);
    }),
  }).strict(),
  output: z.object({ ok: z.boolean() }),
  annotations: READ_ONLY,
  run: () => Promise.resolve({ ok: true }),
  summarize: () => "ok",
});

const faultyConfirmation = defineTool({
  name: "faulty_confirmation",
  title: "Faulty confirmation",
  description: "Its confirmation throws.",
  toolset: "devices",
  input: z.object({ id: z.string() }).strict(),
  output: z.object({ ok: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  confirmation: () => {
    throw new Error(INTERNALS);
  },
  run: () => Promise.resolve({ ok: true }),
  summarize: () => "ok",
});

Deno.test("a fault before the tool runs is the typed internal error, without the thrown message, and counted", async () => {
  const counted: string[] = [];
  const { client, close } = await connectInMemory({
    telemetry: {
      ...NO_TELEMETRY,
      toolCall: (tool, outcome, code) => counted.push(`${tool} ${outcome} ${code}`),
    },
    xyte: new XyteClient({
      hubUrl: "http://hub.invalid",
      entryUrl: "http://entry.invalid",
      timeoutMs: 1000,
      organizationKey: new Secret("tool-faults-test-key"),
      fetch: (() => Promise.reject(new Error("no upstream in this test"))) as typeof fetch,
    }),
    tools: [faultyArguments, faultyConfirmation],
    readOnly: false,
  }, "tool-faults-test");
  try {
    for (
      const [name, args] of [["faulty_arguments", { x: "a" }], ["faulty_confirmation", { id: "d1" }]] as const
    ) {
      const result = await client.callTool({ name, arguments: args });
      assert.equal(result.isError, true, name);
      assert.equal((result.structuredContent as { error: { code: string } }).error.code, "internal", name);
      assert.ok(!JSON.stringify(result).includes(INTERNALS), `${name}: ${JSON.stringify(result)}`);
    }
    // Counted once each, as a tool's own internal error is: the error rate shows the fault.
    assert.deepEqual(counted, ["faulty_arguments error internal", "faulty_confirmation error internal"]);
  } finally {
    await close();
  }
});
