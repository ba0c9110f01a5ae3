/**
 * Device resources: `xyte://devices/{device_id}` (the device), `…/commands` (commands sent to it) and
 * `…/histories` (its state history over the last 7 days).
 */
import { defineResourceTemplate, type TemplateResource } from "../mcp/resource.ts";
import { listCommands } from "../tools/commands.ts";
import { getDeviceHistory } from "../tools/devices.ts";
import { continueUntil } from "../tools/history_rest.ts";
import { restNote } from "../tools/rest_note.ts";
import { toDeviceDetail } from "../tools/shapes.ts";
import type { XyteClient } from "../xyte/client.ts";
import { readListPage } from "../xyte/paginate.ts";
import { envelopeOf, parseWire, WireCommand, WireDevice, WireHistoryRow } from "../xyte/wire.ts";

const GET_DEVICE = "organization.devices.getDevice";
const GET_COMMANDS = "organization.commands.getCommands";
const GET_HISTORIES = "organization.devices.getHistories";

/** Devices announced by resources/list: the first page of the directory. */
export const LISTED_DEVICES = 100;
export const HISTORY_DAYS = 7;
const HISTORY_ROWS = 1000;
/** Commands a device_commands document holds: one upstream page, asked for by size, so page 2 follows on. */
export const LISTED_COMMANDS = 100;

export function deviceUri(deviceId: string): string {
  return `xyte://devices/${encodeURIComponent(deviceId)}`;
}

async function fetchDevice(xyte: XyteClient, deviceId: string, signal: AbortSignal): Promise<WireDevice> {
  const body = await xyte.call(GET_DEVICE, { path: { device_id: deviceId }, signal });
  return parseWire(WireDevice, body, GET_DEVICE);
}

export const deviceResource: TemplateResource = defineResourceTemplate({
  name: "device",
  uriTemplate: "xyte://devices/{device_id}",
  title: "Device",
  description: "One device: statuses, model, firmware, identifiers (sn, mac, cloud_id), space path, last " +
    "seen, details and reported state.",
  scope: "organization",
  variables: { device_id: "device_id" },
  async list(ctx) {
    const devices = await ctx.directories.get(ctx.xyte, "devices");
    return devices.slice(0, LISTED_DEVICES).map((d) => ({
      uri: deviceUri(d.id),
      name: d.label ?? d.id,
      description: d.description,
    }));
  },
  async read({ device_id }, ctx) {
    return toDeviceDetail(await fetchDevice(ctx.xyte, device_id, ctx.signal));
  },
});

export const deviceCommandsResource: TemplateResource = defineResourceTemplate({
  name: "device_commands",
  uriTemplate: "xyte://devices/{device_id}/commands",
  title: "Device commands",
  description: "Commands sent to one device (reboot, …), newest first, with status (pending, in_progress, " +
    `done, failed, canceled) and the device's last message. The newest ${LISTED_COMMANDS}.`,
  scope: "organization",
  variables: { device_id: "device_id" },
  async read({ device_id }, ctx) {
    const body = await ctx.xyte.call(GET_COMMANDS, {
      path: { device_id },
      query: { page: 1, per_page: LISTED_COMMANDS },
      signal: ctx.signal,
    });
    const page = readListPage(body, envelopeOf(body), GET_COMMANDS);
    const commands = page.rows.map((row) => parseWire(WireCommand, row, GET_COMMANDS));
    return {
      device_id,
      commands: commands.map((c) => ({
        id: c.id,
        name: c.name,
        friendly_name: c.friendly_name,
        status: c.status,
        message: c.message,
        created_at: c.created_at,
        updated_at: c.updated_at,
      })),
      has_more: page.hasNext,
      // A document has no next page: the tool that pages on is named, with the arguments that continue it.
      ...(page.hasNext
        ? {
          more: restNote("Older commands", [
            { tool: listCommands, args: { device_id, page: 2, per_page: LISTED_COMMANDS } },
          ], ctx),
        }
        : {}),
    };
  },
});

export const deviceHistoriesResource: TemplateResource = defineResourceTemplate({
  name: "device_histories",
  uriTemplate: "xyte://devices/{device_id}/histories",
  title: "Device state history",
  description: `State history of one device over the last ${HISTORY_DAYS} days, newest first: when it ` +
    "reported online, offline or error, with the state it reported then.",
  scope: "organization",
  // The window ends at the time of the read: unchanged rows are no change.
  clockFields: ["from", "to"],
  variables: { device_id: "device_id" },
  async read({ device_id }, ctx) {
    const to = Math.floor(Date.now() / 1000);
    const from = to - HISTORY_DAYS * 86_400;
    // The history endpoint answers an empty list for an unknown id; reading the device makes that a not_found.
    const [device, body] = await Promise.all([
      fetchDevice(ctx.xyte, device_id, ctx.signal),
      ctx.xyte.call(GET_HISTORIES, {
        query: { device_id, from, to, page: 1, per_page: HISTORY_ROWS },
        signal: ctx.signal,
      }),
    ]);
    const page = readListPage(body, "items", GET_HISTORIES);
    const answered = page.rows.map((row) => parseWire(WireHistoryRow, row, GET_HISTORIES));
    // From the rows as Xyte ordered them (a cut continues by time only when they came newest first), not from
    // the window's bounds: those move with the clock, and this note must not change at every poll.
    const until = page.hasNext ? continueUntil(answered.map((r) => r.created_at)) : undefined;
    const rows = answered.sort((a, b) => (b.created_at ?? "").localeCompare(a.created_at ?? ""));
    return {
      device_id,
      device_name: device.name,
      from: new Date(from * 1000).toISOString(),
      to: new Date(to * 1000).toISOString(),
      rows: rows.map((r) => ({ at: r.created_at, status: r.status, state: r.state })),
      has_more: page.hasNext,
      ...(page.hasNext
        ? {
          more: until === undefined
            ? restNote("More rows than these, with a shorter window (since, until)", [
              { tool: getDeviceHistory, args: { device_id } },
            ], ctx)
            : restNote(
              "Earlier rows",
              [{ tool: getDeviceHistory, args: { device_id, until, all: true } }],
              ctx,
            ),
        }
        : {}),
    };
  },
});
