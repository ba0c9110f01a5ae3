/** Pure logic of the curated tools: wire → compact projections, filters and request bodies. */
import assert from "node:assert/strict";
import { ToolFailure } from "../../src/mcp/results.ts";
import { assetBody, currentAssetBody, toAssetRow } from "../../src/tools/assets.ts";
import { commandMatches, toCommandRow } from "../../src/tools/commands.ts";
import { partialFailure } from "../../src/tools/devices.ts";
import { toLicenseRow, toModelRow } from "../../src/tools/organization.ts";
import { partnerDeviceMatches, toPartnerDeviceRow } from "../../src/tools/partner.ts";
import { numericId, toHistoryRow, toSpaceRow, toTicketDetail } from "../../src/tools/shapes.ts";
import { ticketDetailLine, ticketEditBody } from "../../src/tools/tickets.ts";
import { toUserRow } from "../../src/tools/users.ts";
import {
  envelopeOf,
  WireAsset,
  WireCommand,
  WireHistoryRow,
  WireLicense,
  WireModel,
  WirePartnerDevice,
  WireSpace,
  WireTicketDetail,
  WireUser,
} from "../../src/xyte/wire.ts";

function failure(fn: () => unknown): ToolFailure {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ToolFailure, `expected ToolFailure, got ${error}`);
    return error;
  }
  assert.fail("expected a ToolFailure");
}

Deno.test("commands: friendly name shown only when it says more than the name", () => {
  const base = { id: "c1", status: "pending", created_at: "2026-11-01T00:00:00Z" };
  assert.equal(
    toCommandRow(WireCommand.parse({ ...base, name: "reboot", friendly_name: "Reboot" })).name,
    "reboot",
  );
  assert.equal(
    toCommandRow(WireCommand.parse({ ...base, name: "set_input", friendly_name: "Switch to HDMI 2" })).name,
    "set_input (Switch to HDMI 2)",
  );
  const row = toCommandRow(WireCommand.parse({ ...base, name: "reboot" }));
  assert.deepEqual(row, {
    id: "c1",
    name: "reboot",
    status: "pending",
    created_at: "2026-11-01T00:00:00Z",
    updated_at: null,
    message: null,
  });
});

Deno.test("commands: status=open matches pending and in_progress only", () => {
  assert.ok(commandMatches("pending", "open") && commandMatches("in_progress", "open"));
  assert.ok(!commandMatches("done", "open") && !commandMatches(null, "open"));
  assert.ok(commandMatches("failed", "failed") && !commandMatches("done", "failed"));
  assert.ok(commandMatches("done", undefined));
});

Deno.test("history rows: device id from device_id or uuid; state only when asked", () => {
  const wire = WireHistoryRow.parse({
    uuid: "d1",
    name: "Lobby",
    status: "offline",
    state: { temp: 40 },
    created_at: "2026-11-01T00:00:00Z",
  });
  assert.deepEqual(toHistoryRow(wire, false), {
    at: "2026-11-01T00:00:00Z",
    device_id: "d1",
    device_name: "Lobby",
    status: "offline",
  });
  assert.deepEqual(toHistoryRow(wire, true).state, { temp: 40 });
});

Deno.test("licenses: device sn falls back to the bound sn; refs given as strings are names", () => {
  const row = toLicenseRow(WireLicense.parse({
    id: "l1",
    state: "inuse",
    bound_device_sn: "SN-9",
    device: null,
    product: "Pro plan",
    device_model: { id: "m1", name: "Rally Bar" },
    expires_at: null,
    warranty: true,
  }));
  assert.deepEqual(row, {
    id: "l1",
    state: "inuse",
    product: "Pro plan",
    model: "Rally Bar",
    device_id: null,
    device_sn: "SN-9",
    expires_at: null,
    warranty: true,
  });
  assert.equal(
    toLicenseRow(WireLicense.parse({ id: 2, device: { id: "d1", sn: "SN-1" } })).device_sn,
    "SN-1",
  );
});

Deno.test("models: command names from objects or strings", () => {
  const row = toModelRow(WireModel.parse({
    id: "m1",
    name: "Rally Bar",
    commands: [{ name: "reboot", friendly_name: "Reboot" }, "mute", { friendly_name: "nameless" }],
  }));
  assert.deepEqual(row.commands, ["reboot", "mute"]);
  assert.deepEqual(toModelRow(WireModel.parse({ id: "m2" })).commands, []);
});

Deno.test("spaces: compact row", () => {
  assert.deepEqual(
    toSpaceRow(
      WireSpace.parse({ id: 12, name: "Room 1", parent_id: 7, space_type: "room", full_path: "A/B/Room 1" }),
    ),
    { id: "12", name: "Room 1", type: "room", path: "A/B/Room 1", parent_id: "7" },
  );
});

Deno.test("tickets: thread messages say who wrote them", () => {
  const ticket = WireTicketDetail.parse({
    id: "t1",
    title: "Broken",
    description: "x".repeat(300),
    status: "open",
    organization: { id: "o1", name: "Acme" },
    comments: [
      { id: 1, text: "Help", system: false, user: "Dana", owner: "Acme", owner_type: "Organization" },
      { id: 2, text: "On it", system: false, user: null, owner: "Partner Co", owner_type: "Partner" },
      { id: 3, text: "Ticket marked as resolved", system: true, user: null, owner: null, owner_type: null },
    ],
  });
  const detail = toTicketDetail(ticket);
  assert.equal(detail.description, "x".repeat(300), "the full description");
  assert.equal(detail.organization, "Acme");
  assert.deepEqual(detail.messages.map((m) => [m.from, m.author]), [
    ["organization", "Dana"],
    ["partner", "Partner Co"],
    ["system", null],
  ]);
  assert.match(ticketDetailLine(detail), /3 message\(s\); last message \? from system/);
});

