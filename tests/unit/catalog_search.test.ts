import assert from "node:assert/strict";
import { ENDPOINTS, searchCatalog, wordStems } from "../../src/xyte/catalog.ts";

const top = (text: string, n = 1) => searchCatalog({ text }).slice(0, n).map((e) => e.key);

Deno.test("wordStems splits camelCase, punctuation and folds simple plurals", () => {
  assert.deepEqual(wordStems("getDevices"), ["get", "device"]);
  assert.deepEqual(wordStems("/core/v1/organization/devices/:device_id"), [
    "core",
    "v1",
    "organization",
    "device",
    "device",
    "id",
  ]);
  assert.deepEqual(wordStems("histories status address"), ["history", "status", "address"]);
});

Deno.test("searchCatalog ranks the intended endpoint first for everyday wording", () => {
  assert.deepEqual(top("reboot"), ["organization.commands.sendCommand"]);
  assert.deepEqual(top("get device"), ["organization.devices.getDevice"]);
  assert.deepEqual(top("getDevices"), ["organization.devices.getDevices"]);
  assert.deepEqual(top("organization.devices.getDevices"), ["organization.devices.getDevices"]);
  assert.deepEqual(top("delete device"), ["organization.devices.deleteDevice"]);
  assert.deepEqual(top("incidents"), ["organization.incidents.getIncidents"]);
  assert.deepEqual(top("cancel command"), ["organization.commands.cancelCommand"]);
  assert.deepEqual(top("move device to space"), ["organization.devices.moveDevice"]);
  assert.deepEqual(top("rename space"), ["organization.spaces.updateSpace"]);
  assert.deepEqual(top("license"), ["organization.licenses.getLicenses"]);
  assert.ok(top("edge ping", 2).includes("organization.edges.devices.startPing"));
});

Deno.test("searchCatalog filters by namespace, group, method and mutating", () => {
  const partnerTickets = searchCatalog({ namespace: "partner", group: "tickets" });
  assert.equal(partnerTickets.length, 5);
  const edgeGroup = searchCatalog({ group: "edges" });
  assert.deepEqual(
    edgeGroup.map((e) => e.group).sort(),
    [...new Array(5).fill("edges.devices"), "edges"].sort(),
  );
  assert.ok(searchCatalog({ method: "get" }).every((e) => e.method === "GET"));
  assert.equal(searchCatalog({ mutating: true }).length, 60);
  assert.deepEqual(
    searchCatalog({ text: "note", method: "DELETE" }).map((e) => e.key).sort(),
    ["organization.notes.deleteDeviceNote", "organization.notes.deleteSpaceNote"],
  );
});

Deno.test("searchCatalog without text lists every match in catalog order; nonsense matches nothing", () => {
  assert.equal(searchCatalog({}).length, ENDPOINTS.length);
  assert.deepEqual(searchCatalog({}).map((e) => e.key), ENDPOINTS.map((e) => e.key));
  assert.equal(searchCatalog({ text: "zzqx" }).length, 0);
});

Deno.test("searchCatalog understands a device maker's words: heartbeat, provisioning, licence, acknowledge", () => {
  assert.deepEqual(top("heartbeat"), ["device.telemetries.sendTelemetry"]);
  assert.deepEqual(top("provisioning"), ["device.registration.registerDevice"]);
  assert.deepEqual(top("provision new device"), ["device.registration.registerDevice"]);
  assert.deepEqual(top("licence"), ["organization.licenses.getLicenses"]);
  assert.deepEqual(top("acknowledge command"), ["device.command.updateCommand"]);
});

Deno.test("searchCatalog takes words named like Object.prototype members as ordinary words", () => {
  for (const text of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf constructor"]) {
    assert.ok(Array.isArray(searchCatalog({ text })), text);
  }
});

Deno.test("searchCatalog matches body fields: firmware finds registration, cloud id finds claim", () => {
  const firmware = searchCatalog({ text: "firmware" }).map((e) => e.key);
  assert.ok(firmware.includes("device.registration.registerDevice"), firmware.join(", "));
  assert.ok(top("cloud id", 3).includes("organization.devices.claimDevice"));
  assert.ok(top("cloud id", 3).includes("device.registration.registerDevice"));
});
