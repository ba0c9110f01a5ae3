/**
 * Every tool in the registry, called end to end over stdio against the simulated hub, with
 * `structuredContent` validated against the published `outputSchema`. A tool without a scenario fails here.
 */
import assert from "node:assert/strict";
import { loadTools } from "../../src/registry.ts";

/** Every registered tool, from every toolset. */
const TOOLS = await loadTools();
import { connectStdio, serverEnv, startHub } from "./harness.ts";
import { scenarioContext } from "./scenarios/context.ts";
import { CATALOG_SCENARIOS } from "./scenarios/catalog.ts";
import { CORE_SCENARIOS } from "./scenarios/core.ts";
import { CURATED_SCENARIOS } from "./scenarios/curated.ts";
import type { Scenario } from "./scenarios/types.ts";
import { WORKFLOW_SCENARIOS } from "./scenarios/workflows.ts";

const SCENARIOS: Record<string, Scenario> = {
  ...CORE_SCENARIOS,
  ...CURATED_SCENARIOS,
  ...CATALOG_SCENARIOS,
  ...WORKFLOW_SCENARIOS,
};

Deno.test("every registered tool has an end-to-end scenario", () => {
  const missing = TOOLS.map((t) => t.name).filter((name) => !SCENARIOS[name]);
  assert.deepEqual(missing, [], `tools without a scenario: ${missing.join(", ")}`);
  const unknown = Object.keys(SCENARIOS).filter((name) => !TOOLS.some((t) => t.name === name));
  assert.deepEqual(unknown, [], `scenarios for tools that do not exist: ${unknown.join(", ")}`);
});

Deno.test("every tool works end to end (stdio, --toolsets all)", async (t) => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub), ["--toolsets", "all"]);
  try {
    const ctx = await scenarioContext(session.client, hub);
    const { tools } = await session.client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), TOOLS.map((tool) => tool.name).sort());
    for (const tool of TOOLS) {
      const scenario = SCENARIOS[tool.name];
      if (scenario) await t.step(tool.name, () => scenario(ctx));
    }
  } finally {
    await session.close();
    await hub.close();
  }
});
