/**
 * Partner API tools (partner key): devices of every customer organization plus the unclaimed pool, their
 * state history, and customers' support tickets (read, reply, resolve).
 */
import { z } from "zod";
import { defineTool, READ_ONLY, type Tool, WRITE, WRITE_IDEMPOTENT } from "../mcp/tool.ts";
import { readListPage } from "../xyte/paginate.ts";
import {
  envelopeOf,
  parseWire,
  readWirePage,
  WireHistoryRow,
  WirePartnerDevice,
  WireTicketDetail,
} from "../xyte/wire.ts";
import { EffectiveStatusFilter } from "./devices.ts";
import { containsText, ListArgs, ListMeta, listRows, moreNote } from "./listing.ts";
import {
  countPhrase,
  DEVICE_STATUSES,
  DeviceIdArg,
  HistoryArgs,
  HistoryList,
  historySummary,
  IdText,
  TicketDetail,
  toHistoryList,
  toTicketDetail,
  toTicketSummary,
} from "./shapes.ts";
import { replyLine, replyToTicket, TicketAction, ticketDetailLine, TicketReply } from "./tickets.ts";
import { isVersionBelow, VERSION_PATTERN } from "./versions.ts";
import { historyWindow } from "./window.ts";

const GET_DEVICES = "partner.devices.getDevices";
const GET_DEVICE = "partner.devices.getDeviceInfo";
const GET_HISTORY = "partner.devices.getStateHistory";
const GET_TICKETS = "partner.tickets.getTickets";
const GET_TICKET = "partner.tickets.getTicket";
const ADD_COMMENT = "partner.tickets.addComment";
const CLOSE_TICKET = "partner.tickets.closeTicket";

const nullableText = z.string().nullable();

const PartnerDeviceRow = z.object({
  id: z.string(),
  organization: nullableText.describe("Customer organization; null = unclaimed"),
  model: nullableText,
  sn: nullableText,
  mac: nullableText,
  cloud_id: nullableText,
  status: nullableText,
  effective_status: nullableText,
  last_seen_at: nullableText,
  firmware: nullableText,
});
type PartnerDeviceRow = z.infer<typeof PartnerDeviceRow>;

export function toPartnerDeviceRow(d: WirePartnerDevice): PartnerDeviceRow {
  return {
    id: d.id,
    organization: d.claimed,
    model: d.model?.name ?? null,
    sn: d.sn,
    mac: d.mac,
    cloud_id: d.cloud_id,
    status: d.status,
    effective_status: d.effective_status,
    last_seen_at: d.last_seen_at,
    firmware: d.firmware?.version ?? null,
  };
}

export interface PartnerDeviceFilter {
  effective_status?: readonly string[];
  status?: string;
  organization?: string;
  claimed?: boolean;
  model_contains?: string;
  firmware_below?: string;
}

/** Client-side filters of partner_list_devices (the partner device list takes none). */
export function partnerDeviceMatches(d: PartnerDeviceRow, f: PartnerDeviceFilter): boolean {
  return (f.effective_status === undefined || f.effective_status.includes(d.effective_status ?? "")) &&
    (f.status === undefined || d.status === f.status) &&
    (f.organization === undefined || containsText(d.organization, f.organization)) &&
    (f.claimed === undefined || (d.organization !== null) === f.claimed) &&
    (f.model_contains === undefined || containsText(d.model, f.model_contains)) &&
    (f.firmware_below === undefined || (d.firmware !== null && isVersionBelow(d.firmware, f.firmware_below)));
}

