/** Simulated Xyte hub: device namespace (registration, telemetry, commands, config, incidents, licenses). */
import assert from "node:assert/strict";
import { createSimulator, DEMO_ORG_KEY, DEMO_PARTNER_KEY, type Simulator } from "../../src/simulator/mod.ts";

const NOW = new Date("2025-06-01T12:00:00Z");
const ORG = "/core/v1/organization";

interface ApiResult {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
}

async function call(
  sim: Simulator,
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
): Promise<ApiResult> {
  const headers = new Headers();
  if (key !== null) headers.set("authorization", key);
  if (body !== undefined) headers.set("content-type", "application/json");
  const res = await sim.handle(
    new Request(`http://127.0.0.1:9${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await res.text();
  return { status: res.status, body: text === "" ? null : JSON.parse(text) };
}

function smallSim(): Simulator {
  return createSimulator({ now: NOW, organizations: [{ key: DEMO_ORG_KEY, deviceCount: 30 }] });
}

function modelByAuth(sim: Simulator, authentication: "mac_sn" | "cloud_id") {
  return sim.state.models.find((m) =>
    m.authentication === authentication && !m.edgeManaged && !m.isEdgeProxy
  )!;
}

Deno.test("device API: register (no auth) -> claim -> telemetry updates status, last_seen_at and history", async () => {
  const sim = smallSim();
  const model = modelByAuth(sim, "mac_sn");
  const registration = {
    hardware_key: model.hardwareKey,
    sn: "SN-1001",
    mac: "00-11-22-33-44-55",
    firmware_version: "1.2.3",
  };
  assert.equal(
    (await call(sim, "POST", "/v1/devices", null, { ...registration, hardware_key: "nope" })).status,
    422,
  );
  assert.equal(
    (await call(sim, "POST", "/v1/devices", null, { ...registration, firmware_version: "v1" })).status,
    422,
  );
  const registered = await call(sim, "POST", "/v1/devices", null, registration);
  assert.equal(registered.status, 201);
  assert.deepEqual(Object.keys(registered.body).sort(), [
    "access_key",
    "hub_url",
    "hub_url_static_cert",
    "id",
    "mqtt_hub_url",
  ]);
  assert.equal(registered.body.hub_url, "http://127.0.0.1:9");
  assert.equal((await call(sim, "POST", "/v1/devices", null, registration)).status, 422);
  assert.equal(sim.requests.at(-1)?.authorized, true);
  const { id, access_key: key } = registered.body;

  const partnerView = await call(sim, "GET", `/core/v1/partner/devices/${id}`, DEMO_PARTNER_KEY);
  assert.equal(partnerView.body.data[0].claimed, null);
  assert.equal(partnerView.body.data[0].status, null);

  const room = sim.state.organizations[0].spaces.find((s) => s.name === "Boardroom")!;
  const wrongMac = await call(sim, "POST", `${ORG}/devices/claim`, DEMO_ORG_KEY, {
    space_id: room.id,
    sn: "SN-1001",
    mac: "00:11:22:33:44:66",
  });
  assert.equal(wrongMac.status, 422);
  const claimed = await call(sim, "POST", `${ORG}/devices/claim`, DEMO_ORG_KEY, {
    space_id: room.id,
    sn: "SN-1001",
    mac: "00:11:22:33:44:55",
    name: "Boardroom Panel (new)",
  });
  assert.equal(claimed.status, 200);
  assert.equal(claimed.body.id, id);
  assert.equal(claimed.body.space.id, room.id);
  assert.equal(claimed.body.effective_status, "never_seen");
  assert.equal(claimed.body.last_seen_at, null);

  assert.equal(
    (await call(sim, "POST", `/v1/devices/${id}/telemetry`, key, { status: "sleeping" })).status,
    422,
  );
  const telemetry = await call(sim, "POST", `/v1/devices/${id}/telemetry`, key, {
    status: "online",
    timestamp: "2025-06-01T11:59:00Z",
    telemetries: { temperature_c: 41 },
  });
  assert.equal(telemetry.status, 200);
  for (
    const field of [
      "config_version",
      "command",
      "new_licenses",
      "info_version",
      "latest_fw_version",
      "success",
    ]
  ) {
    assert.ok(field in telemetry.body, field);
  }
  const device = await call(sim, "GET", `${ORG}/devices/${id}`, DEMO_ORG_KEY);
  assert.equal(device.body.status, "online");
  assert.equal(device.body.effective_status, "ok");
  assert.equal(device.body.last_seen_at, "2025-06-01T11:59:00.000Z");
  assert.deepEqual(device.body.state, { temperature_c: 41 });
  const history = await call(sim, "GET", `${ORG}/devices/histories?device_id=${id}`, DEMO_ORG_KEY);
  assert.equal(history.body.items.length, 1);
  assert.equal(history.body.items[0].status, "online");

  const override = await call(sim, "POST", `/v1/devices/${id}/telemetry`, key, {
    status: "error",
    override: true,
    telemetries: { fault: "fan" },
  });
  assert.equal(override.status, 200);
  assert.deepEqual(sim.state.organizations[0].devices.find((d) => d.id === id)?.state, { fault: "fan" });
  assert.equal(
    (await call(sim, "GET", `${ORG}/devices/histories?device_id=${id}`, DEMO_ORG_KEY)).body.items.length,
    2,
  );
});

Deno.test("device API: command round trip between organization and device", async () => {
  const sim = smallSim();
  const device = sim.state.organizations[0].devices.find((d) =>
    d.commands.every((c) => c.status !== "pending" && c.status !== "in_progress")
  )!;
  const key = sim.deviceAccessKey(device.id);
  assert.equal((await call(sim, "GET", `/v1/devices/${device.id}/command`, key)).status, 404);
  const sent = await call(sim, "POST", `${ORG}/devices/${device.id}/commands`, DEMO_ORG_KEY, {
    name: "reboot",
    extra_params: { delay_s: 3 },
  });
  const telemetry = await call(sim, "POST", `/v1/devices/${device.id}/telemetry`, key, { status: "online" });
  assert.equal(telemetry.body.command, true);
  const next = await call(sim, "GET", `/v1/devices/${device.id}/command`, key);
  assert.deepEqual(next.body, {
    id: sent.body.id,
    device_id: device.id,
    status: "pending",
    name: "reboot",
    parameters: { delay_s: 3 },
  });
  const pendingList = await call(sim, "GET", `/v1/devices/${device.id}/command/pending_commands`, key);
  assert.deepEqual(pendingList.body.map((c: { id: string }) => c.id), [sent.body.id]);
  assert.equal(
    (await call(sim, "POST", `/v1/devices/${device.id}/command`, key, { status: "done" })).status,
    422,
  );
  const progress = await call(sim, "POST", `/v1/devices/${device.id}/command`, key, {
    id: sent.body.id,
    status: "in_progress",
  });
  assert.equal(progress.body.status, "in_progress");
  await call(sim, "POST", `/v1/devices/${device.id}/command`, key, {
    id: sent.body.id,
    status: "done",
    message: "ok",
  });
  const orgView = await call(sim, "GET", `${ORG}/devices/${device.id}/commands`, DEMO_ORG_KEY);
  assert.equal(orgView.body.items[0].status, "done");
  assert.equal(orgView.body.items[0].message, "ok");
  assert.equal((await call(sim, "GET", `/v1/devices/${device.id}/command`, key)).status, 404);
  const late = await call(sim, "POST", `/v1/devices/${device.id}/command`, key, {
    id: sent.body.id,
    status: "failed",
  });
  assert.equal(late.status, 422);
  assert.equal(
    (await call(sim, "POST", `/v1/devices/${device.id}/telemetry`, key, { status: "online" })).body.command,
    false,
  );
});

Deno.test("device API: configuration versions follow organization and device writes", async () => {
  const sim = smallSim();
  const device = sim.state.organizations[0].devices[4];
  const key = sim.deviceAccessKey(device.id);
  const initial = await call(sim, "GET", `/v1/devices/${device.id}/config`, key);
  await call(sim, "PATCH", `${ORG}/devices/${device.id}`, DEMO_ORG_KEY, { configuration: { volume: 30 } });
  const afterOrg = await call(sim, "GET", `/v1/devices/${device.id}/config`, key);
  assert.equal(afterOrg.body.version, initial.body.version + 1);
  assert.deepEqual(afterOrg.body.config, { volume: 30 });
  const set = await call(sim, "POST", `/v1/devices/${device.id}/config`, key, { input: { volume: 45 } });
  assert.equal(set.body.version, initial.body.version + 2);
  const telemetry = await call(sim, "POST", `/v1/devices/${device.id}/telemetry`, key, { status: "online" });
  assert.equal(telemetry.body.config_version, initial.body.version + 2);
  const partner = await call(sim, "GET", `/core/v1/partner/devices/${device.id}/config`, DEMO_PARTNER_KEY);
  assert.deepEqual(partner.body.config, { volume: 45 });
});

Deno.test("device API: incidents, suspension and device info", async () => {
  const sim = smallSim();
  const device = sim.state.organizations[0].devices[6];
  const key = sim.deviceAccessKey(device.id);
  assert.equal((await call(sim, "POST", `/v1/devices/${device.id}/incidents`, key, {})).status, 422);
  const opened = await call(sim, "POST", `/v1/devices/${device.id}/incidents`, key, {
    title: "Lamp failure",
    priority: "high",
  });
  assert.equal(opened.status, 201);
  const orgIncidents = await call(sim, "GET", `${ORG}/incidents?status=active&page_size=500`, DEMO_ORG_KEY);
  assert.ok(orgIncidents.body.items.some((i: { id: string }) => i.id === opened.body.id));
  const open = await call(sim, "GET", `/v1/devices/${device.id}/incidents`, key);
  assert.ok(open.body.some((i: { id: string }) => i.id === opened.body.id));
  const closedAll = await call(sim, "DELETE", `/v1/devices/${device.id}/incidents`, key);
  assert.ok(closedAll.body.closed >= 1);
  const afterClose = await call(sim, "GET", `/v1/devices/${device.id}/incidents`, key);
  assert.ok(afterClose.body.every((i: { id: string }) => i.id !== opened.body.id));

  await call(sim, "POST", `${ORG}/devices/${device.id}/suspend_incidents`, DEMO_ORG_KEY);
  const suspended = await call(sim, "POST", `/v1/devices/${device.id}/incidents`, key, { title: "Again" });
  assert.equal(suspended.status, 422);
  await call(sim, "PUT", `/v1/devices/${device.id}/cloud_settings`, key, {
    property: "incidents.suspend_creation",
    value: false,
  });
  assert.equal(
    (await call(sim, "POST", `/v1/devices/${device.id}/incidents`, key, { title: "Again" })).status,
    201,
  );

  const info = await call(sim, "GET", `/v1/devices/${device.id}`, key);
  assert.equal(info.body.id, device.id);
  const unknownField = await call(sim, "PUT", `/v1/devices/${device.id}`, key, { name: "X", colour: "red" });
  assert.equal(unknownField.status, 400);
  const renamed = await call(sim, "PUT", `/v1/devices/${device.id}`, key, { name: "Renamed by device" });
  assert.equal(renamed.body.info_version, info.body.info_version + 1);
  assert.equal(
    (await call(sim, "GET", `${ORG}/devices/${device.id}`, DEMO_ORG_KEY)).body.name,
    "Renamed by device",
  );
  const space = await call(sim, "GET", `/v1/devices/${device.id}/space`, key);
  assert.equal(space.body.id, device.spaceId);
});

Deno.test("device API: children, child telemetry and mass telemetry", async () => {
  const sim = smallSim();
  const [parent, other] = sim.state.organizations[0].devices.slice(3, 5);
  const parentKey = sim.deviceAccessKey(parent.id);
  const model = sim.state.models[4];
  const child = await call(sim, "POST", `/v1/devices/${parent.id}/children`, parentKey, {
    sn: "CH-1",
    model_id: model.id,
  });
  assert.equal(child.status, 201);
  assert.equal(
    (await call(sim, "POST", `/v1/devices/${parent.id}/children`, parentKey, {
      sn: "CH-1",
      model_id: model.id,
    })).status,
    422,
  );
  const children = await call(sim, "GET", `/v1/devices/${parent.id}/children`, parentKey);
  assert.deepEqual(children.body.map((c: { id: string }) => c.id), [child.body.id]);
  assert.equal((await call(sim, "GET", `/v1/devices/${child.body.id}`, child.body.access_key)).status, 200);

  const childTelemetry = await call(sim, "POST", `/v1/devices/${parent.id}/children/telemetries`, parentKey, {
    [child.body.id]: { status: "online", telemetries: { muted: false } },
    [other.id]: { status: "online" },
  });
  assert.equal(childTelemetry.status, 200);
  assert.equal(childTelemetry.body[child.body.id].success, true);
  assert.equal(typeof childTelemetry.body[other.id].error, "string");
  assert.equal(sim.requests.at(-1)?.endpointKey, "device.telemetries.sendChildTelemetry");

  const mass = await call(sim, "POST", `/v1/devices/${parent.id}/children/telemetries`, parentKey, {
    [other.id]: { access_token: sim.deviceAccessKey(other.id), status: "error" },
    [parent.id]: { access_token: "wrong", status: "online" },
  });
  assert.equal(sim.requests.at(-1)?.endpointKey, "device.telemetries.sendMassTelemetry");
  assert.equal(mass.body[other.id].success, true);
  assert.equal(typeof mass.body[parent.id].error, "string");
  assert.equal(other.status, "error");
});

Deno.test("device API: licenses, events, dumps, files, bulk registration and self-deletion", async () => {
  const sim = smallSim();
  const org = sim.state.organizations[0];
  const device = org.devices.find((d) => !org.licenses.some((l) => l.deviceId === d.id))!;
  const key = sim.deviceAccessKey(device.id);
  assert.equal((await call(sim, "GET", `/v1/devices/${device.id}/license`, key)).status, 404);
  const free = org.licenses.find((l) => l.deviceId === null && l.state === "available")!;
  const forbidden = await call(sim, "POST", `/v1/devices/${device.id}/licenses`, key, {
    id: free.id,
    state: "available",
  });
  assert.deepEqual(forbidden, { status: 403, body: { error: "Only allowed to set: inuse/removed/error" } });
  const inuse = await call(sim, "POST", `/v1/devices/${device.id}/licenses`, key, {
    id: free.id,
    state: "inuse",
  });
  assert.equal(inuse.body.state, "inuse");
  assert.equal(inuse.body.device.id, device.id);
  assert.equal((await call(sim, "GET", `/v1/devices/${device.id}/license`, key)).body.id, free.id);

  const event = await call(sim, "POST", `/v1/devices/${device.id}/events`, key, {
    name: "door_open",
    int_key_1: 3,
  });
  assert.equal(event.body.success, true);
  assert.deepEqual(device.events[0].values, { int_key_1: 3 });

  const form = new FormData();
  form.append("data", new Blob([new Uint8Array(1000)]), "dump.bin");
  const dump = await sim.handle(
    new Request(`http://hub.test/v1/devices/${device.id}/dumps/application_octet-stream/dump.bin`, {
      method: "POST",
      headers: { authorization: key },
      body: form,
    }),
  );
  assert.equal(dump.status, 201);
  const dumpBody = await dump.json();
  assert.equal(dumpBody.size, 1000);
  assert.deepEqual(sim.requests.at(-1)?.body, { multipart: ["data"] });
  const more = new FormData();
  more.append("data", "0123456789");
  const appended = await sim.handle(
    new Request(`http://hub.test/v1/devices/${device.id}/dumps/${dumpBody.id}`, {
      method: "PUT",
      headers: { authorization: key },
      body: more,
    }),
  );
  assert.equal((await appended.json()).size, 1010);

  const files = await call(sim, "GET", `/v1/devices/${device.id}/files`, key);
  assert.ok(files.body.length >= 1);
  assert.equal(
    (await call(sim, "GET", `/v1/devices/${device.id}/files/${files.body[0].id}`, key)).body.id,
    files.body[0].id,
  );
  assert.equal((await call(sim, "GET", `/v1/devices/${device.id}/files/nope`, key)).status, 404);

  const cloudModel = modelByAuth(sim, "cloud_id");
  const bulk = await call(sim, "POST", "/v1/devices/bulk_create", null, {
    devices: [
      { hardware_key: cloudModel.hardwareKey, sn: "B-1", cloud_id: "cloud-b-1", firmware_version: "1.0.0" },
      { hardware_key: cloudModel.hardwareKey, sn: "B-2", firmware_version: "1.0.0" },
    ],
  });
  assert.equal(bulk.status, 200);
  assert.equal(typeof bulk.body.devices[0].access_key, "string");
  assert.match(bulk.body.devices[1].error, /cloud_id/);

  assert.deepEqual((await call(sim, "DELETE", `/v1/devices/${device.id}`, key)).body, { success: true });
  assert.equal((await call(sim, "GET", `${ORG}/devices/${device.id}`, DEMO_ORG_KEY)).status, 404);
  assert.equal((await call(sim, "GET", `/v1/devices/${device.id}`, key)).status, 401);
});