Deno.test("tickets: an edit needs a title or a description", () => {
  assert.equal(failure(() => ticketEditBody({})).payload.code, "invalid_arguments");
  assert.deepEqual(ticketEditBody({ title: "New" }), { title: "New" });
  assert.deepEqual(ticketEditBody({ description: "" }), { description: "" });
});

Deno.test("partial failures name what changed and what did not", () => {
  const error = partialFailure(["name"], "space", new Error("Space not found"));
  assert.equal(error.payload.code, "partial_update");
  assert.equal(error.payload.message, "name changed, but changing space failed: Space not found");
  assert.match(error.payload.hint, /retry only space/);
});

Deno.test("assets: an update body keeps the current fields and labels by id", () => {
  const current = WireAsset.parse({
    id: 5,
    name: "Projector",
    serial_number: "SN-1",
    space_id: 42,
    purchased_at: "2025-01-01",
    comments: null,
    icon_name: null,
    manufacturer: { id: 3, name: "Epson" },
    device_model: null,
    device_type: { id: "lbl-x", name: "Display" },
    status: null,
  });
  const body = {
    ...currentAssetBody(current),
    ...assetBody({ status: "Retired", comments: "old" }, undefined),
  };
  assert.deepEqual(body, {
    name: "Projector",
    serial_number: "SN-1",
    space_id: 42,
    purchased_at: "2025-01-01",
    comments: "old",
    icon_name: null,
    manufacturer: { id: 3 },
    device_model: null,
    device_type: { id: "lbl-x" },
    status: "Retired",
  });
  assert.deepEqual(assetBody({ name: "A", space: "Room" }, "17"), { name: "A", space_id: 17 });
  assert.equal(toAssetRow(current).manufacturer, "Epson");
});

Deno.test("numericId: integer ids travel as numbers, others unchanged", () => {
  assert.equal(numericId("42"), 42);
  assert.equal(numericId("a1b2"), "a1b2");
});

Deno.test("partner devices: client-side filters", () => {
  const row = toPartnerDeviceRow(WirePartnerDevice.parse({
    id: "d1",
    claimed: "Acme Corp",
    status: "offline",
    effective_status: "disconnected",
    model: { name: "Poly Studio X50" },
  }));
  assert.equal(row.organization, "Acme Corp");
  assert.ok(partnerDeviceMatches(row, { organization: "acme", claimed: true, model_contains: "studio" }));
  assert.ok(partnerDeviceMatches(row, { effective_status: ["offline", "disconnected"], status: "offline" }));
  assert.ok(!partnerDeviceMatches(row, { claimed: false }));
  assert.ok(!partnerDeviceMatches(row, { effective_status: ["ok"] }));
  const onFirmware = (version: string | null) =>
    toPartnerDeviceRow(
      WirePartnerDevice.parse({ id: "d3", firmware: version === null ? null : { version } }),
    );
  assert.ok(partnerDeviceMatches(onFirmware("4.1.0"), { firmware_below: "4.2.0" }));
  assert.ok(partnerDeviceMatches(onFirmware("3.2.1061"), { firmware_below: "3.10" }), "numbers, not text");
  assert.ok(partnerDeviceMatches(onFirmware("v2.9"), { firmware_below: "2.10.0" }), "a leading v is ignored");
  assert.ok(!partnerDeviceMatches(onFirmware("4.2.0"), { firmware_below: "4.2" }), "equal is not below");
  assert.ok(!partnerDeviceMatches(onFirmware("4.10.0"), { firmware_below: "4.9.9" }));
  assert.ok(!partnerDeviceMatches(onFirmware(null), { firmware_below: "9" }), "unknown firmware: no claim");
  for (const unknown of ["", " ", "unknown", "N/A", "beta"]) {
    assert.ok(
      !partnerDeviceMatches(onFirmware(unknown), { firmware_below: "9" }),
      `firmware ${JSON.stringify(unknown)}`,
    );
  }
  assert.ok(
    partnerDeviceMatches(onFirmware(" 3.1-rc2 "), { firmware_below: "3.2" }),
    "a version with a suffix",
  );
  const pool = toPartnerDeviceRow(WirePartnerDevice.parse({ id: "d2", claimed: null }));
  assert.ok(
    partnerDeviceMatches(pool, { claimed: false }) && !partnerDeviceMatches(pool, { organization: "a" }),
  );
});

Deno.test("users: group ids as strings, missing flags null", () => {
  assert.deepEqual(toUserRow(WireUser.parse({ id: 7, email: "a@b.c", group_ids: [1, 2] })), {
    id: "7",
    name: null,
    email: "a@b.c",
    active: null,
    external: null,
    group_ids: ["1", "2"],
  });
});

Deno.test("envelopeOf: array, {data} or {items}", () => {
  assert.equal(envelopeOf([]), "array");
  assert.equal(envelopeOf({ data: [], page_info: {} }), "data");
  assert.equal(envelopeOf({ items: [] }), "items");
  assert.equal(envelopeOf(null), "items");
});
