/**
 * Every one of the 106 catalog endpoints through the catalog tools, end to end over stdio against the
 * simulated hub: describe_endpoint answers for each key, and call_endpoint sends exactly one request that
 * the hub routes to that very endpoint, with real ids from the hub's state (device scope: the device's own
 * access key). Every answer is a typed result that matches the published outputSchema; all succeed except
 * the two multipart uploads, which call_endpoint cannot encode and the hub answers with its documented 422.
 */
import assert from "node:assert/strict";
import type { SimDevice, SimOrganization, SimulatorServer } from "../../src/simulator/mod.ts";
import { ENDPOINTS as CATALOG, type EndpointSpec, isDestructive } from "../../src/xyte/catalog.ts";
import { connectStdio, serverEnv, startHub } from "./harness.ts";
import { scenarioContext } from "./scenarios/context.ts";

const ENDPOINTS: readonly EndpointSpec[] = CATALOG;

type Args = Record<string, unknown>;
/** One planned call: the key and its call_endpoint arguments (computed when it runs, after earlier calls). */
type Step = [key: string, args: () => Args];

/** Answers the hub gives on purpose: a multipart upload sent without its file. */
const EXPECTED_ERRORS: Record<string, string> = {
  "device.file-dumps.sendDump": "validation",
  "device.file-dumps.appendDumpFile": "not_found",
};

/** Same method and path: the hub tells them apart by the body. */
const SHARED_ROUTE = new Set([
  "device.telemetries.sendChildTelemetry",
  "device.telemetries.sendMassTelemetry",
]);

