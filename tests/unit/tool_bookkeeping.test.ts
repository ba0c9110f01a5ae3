/**
 * What the server does around a write once Xyte took it — counting it and its upstream request, logging it,
 * telling watched resources and other replicas, forgetting directories, invalidating the cache — cannot
 * change its answer. A write that happened is answered with its result and counted once, whatever fails
 * after it: an agent told `internal` may retry a write that is not idempotent and make it twice. The fault is
 * logged. A result the server cannot shape is an error, but one that says the change was made.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { connectInMemory } from "../helpers/in_memory.ts";
import { defineTool, WRITE, WRITE_IDEMPOTENT } from "../../src/mcp/tool.ts";
import { ResourceWatches } from "../../src/mcp/subscriptions.ts";
import { setupLogging, stopLogging } from "../../src/observability/log.ts";
import { NO_TELEMETRY, type Telemetry } from "../../src/observability/telemetry.ts";
import { DirectoryCache } from "../../src/resources/directory.ts";
import { Secret } from "../../src/secret.ts";
import { createMemoryCacheStore } from "../../src/xyte/cache_store.ts";
import { XyteClient, type XyteClientOptions } from "../../src/xyte/client.ts";
import type { ServerDeps } from "../../src/mcp/server.ts";

const FAULT = "bookkeeping sink broke";

/**
 * A write that is not idempotent (posts a message): how many times it ran is what the user sees. `returns`
 * is what it returns, given how many it posted: a bug in it can break the output schema (a number for
 * `message_id`) or serialization (a BigInt for `raw`).
 */
function postingTool(
  posted: string[],
  returns: (count: number) => Record<string, unknown> = (n) => ({ message_id: `m${n}` }),
) {
  return defineTool({
    name: "post_message",
    title: "Post a message",
    description: "Posts a message to a ticket.",
    toolset: "tickets",
    input: z.object({ ticket_id: z.string(), text: z.string() }).strict(),
    output: z.object({ message_id: z.string(), raw: z.unknown().optional() }),
    annotations: WRITE,
    run: (args) => {
      posted.push(args.text);
      return Promise.resolve(returns(posted.length) as { message_id: string });
    },
    summarize: (result) => `posted ${result.message_id}`,
  });
}

const offlineXyte = () =>
  new XyteClient({
    hubUrl: "http://hub.invalid",
    entryUrl: "http://entry.invalid",
    timeoutMs: 1000,
    organizationKey: new Secret("tool-bookkeeping-test-key"),
    fetch: (() => Promise.reject(new Error("no upstream in this test"))) as typeof fetch,
  });

/** Tool-call counts as `tool outcome code`, each recorded before `fail` decides whether the call throws. */
function countingTelemetry(counted: string[], fail: (outcome: string) => boolean): Telemetry {
  return {
    ...NO_TELEMETRY,
    toolCall: (tool, outcome, code) => {
      counted.push(`${tool} ${outcome} ${code ?? ""}`.trimEnd());
      if (fail(outcome)) throw new Error(FAULT);
    },
  };
}

/**
 * Calls tool `name` once with `args` on an in-memory server built from `deps`, logging into memory; the result
 * and the log records.
 */
async function callLogged(
  deps: Parameters<typeof connectInMemory>[0],
  name: string,
  args: Record<string, unknown>,
): Promise<{ result: Record<string, unknown>; records: Record<string, unknown>[] }> {
  const lines: string[] = [];
  await setupLogging("info", (line) => lines.push(line));
  try {
    const { client, close } = await connectInMemory(deps, "tool-bookkeeping-test");
    try {
      const result = await client.callTool({ name, arguments: args });
      return { result, records: lines.map((line) => JSON.parse(line)) };
    } finally {
      await close();
    }
  } finally {
    await stopLogging();
  }
}

/** Calls post_message (answering `returns`, if given) once with `deps`; the result, what was posted, the log records. */
async function postOnce(
  deps: Partial<ServerDeps>,
  returns?: Parameters<typeof postingTool>[1],
): Promise<{ result: Record<string, unknown>; posted: string[]; records: Record<string, unknown>[] }> {
  const posted: string[] = [];
  const { result, records } = await callLogged(
    {
      xyte: offlineXyte(),
      tenant: "tenant-1",
      tools: [postingTool(posted, returns)],
      readOnly: false,
      ...deps,
    },
    "post_message",
    { ticket_id: "t1", text: "on my way" },
  );
  return { result, posted, records };
}

function assertAnsweredWithItsResult(result: Record<string, unknown>, posted: string[]): void {
  assert.deepEqual(posted, ["on my way"], "the write ran once");
  assert.notEqual(result.isError, true, JSON.stringify(result));
  assert.deepEqual(result.structuredContent, { message_id: "m1" });
}

function assertFaultLogged(records: Record<string, unknown>[]): void {
  const logged = records.filter((r) => String(r.error ?? "").includes(FAULT));
  assert.equal(logged.length, 1, JSON.stringify(records));
  assert.equal(logged[0]!.level, "ERROR");
}

Deno.test("a metrics sink that throws on counting a write's success: the write is answered with its result, counted once", async () => {
  const counted: string[] = [];
  const { result, posted, records } = await postOnce({
    telemetry: countingTelemetry(counted, (outcome) => outcome === "ok"),
  });
  assertAnsweredWithItsResult(result, posted);
  assert.deepEqual(counted, ["post_message ok"], "counted once, as what the client got");
  assertFaultLogged(records);
});

