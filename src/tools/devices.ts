/** Device tools: find devices with operator filters, read one device. */
import { z } from "zod";
import { defineTool, READ_ONLY, type Tool, type ToolContext } from "../mcp/tool.ts";
import { type ListPage, readListPage } from "../xyte/paginate.ts";
import { parseWire, WireDevice } from "../xyte/wire.ts";
import { containsText, ListArgs, ListMeta, listRows, moreNote } from "./listing.ts";
import {
  countPhrase,
  DEVICE_EXTRA_FIELDS,
  DEVICE_STATUSES,
  DeviceDetail,
  DeviceRow,
  EFFECTIVE_STATUSES,
  toDeviceDetail,
  toDeviceRow,
} from "./shapes.ts";
import { resolveSpace, SpaceRef } from "./space_ref.ts";
import { isoTime } from "./time.ts";

const GET_DEVICES = "organization.devices.getDevices";
const GET_DEVICE = "organization.devices.getDevice";

export const EffectiveStatusFilter = z.union([
  z.enum(EFFECTIVE_STATUSES),
  z.array(z.enum(EFFECTIVE_STATUSES)).min(1),
])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .describe('Computed health, one value or a list, e.g. ["offline","disconnected"]');

const ListDevicesInput = z.object({
  space: SpaceRef.optional(),
  status: z.enum(DEVICE_STATUSES).optional().describe("Self-reported status"),
  effective_status: EffectiveStatusFilter.optional(),
  name_contains: z.string().min(1).optional().describe("Case-insensitive part of the device name"),
  model_contains: z.string().min(1).optional().describe("Case-insensitive part of the model name"),
  last_seen_before: isoTime.optional().describe("Only devices not seen since this ISO-8601 time (or never)"),
  fields: z.array(z.enum(DEVICE_EXTRA_FIELDS)).optional().describe("Extra fields to add to each row"),
  verbose: z.boolean().default(false).describe("Add every extra field (more tokens)"),
  ...ListArgs,
}).strict();

/** Fetches one page of organization devices (optionally of one space subtree), parsed. */
export async function fetchDevicePage(
  ctx: Pick<ToolContext, "xyte">,
  page: number,
  perPage: number,
  spaceId: string | undefined,
  signal?: AbortSignal,
): Promise<ListPage<WireDevice>> {
  const body = await ctx.xyte.call(GET_DEVICES, {
    query: { page, per_page: perPage, space_id: spaceId },
    signal,
  });
  const list = readListPage(body, "items", GET_DEVICES);
  return { ...list, rows: list.rows.map((row) => parseWire(WireDevice, row, GET_DEVICES)) };
}

export const listDevices = defineTool({
  name: "list_devices",
  title: "List devices",
  description: "Find devices: filter by space (id or name, includes sub-spaces), status, effective_status " +
    "(ok, offline, error, warning, disconnected, never_seen), name or model text, or not seen since a time. " +
    "Compact rows by default; add fields or verbose for identifiers and state. all=true fetches every page.",
  toolset: "devices",
  input: ListDevicesInput,
  output: z.object({
    devices: z.array(DeviceRow),
    space_path: z.string().nullable().optional(),
    ...ListMeta,
  }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const space = args.space === undefined ? undefined : await resolveSpace(args.space, ctx);
    const filters: ((d: WireDevice) => boolean)[] = [];
    if (args.status) filters.push((d) => d.status === args.status);
    if (args.effective_status) {
      const wanted = new Set<string | null>(args.effective_status);
      filters.push((d) => wanted.has(d.effective_status));
    }
    if (args.name_contains) filters.push((d) => containsText(d.name, args.name_contains!));
    if (args.model_contains) filters.push((d) => containsText(d.model?.name, args.model_contains!));
    if (args.last_seen_before !== undefined) {
      const before = args.last_seen_before * 1000;
      filters.push((d) => d.last_seen_at === null || Date.parse(d.last_seen_at) < before);
    }
    const { rows, meta } = await listRows({
      fetchPage: (page, perPage, signal) => fetchDevicePage(ctx, page, perPage, space?.id, signal),
      accept: filters.length > 0 ? (d) => filters.every((f) => f(d)) : undefined,
      args,
      ctx,
    });
    const extras = args.verbose ? DEVICE_EXTRA_FIELDS : args.fields ?? [];
    return {
      devices: rows.map((d) => toDeviceRow(d, extras)),
      ...(space?.path ? { space_path: space.path } : {}),
      ...meta,
    };
  },
  summarize(result, args) {
    const where = result.space_path ? ` in ${result.space_path}` : "";
    if (result.devices.length === 0) return `No devices match${where}.`;
    return `${result.returned} device(s)${where}${moreNote(result, args)}. Effective status: ${
      countPhrase(result.devices.map((d) => d.effective_status))
    }.`;
  },
});

export const getDevice = defineTool({
  name: "get_device",
  title: "Get device",
  description:
    "One device by id: statuses, model, firmware, identifiers (sn, mac, cloud_id), space path, last " +
    "seen, details and reported state. Use list_devices to find ids; diagnose_device for a full picture.",
  toolset: "devices",
  input: z.object({ device_id: z.string().min(1).describe("Device id (uuid) from list_devices") }).strict(),
  output: DeviceDetail,
  annotations: READ_ONLY,
  async run(args, ctx) {
    const body = await ctx.xyte.call(GET_DEVICE, { path: { device_id: args.device_id }, signal: ctx.signal });
    return toDeviceDetail(parseWire(WireDevice, body, GET_DEVICE));
  },
  summarize(d) {
    const seen = d.last_seen_at ? `last seen ${d.last_seen_at}` : "never seen";
    return `${d.name ?? d.id} (${d.model ?? "unknown model"}) is ${d.effective_status ?? "unknown"} ` +
      `(reports ${d.status ?? "nothing"}), ${seen}, in ${d.space_path ?? "no space"}.`;
  },
});

export const DEVICE_TOOLS: readonly Tool[] = [listDevices, getDevice];