function plan(hub: SimulatorServer): Step[] {
  const state = hub.state;
  const org: SimOrganization = state.organizations[0]!;
  const modelOf = (d: SimDevice) => state.models.find((m) => m.id === d.modelId)!;
  const plain = org.devices.filter((d) =>
    d.mergedInto === null && d.parentId === null && !modelOf(d).isEdgeProxy && d.proxyId === null &&
    d.spaceId !== null && !org.devices.some((o) => o.mergedInto === d.id)
  );
  const licensed = plain.find((d) => org.licenses.some((l) => l.deviceId === d.id))!;
  const [read, write, mergeA, mergeB, orgDelete, partnerDelete, deviceDelete] = plain.filter((d) =>
    d !== licensed
  );
  const dev = licensed; // the device that speaks the device API
  const key = (d: SimDevice) => hub.deviceAccessKey(d.id);
  const proxy = org.devices.find((d) => modelOf(d).isEdgeProxy && d.effectiveStatus === "ok")!;
  const edgeManaged = org.devices.find((d) => d.proxyId !== null)!;
  const edgeModel = state.models.find((m) => m.edgeManaged)!;
  const spaceWithNotes = org.spaces.find((s) => org.spaceNotes.some((n) => n.spaceId === s.id))!;
  const site = org.spaces.find((s) => s.parentId === org.rootSpaceId)!;
  const [ticket, partnerTicket] = org.tickets.filter((t) => t.status === "open");
  const [group] = org.groups;
  const [user, otherUser] = org.users.filter((u) => u.active);
  const unclaimed = state.unclaimedDevices[0]!;
  const unclaimedModel = modelOf(unclaimed);
  const license = org.licenses.find((l) => l.deviceId === dev.id)!;
  const file = org.files.find((f) => f.modelId === null || f.modelId === dev.modelId)!;
  const registerModel = state.models.find((m) => m.authentication === "mac_sn")!;
  const registration = (sn: string, mac: string) => ({
    hardware_key: registerModel.hardwareKey,
    sn,
    mac,
    firmware_version: "1.0.0",
  });
  const path = (p: Args) => ({ path: p });
  const onDevice = (d: SimDevice, extra: Args = {}) => ({
    path: { device_id: d.id },
    device_key: key(d),
    ...extra,
  });
  const pendingOf = (d: SimDevice) =>
    d.commands.find((c) => c.status === "pending" || c.status === "in_progress")!;
  const newest = <T extends { id: number | string }>(rows: T[]) => rows.at(-1)!;

  return [
    // Organization: reads, then writes that later steps depend on, then destructive calls.
    ["organization.getOrganizationInfo", () => ({})],
    ["organization.devices.getDevices", () => ({ query: { page: 1, per_page: 5 } })],
    ["organization.devices.getDevice", () => path({ device_id: read.id })],
    ["organization.devices.getHistories", () => ({ query: { device_id: read.id, per_page: 10 } })],
    [
      "organization.devices.updateDevice",
      () => ({ ...path({ device_id: write.id }), body: { name: "Renamed" } }),
    ],
    [
      "organization.devices.moveDevice",
      () => ({ ...path({ device_id: write.id }), body: { space_id: read.spaceId } }),
    ],
    ["organization.devices.suspendIncidents", () => path({ device_id: write.id })],
    ["organization.devices.resumeIncidents", () => path({ device_id: write.id })],
    [
      "organization.devices.mergeDevice",
      () => ({ ...path({ device_id: mergeA.id }), body: { with_device_ids: [mergeB.id] } }),
    ],
    [
      "organization.devices.splitDevice",
      () => ({ ...path({ device_id: mergeA.id }), body: { shadow_device_id: mergeB.id } }),
    ],
    ["organization.devices.claimDevice", () => ({
      body: unclaimedModel.authentication === "cloud_id"
        ? { space_id: site.id, cloud_id: unclaimed.cloudId }
        : { space_id: site.id, sn: unclaimed.sn, mac: unclaimed.mac },
    })],
    ["organization.commands.getCommands", () => path({ device_id: read.id })],
    [
      "organization.commands.sendCommand",
      () => ({ ...path({ device_id: dev.id }), body: { name: modelOf(dev).commands[0]!.name } }),
    ],
    ["device.command.getCommand", () => onDevice(dev)],
    ["device.command.getCommandsWithChildren", () => onDevice(dev)],
    [
      "device.command.updateCommand",
      () => onDevice(dev, { body: { id: pendingOf(dev).id, status: "in_progress" } }),
    ],
    ["organization.commands.cancelCommand", () => path({ device_id: dev.id, command_id: pendingOf(dev).id })],
    ["organization.edges.getEdges", () => ({})],
    [
      "organization.edges.devices.startPing",
      () => ({ body: { proxy_id: proxy.id, device_ip: "10.20.30.41" } }),
    ],
    [
      "organization.edges.devices.getPingStatus",
      () => ({ query: { proxy_id: proxy.id, device_ip: "10.20.30.41" } }),
    ],
    ["organization.edges.devices.startClaim", () => ({
      body: {
        proxy_id: proxy.id,
        device_ip: "10.20.30.42",
        device_model_id: edgeModel.id,
        space_id: site.id,
        skip_connectivity_check: true,
      },
    })],
    [
      "organization.edges.devices.getClaimStatus",
      () => ({ query: { proxy_id: proxy.id, device_ip: "10.20.30.42" } }),
    ],
    ["organization.edges.devices.updateHostname", () => ({
      ...path({ device_id: edgeManaged.id }),
      body: { device_ip: "10.20.30.43", skip_connectivity_check: true },
    })],
    ["organization.groups.getGroups", () => ({ query: { per_page: 5 } })],
    ["organization.groups.getGroup", () => path({ id: group!.id })],
    ["organization.groups.createGroup", () => ({ body: { name: "Coverage Group" } })],
    [
      "organization.groups.updateGroup",
      () => ({ ...path({ id: group!.id }), body: { name: "Coverage Renamed" } }),
    ],
    [
      "organization.groups.addUsersToGroup",
      () => ({ ...path({ id: group!.id }), body: { user_ids: [otherUser!.id] } }),
    ],
    [
      "organization.groups.removeUsersFromGroup",
      () => ({ ...path({ id: group!.id }), body: { user_ids: [otherUser!.id] } }),
    ],
    [
      "organization.groups.addExternalUserToGroup",
      () => ({ ...path({ id: group!.id }), body: { email: "ext@example.com" } }),
    ],
    ["organization.users.getUsers", () => ({ query: { per_page: 5 } })],
    ["organization.users.getUser", () => path({ id: user!.id })],
    [
      "organization.users.createUser",
      () => ({ body: { email: "coverage@example.com", name: "Coverage User" } }),
    ],
    ["organization.users.resendWelcomeEmail", () => path({ id: user!.id })],
    ["organization.assets.getAssets", () => ({ query: { per_page: 5 } })],
    ["organization.assets.getAsset", () => path({ asset_id: org.assets[0]!.id })],
    ["organization.assets.getAssetLabels", () => path({ category: "manufacturer" })],
    ["organization.assets.createAsset", () => ({ body: { name: "Coverage Asset", space_id: site.id } })],
    [
      "organization.assets.updateAsset",
      () => ({ ...path({ asset_id: org.assets[0]!.id }), body: { comments: "checked" } }),
    ],
    ["organization.incidents.getIncidents", () => ({ query: { status: "active", page_size: 5 } })],
    ["organization.licenses.getLicenses", () => ({ query: { per_page: 5 } })],
    ["organization.models.getModels", () => ({ query: { per_page: 5 } })],
    ["organization.models.getModel", () => path({ id: state.models[0]!.id })],
    ["organization.notes.getAllDeviceNotes", () => ({ query: { per_page: 5 } })],
    ["organization.notes.getAllSpaceNotes", () => ({ query: { per_page: 5 } })],
    ["organization.notes.getDeviceNotes", () => path({ device_id: write.id })],
    ["organization.notes.getSpaceNotes", () => path({ space_id: spaceWithNotes.id })],
    [
      "organization.notes.createDeviceNote",
      () => ({ ...path({ device_id: write.id }), body: { content: "Coverage note" } }),
    ],
    [
      "organization.notes.createSpaceNote",
      () => ({ ...path({ space_id: site.id }), body: { content: "Coverage note" } }),
    ],
    ["organization.spaces.getSpaces", () => ({ query: { parent_id: org.rootSpaceId } })],
    ["organization.spaces.getSpace", () => path({ space_id: site.id })],
    ["organization.spaces.createSpace", () => ({ body: { name: "Coverage Space", parent_id: site.id } })],
    [
      "organization.spaces.findOrCreateSpace",
      () => ({ body: { name: "Coverage Found", parent_id: site.id } }),
    ],
    [
      "organization.spaces.updateSpace",
      () => ({ ...path({ space_id: site.id }), body: { config: { notification_delay: 10 } } }),
    ],
    ["organization.tickets.getTickets", () => ({})],
    ["organization.tickets.getTicket", () => path({ ticket_id: ticket!.id })],
    [
      "organization.tickets.sendMessage",
      () => ({ ...path({ ticket_id: ticket!.id }), body: { message: "On it." } }),
    ],
    [
      "organization.tickets.updateTicket",
      () => ({ ...path({ ticket_id: ticket!.id }), body: { title: "Renamed ticket" } }),
    ],
    ["organization.tickets.markResolved", () => path({ ticket_id: ticket!.id })],

    // Partner API (the partner key sees every organization's devices and tickets).
    ["partner.devices.getDevices", () => ({ query: { page: 1, per_page: 5 } })],
    ["partner.devices.getDeviceInfo", () => path({ device_id: read.id })],
    ["partner.devices.getCommands", () => path({ device_id: read.id })],
    ["partner.devices.getConfiguration", () => path({ device_id: read.id })],
    ["partner.devices.getStateHistory", () => path({ device_id: read.id })],
    ["partner.devices.getStateHistoryMultiDevices", () => ({ query: { device_ids: read.id } })],
    ["partner.devices.getTelemetries", () => path({ device_id: read.id })],
    ["partner.organizations.createOrganization", () => ({ body: { name: "Coverage Customer" } })],
    ["partner.tickets.getTickets", () => ({ query: { status: "open" } })],
    ["partner.tickets.getTicket", () => path({ ticket_id: partnerTicket!.id })],
    [
      "partner.tickets.updateTicket",
      () => ({ ...path({ ticket_id: partnerTicket!.id }), body: { description: "Updated" } }),
    ],
    [
      "partner.tickets.addComment",
      () => ({ ...path({ ticket_id: partnerTicket!.id }), body: { message: "Partner here." } }),
    ],
    ["partner.tickets.closeTicket", () => path({ ticket_id: partnerTicket!.id })],

    // Device API, with the device's own access key.
    ["device.device-info.getDeviceInfo", () => onDevice(dev)],
    ["device.device-info.getSpaceInfo", () => onDevice(dev)],
    ["device.device-info.updateDevice", () => onDevice(dev, { body: { name: "Self-named" } })],
    [
      "device.device-info.setCloudSettings",
      () => onDevice(dev, { body: { property: "display.dim", value: true } }),
    ],
    ["device.configuration.getConfig", () => onDevice(dev)],
    ["device.configuration.setConfig", () => onDevice(dev, { body: { input: { volume: 40 } } })],
    ["device.events.addEvent", () => onDevice(dev, { body: { name: "door_open", category: "security" } })],
    ["device.incidents.getIncidents", () => onDevice(dev)],
    [
      "device.incidents.openIncident",
      () => onDevice(dev, { body: { title: "Lamp hours high", priority: "low" } }),
    ],
    ["device.license.getLicense", () => onDevice(dev)],
    ["device.license.updateLicense", () => onDevice(dev, { body: { id: license.id, state: "inuse" } })],
    ["device.remote-files.getFiles", () => onDevice(dev)],
    [
      "device.remote-files.getFile",
      () => ({ path: { device_id: dev.id, file_id: file.id }, device_key: key(dev) }),
    ],
    [
      "device.telemetries.sendTelemetry",
      () => onDevice(dev, { body: { status: "online", telemetries: { temp: 41 } } }),
    ],
    ["device.registration.getChildDevices", () => onDevice(dev)],
    [
      "device.registration.registerChildDevice",
      () => onDevice(dev, { body: { sn: "COV-CHILD-1", model_id: dev.modelId } }),
    ],
    ["device.telemetries.sendChildTelemetry", () => {
      const child = org.devices.find((d) => d.parentId === dev.id)!;
      return onDevice(dev, { body: { [child.id]: { status: "online" } } });
    }],
    [
      "device.telemetries.sendMassTelemetry",
      () => onDevice(dev, { body: { [read.id]: { access_token: key(read), status: "online" } } }),
    ],
    ["device.file-dumps.sendDump", () => ({
      path: { device_id: dev.id, mime_type: "text", filename: "log.txt" },
      device_key: key(dev),
    })],
    [
      "device.file-dumps.appendDumpFile",
      () => ({ path: { device_id: dev.id, id: "no-such-dump" }, device_key: key(dev) }),
    ],
    ["device.registration.registerDevice", () => ({ body: registration("COV-REG-1", "02:00:00:00:c0:01") })],
    ["device.registration.bulkRegisterDevice", () => ({
      body: { devices: [registration("COV-REG-2", "02:00:00:00:c0:02")] },
    })],

    // Destructive calls, each confirmed with its target id.
    ["device.incidents.closeIncident", () => {
      const incident = org.incidents.find((i) =>
        i.deviceId === dev.id && i.openedByDevice && i.status === "active"
      )!;
      return { path: { device_id: dev.id, incident_id: incident.id }, device_key: key(dev) };
    }],
    ["device.incidents.closeIncidents", () => onDevice(dev)],
    ["organization.notes.deleteDeviceNote", () => {
      const note = newest(org.deviceNotes.filter((n) => n.deviceId === write.id));
      return path({ device_id: write.id, id: note.id });
    }],
    ["organization.notes.deleteSpaceNote", () => {
      const note = newest(org.spaceNotes.filter((n) => n.spaceId === site.id));
      return path({ space_id: site.id, id: note.id });
    }],
    [
      "organization.spaces.deleteSpace",
      () => path({ space_id: org.spaces.find((s) => s.name === "Coverage Space")!.id }),
    ],
    [
      "organization.assets.deleteAsset",
      () => path({ asset_id: org.assets.find((a) => a.name === "Coverage Asset")!.id }),
    ],
    [
      "organization.groups.deleteGroup",
      () => path({ id: org.groups.find((g) => g.name === "Coverage Group")!.id }),
    ],
    [
      "organization.users.deactivateUser",
      () => path({ id: org.users.find((u) => u.email === "coverage@example.com")!.id }),
    ],
    [
      "organization.incidents.deleteIncident",
      () => path({ id: org.incidents.find((i) => !i.openedByDevice)!.id }),
    ],
    ["organization.devices.deleteDevice", () => path({ device_id: orgDelete.id })],
    ["partner.devices.deleteDevice", () => path({ device_id: partnerDelete.id })],
    ["device.registration.deleteDevice", () => onDevice(deviceDelete)],
  ];
}

