import assert from "node:assert/strict";
import { buildServer } from "../../src/mcp/server.ts";
import { exposedTools } from "../../src/registry.ts";
import { Secret } from "../../src/secret.ts";
import { DEFAULT_TOOLSETS } from "../../src/toolsets.ts";
import { XyteClient } from "../../src/xyte/client.ts";

Deno.test("capabilities promise no list-change notifications: tools, prompts and resources are fixed per server", async () => {
  const xyte = new XyteClient({
    hubUrl: "http://hub.invalid",
    entryUrl: "http://entry.invalid",
    timeoutMs: 1000,
    organizationKey: new Secret("capabilities-test-key"),
    rememberKeys: false,
  });
  const tools = await exposedTools({ readOnly: false, toolsets: DEFAULT_TOOLSETS });
  const capabilities = buildServer({ xyte, tools, readOnly: false }).server.getCapabilities();
  assert.deepEqual(capabilities.tools, { listChanged: false });
  assert.deepEqual(capabilities.prompts, { listChanged: false });
  assert.deepEqual(capabilities.resources, { listChanged: false });
  assert.ok(capabilities.completions, "completions are offered");
  assert.equal("subscribe" in (capabilities.resources ?? {}), false, "no subscriptions are promised");
});
