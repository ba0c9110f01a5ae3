/**
 * send_command checks the name against the commands the device's model lists before anything is queued: an
 * unknown name is refused with the valid ones, a name differing only in case is sent as the model spells it,
 * and a name that cannot be checked (model lists none, its read failed) is sent as given with the reason in
 * the result. The model's names are kept per tenant, so a send costs one read besides the command itself.
 */
import { toolContext } from "../helpers/tool_context.ts";
import assert from "node:assert/strict";
import { ToolFailure } from "../../src/mcp/results.ts";
import type { ToolContext } from "../../src/mcp/tool.ts";
import { createSimulator, type SimDevice, type SimModel, type Simulator } from "../../src/simulator/mod.ts";
import { matchName } from "../../src/tools/command_names.ts";
import { sendCommand } from "../../src/tools/commands.ts";
import { createMemoryCacheStore } from "../../src/xyte/cache_store.ts";
import { XyteError } from "../../src/xyte/errors.ts";
import { simulatedClient } from "../helpers/sim_client.ts";

const KEY = "send-command-key-5b3e91";
const SEND = "organization.commands.sendCommand";
const GET_DEVICE = "organization.devices.getDevice";
const GET_MODEL = "organization.models.getModel";

interface Fixture {
  sim: Simulator;
  /** A context for one call; every context of a fixture is the same tenant (one client identity). */
  ctx(options?: { cachedReads?: boolean; signal?: AbortSignal }): ToolContext;
}

/** A simulated organization and a tenant client over it, its reads cached 300 s. */
function fixture(): Fixture {
  const sim = createSimulator({ organizations: [{ key: KEY, seed: 7, deviceCount: 40 }] });
  const store = createMemoryCacheStore();
  const identity = {};
  return {
    sim,
    ctx: (options = {}) =>
      toolContext(
        simulatedClient(sim, KEY, {
          cache: { store, tenant: "t", ttlSeconds: () => 300, reads: options.cachedReads ?? true },
        }, identity),
        options,
      ),
  };
}

function modelOf(sim: Simulator, device: SimDevice): SimModel {
  return sim.state.models.find((m) => m.id === device.modelId)!;
}

/** The first device whose model lists commands (the seeded standard ones: reboot, dump, …). */
function commandable(sim: Simulator, skip = 0): SimDevice {
  return sim.state.organizations[0]!.devices.filter((d) => modelOf(sim, d).commands.length > 0)[skip]!;
}

async function send(ctx: ToolContext, args: Record<string, unknown>) {
  const { result, summary } = await sendCommand.execute(sendCommand.input.parse(args), ctx);
  return { row: result as { id: string; name: string; name_unverified?: string }, summary };
}

function requestsTo(sim: Simulator, endpointKey: string, since = 0): number {
  return sim.requests.slice(since).filter((r) => r.endpointKey === endpointKey).length;
}

async function refusal(promise: Promise<unknown>): Promise<ToolFailure> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ToolFailure, `expected a ToolFailure, got ${String(error)}`);
  return error;
}

Deno.test("send_command: a name the model does not list is refused with the valid names; nothing is queued", async () => {
  const { sim, ctx } = fixture();
  const device = commandable(sim);
  const before = device.commands.length;
  for (const name of ["self_destruct", "reboots"]) {
    const error = await refusal(send(ctx(), { device_id: device.id, name }));
    assert.equal(error.payload.code, "invalid_arguments");
    assert.equal(error.payload.retriable, false);
    assert.match(error.payload.message, new RegExp(`"${name}" is not a command of device ${device.id}`));
    assert.match(error.payload.message, /nothing was sent/);
    assert.equal(
      error.payload.hint,
      `Valid names for this device: ${modelOf(sim, device).commands.map((c) => c.name).join(", ")}. ` +
        "Case does not matter.",
    );
  }
  assert.equal(device.commands.length, before, "no command queued");
  assert.equal(requestsTo(sim, SEND), 0, "nothing sent upstream");
});

Deno.test("send_command: a listed name in another case is sent as the model spells it", async () => {
  const { sim, ctx } = fixture();
  const device = commandable(sim);
  for (const name of ["Reboot", "REBOOT", "reboot"]) {
    const mark = sim.requests.length;
    const { row, summary } = await send(ctx(), { device_id: device.id, name });
    assert.equal(device.commands.at(-1)!.name, "reboot");
    assert.deepEqual(sim.requests.at(-1)!.body, { name: "reboot" });
    assert.equal(requestsTo(sim, SEND, mark), 1);
    assert.ok(row.name.startsWith("reboot"), row.name);
    assert.equal(row.name_unverified, undefined);
    assert.doesNotMatch(summary, /not checked/);
  }
});

Deno.test("send_command: of names equal ignoring case, an exact one is sent and another case is refused", async () => {
  const { sim, ctx } = fixture();
  const device = commandable(sim);
  modelOf(sim, device).commands.push({ name: "Reboot", friendlyName: "Reboot (hard)" });
  await send(ctx(), { device_id: device.id, name: "Reboot" });
  assert.equal(device.commands.at(-1)!.name, "Reboot");
  const error = await refusal(send(ctx(), { device_id: device.id, name: "REBOOT" }));
  assert.equal(error.payload.code, "invalid_arguments");
  assert.equal(error.payload.hint, "Pass one of reboot, Reboot exactly as written.");
  assert.equal(device.commands.at(-1)!.name, "Reboot", "nothing more queued");
});

