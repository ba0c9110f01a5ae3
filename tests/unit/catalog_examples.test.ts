/**
 * describe_endpoint's call_example, followed literally: its placeholders filled with real values and sent
 * through call_endpoint to the simulated hub, the call does what the endpoint is for.
 */
import { toolContext } from "../helpers/tool_context.ts";
import assert from "node:assert/strict";
import type { ToolContext } from "../../src/mcp/tool.ts";
import { Secret } from "../../src/secret.ts";
import { createSimulator, DEMO_ORG_KEY, DEMO_PARTNER_KEY, type Simulator } from "../../src/simulator/mod.ts";
import { callEndpoint, describeSpec } from "../../src/tools/catalog.ts";
import { endpoint, type EndpointKey, ENDPOINTS, type EndpointSpec } from "../../src/xyte/catalog.ts";
import { notFoundHint } from "../../src/xyte/errors.ts";
import { simulatedClient } from "../helpers/sim_client.ts";

function simulator(): Simulator {
  return createSimulator({
    now: new Date("2025-06-01T12:00:00Z"),
    organizations: [{ key: DEMO_ORG_KEY, deviceCount: 20 }],
  });
}

function context(sim: Simulator): ToolContext {
  return toolContext(simulatedClient(sim, DEMO_ORG_KEY, { partnerKey: new Secret(DEMO_PARTNER_KEY) }), {
    cachedReads: false,
  });
}

/** The call_example of `key` with every `<placeholder>` replaced by `values[name]` (a missing one fails). */
function filledExample(key: EndpointKey, values: Record<string, unknown>): Record<string, unknown> {
  const fill = (part: unknown): unknown =>
    Object.fromEntries(
      Object.entries(part as Record<string, unknown>).map(([name, value]) => {
        assert.ok(name in values, `${key}: no test value for the example's ${name}`);
        assert.match(String(value), /^<.*>$/, `${key}: ${name} is a placeholder`);
        return [name, values[name]];
      }),
    );
  const example = describeSpec(endpoint(key), false).call_example;
  return {
    ...example,
    ...(example.path ? { path: fill(example.path) } : {}),
    ...(example.body ? { body: fill(example.body) } : {}),
    ...(example.device_key ? { device_key: values.device_key } : {}),
    dry_run: false,
  };
}

async function callExample(sim: Simulator, key: EndpointKey, values: Record<string, unknown>) {
  const args = filledExample(key, values) as Parameters<typeof callEndpoint.execute>[0];
  return (await callEndpoint.execute(args, context(sim))).result as { response: Record<string, unknown> };
}

Deno.test("sendTelemetry's example reports values (telemetries) and does not wipe the stored state", async () => {
  const sim = simulator();
  const device = sim.state.organizations[0]!.devices[0]!;
  const example = describeSpec(endpoint("device.telemetries.sendTelemetry"), false).call_example;
  const body = example.body as Record<string, unknown>;
  assert.ok("telemetries" in body, "the values a device reports are the point of the call");
  assert.ok(!("override" in body), "override: true removes every stored key not sent");
  const stateBefore = Object.keys(device.state).length;
  const { response } = await callExample(sim, "device.telemetries.sendTelemetry", {
    device_id: device.id,
    device_key: sim.deviceAccessKey(device.id),
    status: "online",
    telemetries: { temperature_c: 41 },
  });
  assert.equal(response.success, true);
  assert.equal(device.state.temperature_c, 41);
  assert.ok(Object.keys(device.state).length >= stateBefore);
});

Deno.test("registerDevice's example names the fields registration requires", async () => {
  const sim = simulator();
  const model = sim.state.models.find((m) => m.authentication === "mac_sn" && !m.isEdgeProxy)!;
  const { response } = await callExample(sim, "device.registration.registerDevice", {
    sn: "SN-EXAMPLE-1",
    mac: "00:11:22:33:44:55",
    cloud_id: "cld-example-1",
    hardware_key: model.hardwareKey,
    firmware_version: "1.2.3",
  });
  assert.equal(typeof response.access_key, "string");
});

Deno.test("claimDevice's example claims an unclaimed device into a space", async () => {
  const sim = simulator();
  const org = sim.state.organizations[0]!;
  const device = sim.state.unclaimedDevices.find((d) => d.cloudId !== null)!;
  const { response } = await callExample(sim, "organization.devices.claimDevice", {
    space_id: org.spaces[0]!.id,
    cloud_id: device.cloudId,
    sn: device.sn,
    mac: device.mac,
    name: "Claimed by example",
  });
  assert.equal(response.id, device.id);
});

Deno.test("every example field is one of the endpoint's body fields", () => {
  for (const spec of ENDPOINTS as readonly EndpointSpec[]) {
    for (const field of spec.exampleFields ?? []) {
      assert.ok(spec.bodyFields.includes(field), `${spec.key}: example field ${field}`);
    }
  }
});

Deno.test("a device endpoint's 404 for the device itself says there is nothing of the kind, not a wrong id", async () => {
  const sim = simulator();
  const device = sim.state.organizations[0]!.devices.find((d) =>
    !d.commands.some((c) => c.status === "pending" || c.status === "in_progress")
  )!;
  const failure = await callEndpoint.execute({
    key: "device.command.getCommand",
    path: { device_id: device.id },
    device_key: sim.deviceAccessKey(device.id),
    dry_run: false,
  }, context(sim)).then(() => undefined, (error: { code: string; hint: string }) => error);
  assert.equal(failure?.code, "not_found");
  assert.match(failure!.hint, /nothing of this kind/);
  assert.doesNotMatch(failure!.hint, /Check the id/);
  // A write's 404 (updateCommand's command id, a telemetry report) keeps the default hint.
  for (const key of ["device.command.updateCommand", "device.telemetries.sendTelemetry"]) {
    assert.equal(notFoundHint(ENDPOINTS.find((spec) => spec.key === key)!), undefined, key);
  }
});
