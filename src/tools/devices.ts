/**
 * Device tools: find devices with operator filters, read one device and its state history, change it
 * (rename, move, maintenance), claim and remove devices, and keep notes on them.
 */
import { z } from "zod";
import { ToolFailure } from "../mcp/results.ts";
import {
  defineTool,
  DESTRUCTIVE,
  READ_ONLY,
  type Tool,
  type ToolContext,
  WRITE,
  WRITE_IDEMPOTENT,
} from "../mcp/tool.ts";
import { type ListPage, readListPage } from "../xyte/paginate.ts";
import { envelopeOf, parseWire, readWirePage, WireDevice, WireHistoryRow, WireNote } from "../xyte/wire.ts";
import { containsText, ListArgs, ListMeta, listRows, moreNote } from "./listing.ts";
import {
  ConfirmArg,
  countPhrase,
  Deleted,
  DEVICE_EXTRA_FIELDS,
  DEVICE_STATUSES,
  DeviceDetail,
  DeviceIdArg,
  DeviceRow,
  EFFECTIVE_STATUSES,
  HistoryArgs,
  HistoryList,
  historySummary,
  IdText,
  namedTarget,
  numericId,
  toDeviceDetail,
  toDeviceRow,
  toDeviceSummary,
  toHistoryList,
} from "./shapes.ts";
import { resolveSpace, SpaceRef } from "./space_ref.ts";
import { isoTime } from "./time.ts";
import { historyWindow } from "./window.ts";

const GET_DEVICES = "organization.devices.getDevices";
const GET_DEVICE = "organization.devices.getDevice";
const GET_DEVICE_NOTES = "organization.notes.getDeviceNotes";

/** One effective status or a list of them; a single value is taken as a one-item list. */
export const EffectiveStatusFilter = z.preprocess(
  (v) => (typeof v === "string" ? [v] : v),
  z.array(z.enum(EFFECTIVE_STATUSES)).min(1),
).describe('Computed health: any of these, e.g. ["offline","disconnected"]');

