/** Scenarios for the organization, device, incident and ticket read tools. */
import assert from "node:assert/strict";
import { fullPath, roomWithDevices } from "./sim_truth.ts";
import type { Scenario } from "./types.ts";

interface DeviceRow {
  id: string;
  effective_status: string | null;
  space_path: string | null;
  sn?: string | null;
}

export const CORE_SCENARIOS: Record<string, Scenario> = {
  async get_organization_info({ ok }) {
    const org = await ok<{ statistics: { devices: number } }>("get_organization_info");
    assert.ok(org.statistics.devices > 100, "the simulated organization has a realistic fleet");
  },

  async list_devices({ ok, fails, hub }) {
    const page = await ok<{ devices: DeviceRow[]; has_next_page: boolean }>("list_devices", { per_page: 5 });
    assert.equal(page.devices.length, 5);
    assert.equal(page.has_next_page, true);
    assert.equal(page.devices[0]!.sn, undefined, "compact rows by default");

    const verbose = await ok<{ devices: DeviceRow[] }>("list_devices", { per_page: 2, fields: ["sn"] });
    assert.ok(verbose.devices.every((d) => typeof d.sn === "string" || d.sn === null));

    // One device by serial, by MAC however written, or by cloud id: found wherever it is in the list.
    const devices = hub.state.organizations[0]!.devices;
    const withMac = devices.findLast((d) => d.mac !== null)!;
    const mac = withMac.mac!.toUpperCase().replace(/[^0-9A-F]/g, "").replace(/(..)(?!$)/g, "$1-");
    for (const identifier of [withMac.sn.toLowerCase(), mac]) {
      const found = await ok<{ devices: DeviceRow[] }>("list_devices", { identifier });
      assert.deepEqual(found.devices.map((d) => d.id), [withMac.id], identifier);
    }
    const withCloudId = devices.find((d) => d.cloudId !== null);
    if (withCloudId) {
      const found = await ok<{ devices: DeviceRow[] }>("list_devices", { identifier: withCloudId.cloudId! });
      assert.deepEqual(found.devices.map((d) => d.id), [withCloudId.id]);
    }
    const none = await ok<{ devices: DeviceRow[] }>("list_devices", { identifier: "no-such-serial" });
    assert.deepEqual(none.devices, []);

    const offline = await ok<{ devices: DeviceRow[] }>("list_devices", {
      effective_status: ["offline", "disconnected"],
      per_page: 10,
    });
    assert.ok(offline.devices.length > 0);
    assert.ok(
      offline.devices.every((d) => d.effective_status === "offline" || d.effective_status === "disconnected"),
    );

    const london = await ok<{ devices: DeviceRow[]; space_path: string }>("list_devices", {
      space: "London Office",
      all: true,
    });
    assert.ok(london.devices.length > 0);
    assert.ok(london.devices.every((d) => d.space_path?.startsWith(london.space_path)));

    // The same site by id (as completions and other tools hand spaces out): the same rows, the same path.
    const org = hub.state.organizations[0]!;
    const londonId = org.spaces.find((s) => s.name === "London Office" && s.parentId === org.rootSpaceId)!.id;
    for (const space of [londonId, String(londonId)]) {
      const byId = await ok<{ devices: DeviceRow[]; space_path: string }>("list_devices", {
        space,
        all: true,
      });
      assert.equal(byId.space_path, "London Office");
      assert.deepEqual(byId.devices.map((d) => d.id), london.devices.map((d) => d.id));
    }
    const room = roomWithDevices(org);
    const inRoom = await ok<{ devices: DeviceRow[]; space_path: string }>("list_devices", { space: room.id });
    assert.equal(inRoom.space_path, fullPath(org, room.id));
    // An unknown id is not found, as an unknown name is (Xyte's filter alone answers no devices).
    await fails("list_devices", { space: 999_999_999 }, "not_found");

    // A name many spaces share: every candidate is listed, so the agent can pick any.
    const rooms = org.spaces.filter((s) => s.name === "Training Room");
    assert.ok(rooms.length > 8, "the demo has many training rooms");
    const ambiguous = await fails("list_devices", { space: "Training Room" }, "ambiguous_space");
    assert.match(ambiguous.message, new RegExp(`^${rooms.length} spaces match`));
    for (const r of rooms) {
      assert.ok(ambiguous.message.includes(`${r.id} (${fullPath(org, r.id)})`), `${r.id}`);
    }

    const all = await ok<{ devices: DeviceRow[]; has_next_page: boolean }>("list_devices", { all: true });
    assert.ok(all.devices.length >= 200, "all=true returns every device");
    assert.equal(all.has_next_page, false);
    assert.equal(new Set(all.devices.map((d) => d.id)).size, all.devices.length, "no device twice");

    await fails("list_devices", { per_page: 500 }, "invalid_arguments");
    await fails("list_devices", { space: "No Such Place" }, "not_found");
  },

  async get_device({ ok, fails }) {
    const { devices } = await ok<{ devices: DeviceRow[] }>("list_devices", { per_page: 1 });
    const device = await ok<{ id: string; sn: string | null }>("get_device", { device_id: devices[0]!.id });
    assert.equal(device.id, devices[0]!.id);
    const error = await fails(
      "get_device",
      { device_id: "00000000-0000-0000-0000-000000000000" },
      "not_found",
    );
    assert.match(error.message, /not found/i);
  },

  async list_incidents({ ok, fails }) {
    const active = await ok<{ incidents: { status: string }[] }>("list_incidents", { status: "active" });
    assert.ok(active.incidents.length > 0);
    assert.ok(active.incidents.every((i) => i.status === "active"));
    await fails("list_incidents", { since: "last tuesday" }, "invalid_arguments");
  },

  async list_tickets({ ok }) {
    const tickets = await ok<{ total: number; tickets: { status: string }[] }>("list_tickets", {});
    assert.ok(tickets.total > 0);
  },
};
