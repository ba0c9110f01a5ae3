/** Device tools: find devices with operator filters, read one device. */
import { z } from "zod";
import { defineTool, READ_ONLY } from "../mcp/tool.ts";
import { readListPage } from "../xyte/paginate.ts";
import { parseWire, WireDevice } from "../xyte/wire.ts";
import { containsText, MAX_UPSTREAM_PER_PAGE, pageOfMatches } from "./paging.ts";
import {
  countPhrase,
  DEVICE_STATUSES,
  DeviceDetail,
  DeviceSummary,
  EFFECTIVE_STATUSES,
  PageInfo,
  toDeviceDetail,
  toDeviceSummary,
} from "./shapes.ts";

const GET_DEVICES = "organization.devices.getDevices";
const GET_DEVICE = "organization.devices.getDevice";

const spaceId = z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).transform(String);

const ListDevicesInput = z.object({
  space_id: spaceId.optional().describe("Only devices in this space (and its sub-spaces)"),
  status: z.enum(DEVICE_STATUSES).optional().describe("Self-reported status"),
  effective_status: z.union([z.enum(EFFECTIVE_STATUSES), z.array(z.enum(EFFECTIVE_STATUSES)).min(1)])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .optional()
    .describe('Computed health, one value or a list, e.g. ["offline","disconnected"]'),
  name_contains: z.string().min(1).optional().describe("Case-insensitive part of the device name"),
  model_contains: z.string().min(1).optional().describe("Case-insensitive part of the model name"),
  page: z.number().int().min(1).default(1),
  per_page: z.number().int().min(1).max(MAX_UPSTREAM_PER_PAGE).default(25),
}).strict();

const ListDevicesOutput = z.object({ devices: z.array(DeviceSummary), ...PageInfo });

export const listDevices = defineTool({
  name: "list_devices",
  title: "List devices",
  description:
    "Find devices of the organization, one page at a time. Filter by space (includes sub-spaces), " +
    "status, effective_status (ok, offline, error, warning, disconnected, never_seen), or part of the name or " +
    "model. Returns compact rows (id, name, statuses, model, space path, last seen); use get_device for one device.",
  toolset: "devices",
  input: ListDevicesInput,
  output: ListDevicesOutput,
  annotations: READ_ONLY,
  async run(args, ctx) {
    const filters: ((d: WireDevice) => boolean)[] = [];
    if (args.status) filters.push((d) => d.status === args.status);
    if (args.effective_status) {
      const wanted = new Set<string | null>(args.effective_status);
      filters.push((d) => wanted.has(d.effective_status));
    }
    if (args.name_contains) filters.push((d) => containsText(d.name, args.name_contains!));
    if (args.model_contains) filters.push((d) => containsText(d.model?.name, args.model_contains!));
    const { rows, hasNext } = await pageOfMatches({
      fetchPage: async (page, perPage) => {
        const body = await ctx.xyte.call(GET_DEVICES, {
          query: { page, per_page: perPage, space_id: args.space_id },
          signal: ctx.signal,
        });
        const list = readListPage(body, "items", GET_DEVICES);
        return { ...list, rows: list.rows.map((row) => parseWire(WireDevice, row, GET_DEVICES)) };
      },
      accept: filters.length > 0 ? (d) => filters.every((f) => f(d)) : undefined,
      page: args.page,
      perPage: args.per_page,
      ctx,
    });
    return {
      devices: rows.map(toDeviceSummary),
      page: args.page,
      per_page: args.per_page,
      has_next_page: hasNext,
    };
  },
  summarize(result) {
    if (result.devices.length === 0) return `No devices match (page ${result.page}).`;
    const more = result.has_next_page ? `; more on page ${result.page + 1}` : "";
    return `${result.devices.length} device(s) on page ${result.page}${more}. Effective status: ${
      countPhrase(result.devices.map((d) => d.effective_status))
    }.`;
  },
});

export const getDevice = defineTool({
  name: "get_device",
  title: "Get device",
  description:
    "One device by id: statuses, model, firmware, identifiers (sn, mac, cloud_id), space path, last " +
    "seen, details and reported state. Use list_devices to find ids.",
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