const ListDevicesInput = z.object({
  space: SpaceRef.optional(),
  status: z.enum(DEVICE_STATUSES).optional().describe("Self-reported status"),
  effective_status: EffectiveStatusFilter.optional(),
  name_contains: z.string().min(1).optional().describe("Case-insensitive part of the device name"),
  model_contains: z.string().min(1).optional().describe("Case-insensitive part of the model name"),
  identifier: z.string().trim().min(1).optional().describe(
    "Serial number, MAC address or cloud id, whole (any case; MAC with or without separators)",
  ),
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
  return readWirePage(body, "items", WireDevice, GET_DEVICES);
}

/**
 * Whether a device is the one `identifier` names: its serial number, MAC address or cloud id, whole. Case
 * does not matter, nor how a MAC is written (aa:bb:…, AA-BB-…, aabb…).
 */
function identifiedBy(identifier: string): (d: WireDevice) => boolean {
  const wanted = identifier.toLowerCase();
  const wantedMac = macDigits(identifier);
  return (d) =>
    d.sn?.toLowerCase() === wanted || d.cloud_id?.toLowerCase() === wanted ||
    (wantedMac !== undefined && macDigits(d.mac) === wantedMac);
}

/** A MAC address as its 12 hex digits, lower case; undefined when it is not one. */
function macDigits(value: string | null | undefined): string | undefined {
  const digits = value?.toLowerCase().replace(/[:.\-\s]/g, "");
  return digits !== undefined && /^[0-9a-f]{12}$/.test(digits) ? digits : undefined;
}

export const listDevices = defineTool({
  name: "list_devices",
  title: "List devices",
  description:
    "Find devices by space (id or name, with sub-spaces), status, effective_status, name or model text, " +
    "serial/MAC/cloud id, or not seen since a time. Compact rows; fields/verbose add identifiers and state; all=true reads every page.",
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
    if (args.identifier) filters.push(identifiedBy(args.identifier));
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

const NoteRow = z.object({
  id: z.string(),
  content: z.string().nullable(),
  author: z.string().nullable(),
  created_at: z.string().nullable(),
});
type NoteRow = z.infer<typeof NoteRow>;

function toNoteRow(n: WireNote): NoteRow {
  return { id: n.id, content: n.content, author: n.author, created_at: n.created_at };
}

/** The most notes get_device adds (one upstream page). */
export const MAX_DEVICE_NOTES = 100;

export const getDevice = defineTool({
  name: "get_device",
  title: "Get device",
  description:
    "One device by id: statuses, model, firmware, identifiers (sn, mac, cloud_id), space path, last " +
    "seen, details and reported state; notes=true adds operators' notes. diagnose_device gives a full picture.",
  toolset: "devices",
  input: z.object({
    device_id: IdText.describe("Device id (uuid) from list_devices"),
    notes: z.boolean().default(false).describe("Add the device's notes"),
  }).strict(),
  output: DeviceDetail.extend({ notes: z.array(NoteRow).optional() }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const path = { device_id: args.device_id };
    const [body, notes] = await Promise.all([
      ctx.xyte.call(GET_DEVICE, { path, signal: ctx.signal }),
      args.notes
        ? ctx.xyte.call(GET_DEVICE_NOTES, { path, query: { per_page: MAX_DEVICE_NOTES }, signal: ctx.signal })
        : undefined,
    ]);
    const device = toDeviceDetail(parseWire(WireDevice, body, GET_DEVICE));
    if (notes === undefined) return device;
    const rows = readListPage(notes, envelopeOf(notes), GET_DEVICE_NOTES).rows;
    return { ...device, notes: rows.map((row) => toNoteRow(parseWire(WireNote, row, GET_DEVICE_NOTES))) };
  },
  summarize(d) {
    const seen = d.last_seen_at ? `last seen ${d.last_seen_at}` : "never seen";
    const notes = d.notes ? `; ${d.notes.length} note(s)` : "";
    return `${d.name ?? d.id} (${d.model ?? "unknown model"}) is ${d.effective_status ?? "unknown"} ` +
      `(reports ${d.status ?? "nothing"}), ${seen}, in ${d.space_path ?? "no space"}${notes}.`;
  },
});

const GET_HISTORIES = "organization.devices.getHistories";
const UPDATE_DEVICE = "organization.devices.updateDevice";
const MOVE_DEVICE = "organization.devices.moveDevice";
const SUSPEND_INCIDENTS = "organization.devices.suspendIncidents";
const RESUME_INCIDENTS = "organization.devices.resumeIncidents";
const CLAIM_DEVICE = "organization.devices.claimDevice";
const DELETE_DEVICE = "organization.devices.deleteDevice";
const CREATE_DEVICE_NOTE = "organization.notes.createDeviceNote";

/** Status filter of getHistories: the device's current status, not the row's. */
export const HISTORY_STATUSES = ["online", "offline", "unavailable", "error"] as const;

export const getDeviceHistory = defineTool({
  name: "get_device_history",
  title: "Device state history",
  description: "Status history (online/offline/error rows) of a device, space or fleet; window at most " +
    "31 days, default the last 7.",
  toolset: "devices",
  input: z.object({
    device_id: DeviceIdArg.optional(),
    space: SpaceRef.optional(),
    status: z.enum(HISTORY_STATUSES).optional().describe("Devices whose current status is this"),
    ...HistoryArgs,
    ...ListArgs,
  }).strict(),
  output: HistoryList,
  annotations: READ_ONLY,
  async run(args, ctx) {
    const window = historyWindow(args.since, args.until);
    const space = args.space === undefined ? undefined : await resolveSpace(args.space, ctx);
    const query = {
      from: window.from,
      to: window.to,
      status: args.status,
      device_id: args.device_id,
      space_id: space?.id,
    };
    const { rows, meta } = await listRows({
      fetchPage: async (page, perPage, signal) => {
        const body = await ctx.xyte.call(GET_HISTORIES, {
          query: { ...query, page, per_page: perPage },
          signal,
        });
        return readWirePage(body, "items", WireHistoryRow, GET_HISTORIES);
      },
      args,
      ctx,
    });
    return toHistoryList(rows, window, meta, {
      withState: args.verbose,
      oneDevice: args.device_id !== undefined,
      all: args.all,
    });
  },
  summarize: (result, args) => historySummary(result, args, "device_id, space or status"),
});

/** What a device write answers: enough to confirm the change. */
const DeviceBrief = z.object({
  id: z.string(),
  name: z.string().nullable(),
  model: z.string().nullable(),
  effective_status: z.string().nullable(),
  space_path: z.string().nullable(),
});

function toDeviceBrief(d: WireDevice): z.infer<typeof DeviceBrief> {
  const s = toDeviceSummary(d);
  return {
    id: s.id,
    name: s.name,
    model: s.model,
    effective_status: s.effective_status,
    space_path: s.space_path,
  };
}

export const updateDevice = defineTool({
  name: "update_device",
  title: "Update device",
  description: "Rename a device, move it to a space (id or name), or suspend/resume its incidents " +
    "(maintenance).",
  toolset: "devices",
  input: z.object({
    device_id: DeviceIdArg,
    name: z.string().trim().min(1).optional(),
    space: SpaceRef.optional().describe("Move to this space (id, name or path)"),
    incidents_suspended: z.boolean().optional().describe("true: no new incidents; false: resume"),
  }).strict(),
  output: DeviceBrief.extend({ changed: z.array(z.string()) }),
  annotations: WRITE_IDEMPOTENT,
  async run(args, ctx) {
    if (args.name === undefined && args.space === undefined && args.incidents_suspended === undefined) {
      throw new ToolFailure({
        code: "invalid_arguments",
        message: "nothing to change",
        hint: "Pass name, space or incidents_suspended.",
        retriable: false,
      });
    }
    // Resolve the target space before any write, so a bad name changes nothing.
    const space = args.space === undefined ? undefined : await resolveSpace(args.space, ctx);
    const path = { device_id: args.device_id };
    const signal = ctx.signal;
    const changed: string[] = [];
    const step = async (what: string, send: () => Promise<unknown>) => {
      try {
        await send();
      } catch (error) {
        if (changed.length === 0) throw error;
        throw partialFailure(changed, what, error);
      }
      changed.push(what);
    };
    // What the device is now (read afresh, not from the cache): a move to where it already is, or its own
    // name, is no change, is not sent, and is not reported as one.
    const current = parseWire(
      WireDevice,
      await ctx.xyte.forCall({ cachedReads: false }).call(GET_DEVICE, { path, signal }),
      GET_DEVICE,
    );
    // The move goes first: an unknown space id then fails before anything changed.
    if (space && String(current.space?.id ?? "") !== space.id) {
      const body = { space_id: numericId(space.id) };
      await step("space", () => ctx.xyte.call(MOVE_DEVICE, { path, body, signal }));
    }
    if (args.name !== undefined && args.name !== current.name) {
      await step("name", () => ctx.xyte.call(UPDATE_DEVICE, { path, body: { name: args.name }, signal }));
    }
    if (args.incidents_suspended !== undefined) {
      const key = args.incidents_suspended ? SUSPEND_INCIDENTS : RESUME_INCIDENTS;
      await step("incidents_suspended", () => ctx.xyte.call(key, { path, signal }));
    }
    // Nothing sent: the device as just read is the answer.
    const after = changed.length === 0
      ? current
      : parseWire(WireDevice, await ctx.xyte.call(GET_DEVICE, { path, signal }), GET_DEVICE);
    return { ...toDeviceBrief(after), changed };
  },
  summarize(d, args) {
    const parts = [];
    if (d.changed.includes("space")) parts.push(`moved to ${d.space_path}`);
    if (d.changed.includes("name")) parts.push(`renamed to ${d.name}`);
    if (d.changed.includes("incidents_suspended")) {
      parts.push(args.incidents_suspended ? "incidents suspended" : "incidents resumed");
    }
    return parts.length === 0
      ? `Device ${d.id}: already as asked (${d.name ?? d.id} in ${
        d.space_path ?? "no space"
      }); nothing was sent.`
      : `Device ${d.id}: ${parts.join("; ")}.`;
  },
});

/** A multi-step write that failed after some steps took effect: say exactly what changed. */
export function partialFailure(changed: readonly string[], failed: string, error: unknown): ToolFailure {
  const cause = error instanceof Error ? error.message : String(error);
  return new ToolFailure({
    code: "partial_update",
    message: `${changed.join(", ")} changed, but changing ${failed} failed: ${cause}`,
    hint: `Check the current state, then retry only ${failed}.`,
    retriable: false,
  });
}

export const claimDevice = defineTool({
  name: "claim_device",
  title: "Claim device",
  description: "Claim a registered device into a space, by cloud_id or by sn and mac.",
  toolset: "devices",
  input: z.object({
    space: SpaceRef.describe("Space id, name or path"),
    cloud_id: IdText.optional(),
    sn: z.string().min(1).optional(),
    mac: z.string().min(1).optional(),
    name: z.string().trim().min(1).optional(),
  }).strict(),
  output: DeviceBrief,
  annotations: WRITE,
  async run(args, ctx) {
    if (!args.cloud_id && !(args.sn && args.mac)) {
      throw new ToolFailure({
        code: "invalid_arguments",
        message: "claim_device needs cloud_id, or both sn and mac",
        hint: "Pass the device's cloud_id, or its serial number and MAC address.",
        retriable: false,
      });
    }
    const space = await resolveSpace(args.space, ctx);
    const body = await ctx.xyte.call(CLAIM_DEVICE, {
      body: {
        space_id: numericId(space.id),
        name: args.name,
        cloud_id: args.cloud_id,
        sn: args.sn,
        mac: args.mac,
      },
      signal: ctx.signal,
    });
    return toDeviceBrief(parseWire(WireDevice, body, CLAIM_DEVICE));
  },
  summarize: (d) => `Claimed ${d.name ?? d.id} (${d.model ?? "unknown model"}) into ${d.space_path ?? "?"}.`,
});

export const deleteDevice = defineTool({
  name: "delete_device",
  title: "Delete device",
  description: "Remove a device from the organization (it returns to the unclaimed pool).",
  toolset: "devices",
  input: z.object({ device_id: DeviceIdArg, confirm: ConfirmArg }).strict(),
  output: Deleted,
  annotations: DESTRUCTIVE,
  confirmation: (args) => ({
    accepts: [args.device_id],
    message: `Remove device ${args.device_id} from the organization?`,
    describe: async (xyte, signal) => {
      const body = await xyte.call(GET_DEVICE, { path: { device_id: args.device_id }, signal });
      const device = parseWire(WireDevice, body, GET_DEVICE);
      return `Remove device ${
        namedTarget(device.name, device.id, device.space?.full_path)
      } from the organization?`;
    },
  }),
  async run(args, ctx) {
    await ctx.xyte.call(DELETE_DEVICE, { path: { device_id: args.device_id }, signal: ctx.signal });
    return { id: args.device_id, deleted: true as const };
  },
  summarize: (r) => `Device ${r.id} removed from the organization.`,
});

export const addDeviceNote = defineTool({
  name: "add_device_note",
  title: "Add device note",
  description: "Add a note to a device for other operators (read them with get_device notes=true).",
  toolset: "devices",
  input: z.object({ device_id: DeviceIdArg, content: z.string().trim().min(1) }).strict(),
  output: NoteRow,
  annotations: WRITE,
  async run(args, ctx) {
    const body = await ctx.xyte.call(CREATE_DEVICE_NOTE, {
      path: { device_id: args.device_id },
      body: { content: args.content },
      signal: ctx.signal,
    });
    return toNoteRow(parseWire(WireNote, body, CREATE_DEVICE_NOTE));
  },
  summarize: (n, args) => `Note ${n.id} added to device ${args.device_id}.`,
});

export const DEVICE_TOOLS: readonly Tool[] = [
  listDevices,
  getDevice,
  getDeviceHistory,
  updateDevice,
  claimDevice,
  deleteDevice,
  addDeviceNote,
];