Deno.test("a metrics sink that always throws: the write is still answered with its result", async () => {
  const counted: string[] = [];
  const { result, posted } = await postOnce({ telemetry: countingTelemetry(counted, () => true) });
  assertAnsweredWithItsResult(result, posted);
  assert.deepEqual(counted, ["post_message ok"]);
});

for (
  const [what, faulty] of [
    [
      "telling watched resources (and other replicas) about a write throws",
      () => ({
        watches: new ResourceWatches({
          pollSeconds: 0,
          readTimeoutMs: 1000,
          announce: () => {
            throw new Error(FAULT);
          },
        }),
      }),
    ],
    [
      "forgetting the client's directories after a write throws",
      () => ({
        directories: new class extends DirectoryCache {
          override forget(): void {
            throw new Error(FAULT);
          }
        }(),
      }),
    ],
  ] as const
) {
  Deno.test(`${what}: the write is answered with its result, counted once`, async () => {
    const counted: string[] = [];
    const { result, posted, records } = await postOnce({
      ...faulty(),
      telemetry: countingTelemetry(counted, () => false),
    });
    assertAnsweredWithItsResult(result, posted);
    assert.deepEqual(counted, ["post_message ok"]);
    assertFaultLogged(records);
  });
}

Deno.test("a log sink that throws: the write is answered with its result, counted once", async () => {
  const counted: string[] = [];
  const posted: string[] = [];
  await setupLogging("info", () => {
    throw new Error(FAULT);
  });
  try {
    const { client, close } = await connectInMemory({
      xyte: offlineXyte(),
      tools: [postingTool(posted)],
      readOnly: false,
      telemetry: countingTelemetry(counted, () => false),
    }, "tool-bookkeeping-test");
    try {
      const result = await client.callTool({
        name: "post_message",
        arguments: { ticket_id: "t1", text: "on my way" },
      });
      assertAnsweredWithItsResult(result, posted);
      assert.deepEqual(counted, ["post_message ok"]);
    } finally {
      await close();
    }
  } finally {
    await stopLogging();
  }
});

for (
  const [fault, returns] of [
    ["breaks its output schema", () => ({ message_id: 424242 })],
    ["cannot be serialized", () => ({ message_id: "m424242", raw: 424242n })],
  ] as const
) {
  Deno.test(`a write whose result ${fault}: the agent is told the change was made, not to repeat it`, async () => {
    const counted: string[] = [];
    const { result, posted } = await postOnce(
      { telemetry: countingTelemetry(counted, () => false) },
      returns,
    );
    assert.deepEqual(posted, ["on my way"]);
    assert.equal(result.isError, true);
    const error = (result.structuredContent as { error: { code: string; message: string; hint: string } })
      .error;
    assert.equal(error.code, "internal");
    assert.match(error.message, /carried out/);
    assert.match(error.hint, /^Do not repeat the call/);
    assert.ok(!JSON.stringify(result).includes("424242"), "nothing of the broken output");
    assert.deepEqual(counted, ["post_message error internal"]);
  });
}

/** A write through the Xyte client (renames a device); `sent` counts the requests that reached Xyte. */
const renameDevice = defineTool({
  name: "rename_device",
  title: "Rename a device",
  description: "Renames a device.",
  toolset: "devices",
  input: z.object({ device_id: z.string(), name: z.string() }).strict(),
  output: z.object({ id: z.string(), name: z.string() }),
  annotations: WRITE_IDEMPOTENT,
  run: async (args, ctx) =>
    (await ctx.xyte.call("organization.devices.updateDevice", {
      path: { device_id: args.device_id },
      body: { name: args.name },
    })) as { id: string; name: string },
  summarize: (result) => `renamed ${result.id}`,
});

/** Renames a device once through a client built with `options`; the result, the requests sent, the log records. */
async function renameOnce(
  options: Partial<XyteClientOptions>,
): Promise<{ result: Record<string, unknown>; sent: number; records: Record<string, unknown>[] }> {
  let sent = 0;
  const xyte = new XyteClient({
    hubUrl: "http://hub.invalid",
    entryUrl: "http://entry.invalid",
    timeoutMs: 1000,
    organizationKey: new Secret("tool-bookkeeping-test-key"),
    fetch: ((_url: string, init: RequestInit) => {
      sent++;
      return Promise.resolve(Response.json({ id: "d1", ...JSON.parse(String(init.body)) }));
    }) as unknown as typeof fetch,
    ...options,
  });
  const { result, records } = await callLogged(
    { xyte, tools: [renameDevice], readOnly: false },
    "rename_device",
    { device_id: "d1", name: "Lobby" },
  );
  return { result, sent, records };
}

Deno.test("the cache cannot be invalidated after a write Xyte took: the write is answered with its result, the fault logged", async () => {
  const store = createMemoryCacheStore();
  store.bumpGeneration = () => Promise.reject(new Error(FAULT));
  const { result, sent, records } = await renameOnce({
    cache: { store, tenant: "t1", ttlSeconds: () => 300, reads: true },
  });
  assert.equal(sent, 1);
  assert.notEqual(result.isError, true, JSON.stringify(result));
  assert.deepEqual(result.structuredContent, { id: "d1", name: "Lobby" });
  assertFaultLogged(records);
});

Deno.test("a metrics sink that throws on counting the upstream request of a write: the write is answered with its result", async () => {
  const { result, sent, records } = await renameOnce({
    telemetry: {
      ...NO_TELEMETRY,
      upstreamRequest: () => {
        throw new Error(FAULT);
      },
    },
  });
  assert.equal(sent, 1);
  assert.notEqual(result.isError, true, JSON.stringify(result));
  assert.deepEqual(result.structuredContent, { id: "d1", name: "Lobby" });
  assertFaultLogged(records);
});
