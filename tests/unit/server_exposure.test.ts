import { connectInMemory } from "../helpers/in_memory.ts";
import assert from "node:assert/strict";
import type { Tool } from "../../src/mcp/tool.ts";
import { exposedTools } from "../../src/registry.ts";
import { Secret } from "../../src/secret.ts";
import { DEFAULT_TOOLSETS, type Toolset } from "../../src/toolsets.ts";
import { XyteClient } from "../../src/xyte/client.ts";

/** What a client lists from a server with these keys and tools (no upstream reachable). */
async function listed(options: { organizationKey: boolean; tools: readonly Tool[] }) {
  const xyte = new XyteClient({
    hubUrl: "http://unused.invalid",
    entryUrl: "http://unused.invalid",
    timeoutMs: 1000,
    ...(options.organizationKey ? { organizationKey: new Secret("exposure-test-org-key") } : {}),
    partnerKey: new Secret("exposure-test-partner-key"),
    fetch: () => Promise.reject(new TypeError("no network in unit tests")),
  });
  const { client, close } = await connectInMemory(
    { xyte, tools: options.tools, readOnly: false },
    "exposure-test",
  );
  try {
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    const resources = (await client.listResources()).resources.map((r) => r.uri);
    // A server with no prompt advertises no prompts capability (the client would warn on prompts/list).
    const prompts = client.getServerCapabilities()?.prompts
      ? (await client.listPrompts()).prompts.map((p) => p.name)
      : [];
    return { templates, resources, prompts };
  } finally {
    await close();
  }
}

const tools = (toolsets: readonly Toolset[], readOnly = false) => exposedTools({ readOnly, toolsets });

Deno.test("exposure: with Xyte unreachable, resources/list still answers with what needs no upstream", async () => {
  const { resources, templates, prompts } = await listed({
    organizationKey: true,
    tools: await tools(DEFAULT_TOOLSETS),
  });
  assert.equal(templates.length, 6);
  assert.ok(resources.includes("xyte://organization") && resources.includes("xyte://incidents"));
  assert.ok(resources.some((uri) => uri.startsWith("xyte://catalog/")));
  assert.ok(!resources.some((uri) => uri.startsWith("xyte://devices/")), "devices cannot be listed offline");
  assert.equal(prompts.length, 4);
});

Deno.test("exposure: a partner-only key gets the catalog resource, no organization resources", async () => {
  const { resources, templates } = await listed({
    organizationKey: false,
    tools: await tools(["partner", "catalog"]),
  });
  assert.deepEqual(templates, ["xyte://catalog/{key}"]);
  assert.ok(resources.every((uri) => uri.startsWith("xyte://catalog/")));
});

Deno.test("exposure: read-only mode drops the reboot prompt (send_command is a writer)", async () => {
  const { prompts } = await listed({ organizationKey: true, tools: await tools(DEFAULT_TOOLSETS, true) });
  assert.ok(!prompts.includes("reboot_device_safely"));
  assert.ok(prompts.includes("troubleshoot_offline_device"));
});

Deno.test("exposure: a prompt is offered only when its required tools are exposed", async () => {
  const { prompts } = await listed({ organizationKey: true, tools: await tools(["catalog"]) });
  assert.deepEqual(prompts, []);
  const incidentsOnly = await listed({ organizationKey: true, tools: await tools(["incidents"]) });
  assert.deepEqual(incidentsOnly.prompts, ["triage_open_incidents"]);
});