export const partnerListDevices = defineTool({
  name: "partner_list_devices",
  title: "Partner: list devices",
  description: "Devices across all customer organizations and the unclaimed pool (partner key). Filter by " +
    "customer, claimed, status, effective_status, model or firmware older than a version.",
  toolset: "partner",
  input: z.object({
    organization: z.string().min(1).optional().describe("Text in the customer organization's name"),
    claimed: z.boolean().optional(),
    status: z.enum(DEVICE_STATUSES).optional(),
    effective_status: EffectiveStatusFilter.optional(),
    model_contains: z.string().min(1).optional(),
    firmware_below: z.string().regex(VERSION_PATTERN, "a version such as 4.2.0").optional()
      .describe("Only devices on firmware older than this version, e.g. 4.2.0 (unknown firmware: left out)"),
    ...ListArgs,
  }).strict(),
  output: z.object({ devices: z.array(PartnerDeviceRow), ...ListMeta }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const filtered = args.organization !== undefined || args.claimed !== undefined ||
      args.status !== undefined || args.effective_status !== undefined || args.model_contains !== undefined ||
      args.firmware_below !== undefined;
    const { rows, meta } = await listRows({
      fetchPage: async (page, perPage, signal) => {
        const body = await ctx.xyte.call(GET_DEVICES, { query: { page, per_page: perPage }, signal });
        return readWirePage(body, "data", WirePartnerDevice, GET_DEVICES, toPartnerDeviceRow);
      },
      accept: filtered ? (d) => partnerDeviceMatches(d, args) : undefined,
      args,
      ctx,
    });
    return { devices: rows, ...meta };
  },
  summarize(r, args) {
    if (r.devices.length === 0) return "No devices match.";
    return `${r.returned} device(s)${moreNote(r, args)}. Effective status: ${
      countPhrase(r.devices.map((d) => d.effective_status))
    }.`;
  },
});

export const partnerGetDevice = defineTool({
  name: "partner_get_device",
  title: "Partner: get device",
  description: "One device by id as the partner sees it: customer, statuses, identifiers, details and state.",
  toolset: "partner",
  input: z.object({ device_id: DeviceIdArg.describe("Device id from partner_list_devices") }).strict(),
  output: PartnerDeviceRow.extend({
    cloud_id: nullableText,
    merged_effective_status: nullableText,
    details: z.record(z.string(), z.unknown()).nullable(),
    state: z.record(z.string(), z.unknown()).nullable(),
  }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const body = await ctx.xyte.call(GET_DEVICE, { path: { device_id: args.device_id }, signal: ctx.signal });
    // Documented as {data: [device]}; a bare device object is accepted too.
    const raw = envelopeOf(body) === "data" ? readListPage(body, "data", GET_DEVICE).rows[0] : body;
    const d = parseWire(WirePartnerDevice, raw, GET_DEVICE);
    return {
      ...toPartnerDeviceRow(d),
      cloud_id: d.cloud_id,
      merged_effective_status: d.merged_effective_status,
      details: d.details,
      state: d.state,
    };
  },
  summarize: (d) =>
    `Device ${d.id} (${d.model ?? "unknown model"}, sn ${d.sn ?? "?"}) of ${
      d.organization ?? "no customer"
    } ` +
    `is ${d.effective_status ?? "unknown"}, last seen ${d.last_seen_at ?? "never"}.`,
});

export const partnerDeviceHistory = defineTool({
  name: "partner_device_history",
  title: "Partner: device state history",
  description: "Status history of one device (partner key), window at most 31 days, default the last 7.",
  toolset: "partner",
  input: z.object({
    device_id: DeviceIdArg.describe("Device id from partner_list_devices"),
    ...HistoryArgs,
    ...ListArgs,
  }).strict(),
  output: HistoryList,
  annotations: READ_ONLY,
  async run(args, ctx) {
    const window = historyWindow(args.since, args.until);
    const { rows, meta } = await listRows({
      fetchPage: async (page, perPage, signal) => {
        const body = await ctx.xyte.call(GET_HISTORY, {
          path: { device_id: args.device_id },
          query: { from: window.from, to: window.to, page, per_page: perPage },
          signal,
        });
        return readWirePage(body, envelopeOf(body), WireHistoryRow, GET_HISTORY);
      },
      args,
      ctx,
    });
    return toHistoryList(rows, window, meta, { withState: args.verbose, oneDevice: true, all: args.all });
  },
  summarize: (r, args) => historySummary(r, args, ""),
});

const PartnerTicketRow = z.object({
  id: z.string(),
  organization: nullableText,
  title: nullableText,
  status: nullableText,
  device_id: nullableText,
  created_at: nullableText,
  opened_by: nullableText,
});
type PartnerTicketRow = z.infer<typeof PartnerTicketRow>;

function toPartnerTicketRow(t: WireTicketDetail): PartnerTicketRow {
  const s = toTicketSummary(t);
  return {
    id: s.id,
    organization: t.organization?.name ?? null,
    title: s.title,
    status: s.status,
    device_id: s.device_id,
    created_at: s.created_at,
    opened_by: s.opened_by,
  };
}