/** The last path parameter's value: what confirms a destructive call. */
function confirmFor(spec: EndpointSpec, args: Args): string {
  const target = spec.pathParams.at(-1);
  const value = target ? (args.path as Args | undefined)?.[target] : undefined;
  return value === undefined ? spec.key : String(value);
}

Deno.test("every catalog endpoint is describable and callable through call_endpoint (stdio, simulated hub)", async (t) => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub), ["--toolsets", "catalog"]);
  try {
    const ctx = await scenarioContext(session.client, hub);
    const steps = plan(hub);
    assert.deepEqual(
      steps.map(([key]) => key).sort(),
      ENDPOINTS.map((e) => e.key).sort(),
      "the plan calls every catalog key exactly once",
    );

    await t.step("describe_endpoint answers for all 106 keys", async () => {
      for (const spec of ENDPOINTS) {
        const d = await ctx.ok<{ key: string; path: string; call_example: Args; destructive: boolean }>(
          "describe_endpoint",
          { key: spec.key },
        );
        assert.equal(d.key, spec.key);
        assert.equal(d.path, spec.path);
        assert.equal(
          "device_key" in d.call_example,
          spec.scope === "device",
          `${spec.key}: device_key example`,
        );
        assert.equal(d.destructive, isDestructive(spec), spec.key);
      }
    });

    await t.step("call_endpoint sends each key once, to that endpoint, with a typed answer", async () => {
      const outcomes: string[] = [];
      for (const [key, build] of steps) {
        const spec = ENDPOINTS.find((e) => e.key === key)!;
        const args = build();
        if (isDestructive(spec)) args.confirm = confirmFor(spec, args);
        const before = hub.requests.length;
        const result = await ctx.call("call_endpoint", { key, ...args });
        const sent = hub.requests.slice(before);
        assert.equal(sent.length, 1, `${key}: exactly one request (${result.content?.[0]?.text})`);
        const routed = sent[0]!.endpointKey ?? "(no route)";
        assert.ok(
          routed === key || (SHARED_ROUTE.has(key) && SHARED_ROUTE.has(routed)),
          `${key} reached ${routed}`,
        );
        const error = (result.structuredContent as { error?: { code: string } }).error;
        if (result.isError) {
          assert.ok(error && error.code !== "internal", `${key}: typed error`);
          assert.equal(error.code, EXPECTED_ERRORS[key], `${key}: ${result.content?.[0]?.text}`);
          outcomes.push(`${key}: ${error.code}`);
        } else {
          assert.equal(EXPECTED_ERRORS[key], undefined, `${key} was expected to fail`);
          assert.equal((result.structuredContent as { key: string }).key, key);
        }
      }
      assert.equal(outcomes.length, Object.keys(EXPECTED_ERRORS).length);
    });
  } finally {
    await session.close();
    await hub.close();
  }
});
