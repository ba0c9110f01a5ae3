/** Calls every tool the way an agent would and checks what it sees; shared by the stdio and HTTP tests. */
import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { loadTools } from "../../src/registry.ts";

/** Every registered tool, from every toolset. */
const TOOLS = await loadTools();
import { assertMatchesOutputSchema } from "./harness.ts";

interface ToolCallResult {
  isError?: boolean;
  content?: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

export async function callEveryTool(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  const core = ["fleet_summary", "list_devices", "get_device", "list_incidents", "list_tickets"];
  for (const name of core) assert.ok(tools.some((t) => t.name === name), `${name} is listed by default`);
  const registered = new Set(TOOLS.map((t) => t.name));
  assert.ok(tools.every((t) => registered.has(t.name)), "only registered tools are listed");
  const schemas = new Map(tools.map((t) => [t.name, t.outputSchema]));
  for (const tool of tools) {
    assert.ok(tool.outputSchema, `${tool.name} publishes an outputSchema`);
    assert.equal(tool.outputSchema?.type, "object");
    assert.equal(typeof tool.annotations?.readOnlyHint, "boolean", `${tool.name} has annotations`);
  }
  const call = async (name: string, args: Record<string, unknown>): Promise<ToolCallResult> => {
    const result = await client.callTool({ name, arguments: args }) as ToolCallResult;
    assertMatchesOutputSchema(schemas.get(name), result.structuredContent, name);
    assert.equal(result.content?.[0]?.type, "text", `${name} starts with a text summary`);
    return result;
  };

  const fleet = await call("fleet_summary", {});
  assert.notEqual(fleet.isError, true);
  assert.ok(
    (fleet.structuredContent!.devices as number) > 100,
    "the simulated organization has a realistic fleet",
  );

  const page = await call("list_devices", { per_page: 5 });
  const devices = page.structuredContent!.devices as { id: string; effective_status: string }[];
  assert.equal(devices.length, 5);
  assert.equal(page.structuredContent!.has_next_page, true);

  const offline = await call("list_devices", { effective_status: ["offline", "disconnected"], per_page: 10 });
  const offlineRows = offline.structuredContent!.devices as { effective_status: string }[];
  assert.ok(offlineRows.length > 0);
  assert.ok(
    offlineRows.every((d) => d.effective_status === "offline" || d.effective_status === "disconnected"),
  );

  const device = await call("get_device", { device_id: devices[0]!.id });
  assert.equal(device.structuredContent!.id, devices[0]!.id);

  const missing = await call("get_device", { device_id: "00000000-0000-0000-0000-000000000000" });
  assert.equal(missing.isError, true);
  const error = missing.structuredContent!.error as { code: string; status: number; retriable: boolean };
  assert.equal(error.code, "not_found");
  assert.equal(error.status, 404);
  assert.equal(error.retriable, false);

  const bad = await call("list_devices", { per_page: 500 });
  assert.equal(bad.isError, true);
  assert.equal((bad.structuredContent!.error as { code: string }).code, "invalid_arguments");
  assert.match(bad.content![0]!.text!, /per_page/);

  const incidents = await call("list_incidents", { status: "active" });
  assert.notEqual(incidents.isError, true);
  const incidentRows = incidents.structuredContent!.incidents as { status: string }[];
  assert.ok(incidentRows.every((i) => i.status === "active"));

  const tickets = await call("list_tickets", {});
  assert.notEqual(tickets.isError, true);
  assert.ok((tickets.structuredContent!.total as number) > 0);
}