export const partnerListTickets = defineTool({
  name: "partner_list_tickets",
  title: "Partner: list tickets",
  description:
    "Support tickets of all customer organizations (partner key), newest first. Default: open ones.",
  toolset: "partner",
  input: z.object({
    status: z.enum(["open", "resolved", "any"]).default("open"),
    organization: z.string().min(1).optional().describe("Text in the customer organization's name"),
    text: z.string().min(1).optional().describe("Text in the title or description"),
    device_id: IdText.optional().describe("Only tickets about this device"),
    ...ListArgs,
  }).strict(),
  output: z.object({ tickets: z.array(PartnerTicketRow), ...ListMeta }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const status = args.status === "any" ? undefined : args.status;
    const filtered = status !== undefined || args.organization !== undefined || args.text !== undefined ||
      args.device_id !== undefined;
    const { rows, meta } = await listRows({
      fetchPage: async (page, perPage, signal) => {
        const body = await ctx.xyte.call(GET_TICKETS, { query: { status, page, per_page: perPage }, signal });
        return readWirePage(body, envelopeOf(body), WireTicketDetail, GET_TICKETS);
      },
      // The status filter is applied here too: the reference lists no query parameters for this endpoint.
      accept: filtered
        ? (t) =>
          (status === undefined || t.status === status) &&
          (args.organization === undefined || containsText(t.organization?.name, args.organization)) &&
          (args.device_id === undefined || t.device_id === args.device_id) &&
          (args.text === undefined || containsText(t.title, args.text) ||
            containsText(t.description, args.text))
        : undefined,
      args,
      ctx,
    });
    return { tickets: rows.map(toPartnerTicketRow), ...meta };
  },
  summarize(r, args) {
    if (r.tickets.length === 0) return "No tickets match.";
    const orgs = new Set(r.tickets.map((t) => t.organization)).size;
    return `${r.returned} ticket(s) from ${orgs} organization(s)${moreNote(r, args)}.`;
  },
});

export const partnerGetTicket = defineTool({
  name: "partner_get_ticket",
  title: "Partner: get ticket",
  description: "One customer ticket with its organization, description and message thread (partner key).",
  toolset: "partner",
  input: z.object({ ticket_id: IdText }).strict(),
  output: TicketDetail,
  annotations: READ_ONLY,
  async run(args, ctx) {
    const body = await ctx.xyte.call(GET_TICKET, { path: { ticket_id: args.ticket_id }, signal: ctx.signal });
    return toTicketDetail(parseWire(WireTicketDetail, body, GET_TICKET));
  },
  summarize: (t) => `${ticketDetailLine(t)}${t.organization ? ` Organization: ${t.organization}.` : ""}`,
});

export const partnerReplyTicket = defineTool({
  name: "partner_reply_ticket",
  title: "Partner: reply to ticket",
  description: "Post a message to a customer ticket's thread as the partner.",
  toolset: "partner",
  input: z.object({ ticket_id: IdText, message: z.string().trim().min(1) })
    .strict(),
  output: TicketReply,
  annotations: WRITE,
  run: (args, ctx) => replyToTicket(args, ctx, { send: ADD_COMMENT, read: GET_TICKET, from: "partner" }),
  summarize: replyLine,
});

export const partnerResolveTicket = defineTool({
  name: "partner_resolve_ticket",
  title: "Partner: resolve ticket",
  description: "Mark a customer ticket resolved (partner key).",
  toolset: "partner",
  input: z.object({ ticket_id: IdText }).strict(),
  output: TicketAction,
  annotations: WRITE_IDEMPOTENT,
  async run(args, ctx) {
    await ctx.xyte.call(CLOSE_TICKET, { path: { ticket_id: args.ticket_id }, signal: ctx.signal });
    return { id: args.ticket_id, status: "resolved" };
  },
  summarize: (r) => `Ticket ${r.id} resolved.`,
});

export const PARTNER_TOOLS: readonly Tool[] = [
  partnerListDevices,
  partnerGetDevice,
  partnerDeviceHistory,
  partnerListTickets,
  partnerGetTicket,
  partnerReplyTicket,
  partnerResolveTicket,
];
