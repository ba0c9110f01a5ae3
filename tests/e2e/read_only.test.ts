/**
 * Read-only mode end to end (stdio, every toolset): no listed tool may write, call_endpoint stays listed as
 * its read-only variant and still reads, and every mutating catalog endpoint is refused with a typed error
 * before anything is sent — the simulated hub sees no request but GETs. Both ways of asking for read-only
 * mode (the --read-only flag and XYTE_MCP_READ_ONLY=true) behave the same.
 */
import assert from "node:assert/strict";
import type { SimulatorServer } from "../../src/simulator/mod.ts";
import { ENDPOINTS as CATALOG, type EndpointSpec, isDestructive } from "../../src/xyte/catalog.ts";
import { connectStdio, serverEnv, startHub } from "./harness.ts";
import { scenarioContext } from "./scenarios/context.ts";

const ENDPOINTS: readonly EndpointSpec[] = CATALOG;
const MUTATING = ENDPOINTS.filter((e) => e.mutating);

/** Arguments that would be a complete, valid call: the refusal must come from read-only mode alone. */
function completeArgs(spec: EndpointSpec, hub: SimulatorServer): Record<string, unknown> {
  const device = hub.state.organizations[0]!.devices[0]!;
  const path = Object.fromEntries(spec.pathParams.map((p) => [p, p === "device_id" ? device.id : "1"]));
  return {
    key: spec.key,
    ...(spec.pathParams.length > 0 ? { path } : {}),
    ...(spec.body === "json" && spec.bodyFields.length > 0 ? { body: { [spec.bodyFields[0]!]: "x" } } : {}),
    ...(spec.scope === "device" ? { device_key: hub.deviceAccessKey(device.id) } : {}),
    ...(isDestructive(spec) ? { confirm: spec.key } : {}),
  };
}

async function assertReadOnlyServer(hub: SimulatorServer, env: Record<string, string>, args: string[]) {
  const session = await connectStdio(env, ["--toolsets", "all", ...args]);
  try {
    const { tools } = await session.client.listTools();
    assert.ok(tools.length > 3, "read tools are still listed");
    const writers = tools.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name);
    assert.deepEqual(writers, [], "no listed tool can write");
    const call = tools.find((t) => t.name === "call_endpoint");
    assert.ok(call, "call_endpoint is listed in read-only mode");
    assert.equal(call.annotations?.readOnlyHint, true);
    assert.equal(
      call.annotations?.destructiveHint,
      undefined,
      "meaningless on a read-only tool, so not published",
    );
    assert.match(call.description ?? "", /change data are refused/);

    const ctx = await scenarioContext(session.client, hub);
    const before = hub.requests.length;
    for (const spec of MUTATING) {
      const error = await ctx.fails("call_endpoint", completeArgs(spec, hub), "read_only");
      assert.match(error.message, /read-only; nothing was sent/, spec.key);
    }
    await ctx.fails("call_endpoint", { ...completeArgs(MUTATING[0]!, hub), dry_run: true }, "read_only");
    assert.equal(hub.requests.length, before, "refused calls send nothing");

    const devices = await ctx.ok<{ response: { items: unknown[] } }>("call_endpoint", {
      key: "organization.devices.getDevices",
      query: { per_page: 2 },
    });
    assert.equal(devices.response.items.length, 2, "reads still work");
    const described = await ctx.ok<{ notes: string[] }>("describe_endpoint", {
      key: "organization.devices.deleteDevice",
    });
    assert.ok(described.notes.some((n) => /read-only/.test(n)), "describe_endpoint says it would be refused");
  } finally {
    await session.close();
  }
  const writes = hub.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(writes, [], "the hub saw no request but GETs");
}

Deno.test("read-only mode lists no writer and refuses every mutating endpoint without sending it", async (t) => {
  const hub = await startHub();
  try {
    assert.equal(MUTATING.length, 60);
    await t.step("--read-only", () => assertReadOnlyServer(hub, serverEnv(hub), ["--read-only"]));
    await t.step(
      "XYTE_MCP_READ_ONLY=true",
      () => assertReadOnlyServer(hub, serverEnv(hub, { XYTE_MCP_READ_ONLY: "true" }), []),
    );
  } finally {
    await hub.close();
  }
});
