import assert from "node:assert/strict";
import {
  checkCall,
  endpoint,
  ENDPOINTS,
  type EndpointSpec,
  isDestructive,
  targetOf,
} from "../../src/xyte/catalog.ts";

const all: readonly EndpointSpec[] = ENDPOINTS;
const where = (spec: EndpointSpec, call: Parameters<typeof checkCall>[1]) =>
  checkCall(spec, call).map((p) => p.where);

Deno.test("destructive = every DELETE plus deactivateUser, and only mutating endpoints", () => {
  const destructive = all.filter(isDestructive);
  for (const e of all.filter((e) => e.method === "DELETE")) assert.ok(isDestructive(e), e.key);
  assert.deepEqual(destructive.filter((e) => e.method !== "DELETE").map((e) => e.key), [
    "organization.users.deactivateUser",
  ]);
  for (const e of destructive) assert.equal(e.mutating, true, e.key);
  assert.equal(destructive.length, 13);
  // Reversible or idempotent writes stay non-destructive.
  for (const key of ["organization.tickets.markResolved", "organization.devices.mergeDevice"] as const) {
    assert.equal(isDestructive(endpoint(key)), false, key);
  }
});

Deno.test("the target of a destructive call is the last path parameter's value", () => {
  const cancel = endpoint("organization.commands.cancelCommand");
  assert.equal(targetOf(cancel, { device_id: "d1", command_id: "c7" }), "c7");
  assert.equal(targetOf(cancel, { device_id: "d1" }), undefined);
  assert.equal(targetOf(endpoint("organization.groups.deleteGroup"), { id: 12 }), "12");
  assert.equal(targetOf(endpoint("organization.getOrganizationInfo"), {}), undefined);
});

Deno.test("getIncidents carries the documented query parameters; partner getDevices pages", () => {
  const incidents = endpoint("organization.incidents.getIncidents");
  for (
    const name of ["from", "to", "page", "per_page", "page_size", "status", "priority", "space_id", "title"]
  ) {
    assert.ok(incidents.queryParams.includes(name), name);
  }
  assert.deepEqual([...endpoint("partner.devices.getDevices").queryParams], ["page", "per_page"]);
  const open = all.filter((e) => e.openQuery).map((e) => e.key);
  assert.deepEqual(open, [
    "partner.devices.getStateHistory",
    "partner.devices.getStateHistoryMultiDevices",
    "partner.devices.getTelemetries",
    "partner.tickets.getTickets",
  ]);
  for (const e of all.filter((e) => e.openQuery)) assert.equal(e.method, "GET", e.key);
});

Deno.test("checkCall: path parameters must be present and known", () => {
  const spec = endpoint("organization.commands.cancelCommand");
  assert.deepEqual(where(spec, { path: { device_id: "d" } }), ["path.command_id"]);
  assert.deepEqual(where(spec, { path: { device_id: "d", command_id: "c", id: 1 } }), ["path.id"]);
  assert.deepEqual(where(spec, { path: { device_id: "d", command_id: 0 } }), []);
  assert.deepEqual(where(spec, { path: { device_id: "", command_id: "c" } }), ["path.device_id"]);
  assert.deepEqual(
    where(spec, { path: { device_id: ".", command_id: ".." } }),
    ["path.device_id", "path.command_id"],
    "dot segments would send the call to another endpoint",
  );
});

Deno.test("checkCall: query parameters must be known unless the reference leaves them open", () => {
  const devices = endpoint("organization.devices.getDevices");
  assert.deepEqual(where(devices, { query: { page: 2, per_page: 10, space_id: 3 } }), []);
  const [problem] = checkCall(devices, { query: { perpage: 5 } });
  assert.equal(problem?.where, "query.perpage");
  assert.match(problem!.message, /accepted: page, per_page, space_id/);
  assert.deepEqual(
    where(endpoint("organization.licenses.getLicenses"), { query: { "state[]": "inuse" } }),
    [],
  );
  assert.deepEqual(where(endpoint("organization.tickets.getTickets"), { query: { page: 1 } }), [
    "query.page",
  ]);
  assert.deepEqual(
    where(endpoint("partner.devices.getTelemetries"), {
      path: { device_id: "d" },
      query: { from: 1, anything: "x" },
    }),
    [],
  );
});

Deno.test("checkCall: bodies only where the endpoint takes one; organization/partner fields are checked", () => {
  assert.deepEqual(
    where(endpoint("organization.devices.getDevice"), { path: { device_id: "d" }, body: {} }),
    [
      "body",
    ],
  );
  const move = endpoint("organization.devices.moveDevice");
  assert.deepEqual(where(move, { path: { device_id: "d" }, body: { space_id: 1 } }), []);
  assert.deepEqual(where(move, { path: { device_id: "d" }, body: { space: 1 } }), ["body.space"]);
  assert.deepEqual(where(move, { path: { device_id: "d" }, body: [1] }), ["body"]);
  assert.deepEqual(
    where(endpoint("partner.tickets.updateTicket"), {
      path: { ticket_id: "t" },
      body: { title: "x", priority: 1 },
    }),
    ["body.priority"],
  );
  // Device body fields are incomplete in the reference: anything passes.
  assert.deepEqual(
    where(endpoint("device.device-info.updateDevice"), {
      path: { device_id: "d" },
      body: { config_version: 3 },
      deviceKey: "k",
    }),
    [],
  );
  assert.deepEqual(
    where(endpoint("device.telemetries.sendMassTelemetry"), {
      path: { device_id: "d" },
      body: { "other-id": { access_token: "t" } },
      deviceKey: "k",
    }),
    [],
  );
  // Multipart uploads cannot be encoded as JSON.
  const [dump] = checkCall(endpoint("device.file-dumps.sendDump"), {
    path: { device_id: "d", mime_type: "text", filename: "a.txt" },
    body: { data: "x" },
    deviceKey: "k",
  });
  assert.match(dump!.message, /multipart/);
});

Deno.test("checkCall: device_key exactly for device-scope endpoints", () => {
  const config = endpoint("device.configuration.getConfig");
  assert.deepEqual(where(config, { path: { device_id: "d" } }), ["device_key"]);
  assert.deepEqual(where(config, { path: { device_id: "d" }, deviceKey: "k" }), []);
  assert.deepEqual(where(endpoint("organization.getOrganizationInfo"), { deviceKey: "k" }), ["device_key"]);
  assert.deepEqual(where(endpoint("device.registration.registerDevice"), { body: { sn: "1" } }), []);
  assert.deepEqual(where(endpoint("device.registration.registerDevice"), { deviceKey: "k" }), ["device_key"]);
});

Deno.test("checkCall reports every problem at once", () => {
  const problems = where(endpoint("device.incidents.closeIncident"), { query: { x: 1 }, body: {} });
  assert.deepEqual(problems, ["path.device_id", "path.incident_id", "query.x", "body", "device_key"]);
});
