/**
 * Many 2025-era hosts embed the v1 TypeScript SDK client, which validates `structuredContent` against the
 * tool's `outputSchema` even on `isError` results. Our error results must pass that validation, or the host
 * shows "Structured content does not match" instead of our error.
 */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { RUN_ARGS, serverEnv, startHub } from "./harness.ts";

Deno.test("v1 SDK client: results and isError results both validate against the published outputSchema", async () => {
  const hub = await startHub();
  const client = new Client({ name: "v1-host", version: "1.0.0" });
  await client.connect(
    new StdioClientTransport({
      command: Deno.execPath(),
      args: RUN_ARGS,
      env: serverEnv(hub),
      stderr: "ignore",
    }),
  );
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.length >= 5);
    const ok = await client.callTool({ name: "list_devices", arguments: { per_page: 3 } });
    assert.equal(ok.isError, undefined);
    assert.equal((ok.structuredContent as { devices: unknown[] }).devices.length, 3);

    const missing = await client.callTool({ name: "get_device", arguments: { device_id: "no-such-device" } });
    assert.equal(missing.isError, true);
    assert.equal((missing.structuredContent as { error: { code: string } }).error.code, "not_found");

    const invalid = await client.callTool({ name: "list_incidents", arguments: { since: "yesterday" } });
    assert.equal(invalid.isError, true);
    assert.equal((invalid.structuredContent as { error: { code: string } }).error.code, "invalid_arguments");
  } finally {
    await client.close();
    await hub.close();
  }
});
