import assert from "node:assert/strict";
import { resolveToolsets } from "../../src/app.ts";
import { loadTools } from "../../src/registry.ts";
import { DEFAULT_TOOLSETS, TOOLSET_NAMES } from "../../src/toolsets.ts";

Deno.test("each toolset's module holds exactly the tools that declare that toolset", async () => {
  for (const toolset of TOOLSET_NAMES) {
    const tools = await loadTools([toolset]);
    assert.ok(tools.length > 0, `${toolset} has tools`);
    assert.deepEqual(tools.filter((t) => t.toolset !== toolset).map((t) => t.name), [], toolset);
  }
  const names = (await loadTools()).map((t) => t.name);
  assert.equal(new Set(names).size, names.length, "tool names are unique");
});

Deno.test("the default toolsets follow the configured keys", () => {
  assert.deepEqual(resolveToolsets("default", { organization: true, partner: false }), DEFAULT_TOOLSETS);
  assert.deepEqual(resolveToolsets("default", { organization: true, partner: true }), [
    ...DEFAULT_TOOLSETS,
    "partner",
  ]);
  assert.deepEqual(resolveToolsets("default", { organization: false, partner: true }), [
    "partner",
    "catalog",
  ]);
  assert.deepEqual(resolveToolsets(["catalog"], { organization: true, partner: true }), ["catalog"]);
  // `default` in a list is the default selection for the keys, with the others added.
  assert.deepEqual(resolveToolsets(["default", "spaces", "devices"], { organization: true, partner: true }), [
    ...DEFAULT_TOOLSETS,
    "partner",
    "spaces",
  ]);
});
