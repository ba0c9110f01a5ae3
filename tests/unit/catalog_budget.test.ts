/** The catalog toolset's share of `tools/list`, as a client receives it: at most 1,500 tokens (≈ 6,000 bytes). */
import { connectInMemory } from "../helpers/in_memory.ts";
import assert from "node:assert/strict";
import type { Tool } from "../../src/mcp/tool.ts";
import { CATALOG_TOOLS } from "../../src/tools/catalog.ts";
import { CONNECTOR_TOOLS } from "../../src/tools/connector.ts";
import { XyteClient } from "../../src/xyte/client.ts";

async function listedBytes(tools: readonly Tool[]): Promise<number> {
  const xyte = new XyteClient({
    hubUrl: "http://unused.test",
    entryUrl: "http://unused.test",
    timeoutMs: 1000,
  });
  const { client, close } = await connectInMemory({ xyte, tools, readOnly: false }, "budget");
  try {
    const { tools: listed } = await client.listTools();
    assert.equal(listed.length, tools.length);
    return JSON.stringify(listed).length;
  } finally {
    await close();
  }
}

Deno.test("the catalog toolset lists in at most 6,000 bytes (≈ 1,500 tokens), read-only variant too", async () => {
  assert.ok(await listedBytes(CATALOG_TOOLS) <= 6_000);
  assert.ok(await listedBytes(CATALOG_TOOLS.map((t) => t.readOnlyVariant ?? t)) <= 6_000);
});

Deno.test("the connector toolset stays small (≤ 2,500 bytes)", async () => {
  assert.ok(await listedBytes(CONNECTOR_TOOLS) <= 2_500);
});