Deno.test("send_command: a model listing no commands, or one that cannot be read, sends as given and says so", async (t) => {
  await t.step("the model lists no commands", async () => {
    const { sim, ctx } = fixture();
    const device = commandable(sim);
    modelOf(sim, device).commands = [];
    const { row, summary } = await send(ctx(), { device_id: device.id, name: "Reboot" });
    assert.equal(device.commands.at(-1)!.name, "Reboot", "sent as given");
    assert.match(row.name_unverified ?? "", /^its model .+ lists no commands$/);
    assert.match(summary, /The name was not checked against the device's commands: its model .+ lists no/);
  });

  await t.step("the model's read fails", async () => {
    const { sim, ctx } = fixture();
    const device = commandable(sim);
    sim.faults.add({ endpointKey: GET_MODEL, status: 503 });
    const { row } = await send(ctx(), { device_id: device.id, name: "self_destruct" });
    assert.equal(device.commands.at(-1)!.name, "self_destruct");
    assert.equal(row.name_unverified, "its model's commands could not be read (upstream)");
  });

  await t.step("the device's read fails", async () => {
    const { sim, ctx } = fixture();
    const device = commandable(sim);
    sim.faults.add({ endpointKey: GET_DEVICE, status: 500 });
    const { row } = await send(ctx(), { device_id: device.id, name: "reboot" });
    assert.equal(row.name_unverified, "the device could not be read (upstream)");
    assert.equal(requestsTo(sim, GET_MODEL), 0);
  });
});

Deno.test("send_command: an unknown device is not_found and nothing is sent", async () => {
  const { sim, ctx } = fixture();
  const error = await send(ctx(), { device_id: "00000000-0000-0000-0000-000000000000", name: "reboot" })
    .then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof XyteError && error.code === "not_found", String(error));
  assert.equal(requestsTo(sim, SEND), 0);
});

Deno.test("send_command: a call cancelled while its name is checked sends nothing", async () => {
  const { sim, ctx } = fixture();
  const device = commandable(sim);
  sim.faults.add({ endpointKey: GET_DEVICE, hang: true });
  const controller = new AbortController();
  const sent = send(ctx({ signal: controller.signal }), { device_id: device.id, name: "reboot" });
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(sent, (error: unknown) => error instanceof XyteError && error.code === "cancelled");
  assert.equal(requestsTo(sim, SEND), 0);
});

Deno.test("send_command: the model's names are kept per tenant past writes; one read per send besides it", async () => {
  const { sim, ctx } = fixture();
  const first = commandable(sim);
  const sameModel = sim.state.organizations[0]!.devices.find((d) =>
    d.id !== first.id && d.modelId === first.modelId
  )!;
  await send(ctx(), { device_id: first.id, name: "reboot" });
  assert.equal(requestsTo(sim, GET_MODEL), 1);

  // The send above moved the response cache on; the model's names are still kept.
  const mark = sim.requests.length;
  await send(ctx(), { device_id: sameModel.id, name: "reboot" });
  await send(ctx(), { device_id: first.id, name: "dump" });
  assert.deepEqual(
    sim.requests.slice(mark).map((r) => r.endpointKey),
    [GET_DEVICE, SEND, GET_DEVICE, SEND],
  );

  // A command the model gained upstream (a firmware update) is not refused on the kept list: a name missing
  // from it is checked against the model read afresh, which is kept from then on.
  modelOf(sim, first).commands.push({ name: "identify", friendlyName: "Blink LEDs" });
  await send(ctx(), { device_id: first.id, name: "identify" });
  assert.equal(requestsTo(sim, GET_MODEL), 2);
  await send(ctx(), { device_id: first.id, name: "IDENTIFY" });
  assert.equal(first.commands.at(-1)!.name, "identify");
  assert.equal(requestsTo(sim, GET_MODEL), 2, "the fresh list is kept");
  // An unknown name costs that one fresh read, then is refused.
  await refusal(send(ctx(), { device_id: first.id, name: "self_destruct" }));
  assert.equal(requestsTo(sim, GET_MODEL), 3);
});

Deno.test("matchName: exact first, then the one equal ignoring case; the hint's list is bounded", () => {
  const target = { deviceId: "d1", model: "M" };
  assert.equal(matchName("dump", ["reboot", "dump"], target), "dump");
  assert.equal(matchName("DUMP", ["reboot", "dump"], target), "dump");
  const many = Array.from({ length: 40 }, (_, i) => `cmd_${i}`);
  assert.throws(() => matchName("nope", many, target), (error: unknown) => {
    assert.ok(error instanceof ToolFailure);
    assert.match(error.payload.hint, /cmd_29, … \(40 in all\)\. Case does not matter\.$/);
    assert.doesNotMatch(error.payload.hint, /cmd_30/);
    return true;
  });
});
