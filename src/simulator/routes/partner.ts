/**
 * Partner API: the partner sees the devices of every organization (plus its unclaimed pool) and every
 * organization's tickets. Lists use `{data, page_info: {has_next, total_count}}`.
 */
import { type LocatedDevice, partnerRoute, type RequestContext, type RouteDefinition } from "../context.ts";
import { deleteDeviceEverywhere } from "../device_ops.ts";
import { partnerList } from "../envelopes.ts";
import { DEFAULT_HISTORY_WINDOW_MS, MAX_HISTORY_WINDOW_MS } from "../history.ts";
import { jsonResponse, notFound, success, unprocessable } from "../http.ts";
import { allDevices, locateDevice } from "../lookup.ts";
import { createEmptyOrganization } from "../seed.ts";
import type { SimHistoryRow, SimOrganization, SimTicket } from "../types.ts";
import { bodyObject, optionalString, queryEnum, queryInteger, requireString } from "../validate.ts";
import {
  commandView,
  configView,
  historyRowView,
  type MergeRollups,
  mergeRollups,
  partnerDeviceView,
  telemetryView,
  ticketView,
} from "../views.ts";
import { addTicketMessage, applyTicketUpdate, resolveTicket } from "./organization_support.ts";

const PARTNER = "/core/v1/partner";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function requireDevice(ctx: RequestContext): LocatedDevice {
  const located = locateDevice(ctx.state, ctx.params.device_id);
  if (!located) throw notFound("Device");
  return located;
}

function getDevices(ctx: RequestContext): Response {
  const rollups = new Map<SimOrganization | null, MergeRollups>();
  const rollupsOf = (org: SimOrganization | null): MergeRollups => {
    let r = rollups.get(org);
    if (!r) rollups.set(org, r = org ? mergeRollups(org.devices) : new Map());
    return r;
  };
  return partnerList(
    ctx.query,
    allDevices(ctx.state),
    ({ device, org }) => partnerDeviceView(device, org, ctx.runtime, rollupsOf(org)),
  );
}

function getDeviceInfo(ctx: RequestContext): Response {
  const { device, org } = requireDevice(ctx);
  return jsonResponse({ data: [partnerDeviceView(device, org, ctx.runtime)] });
}

function deleteDevice(ctx: RequestContext): Response {
  const { device, org } = requireDevice(ctx);
  deleteDeviceEverywhere(ctx.state, org, device);
  return success();
}

function getCommands(ctx: RequestContext): Response {
  const { device } = requireDevice(ctx);
  return partnerList(ctx.query, [...device.commands].reverse(), commandView);
}

function getConfiguration(ctx: RequestContext): Response {
  return jsonResponse(configView(requireDevice(ctx).device));
}

/** from/to epoch seconds (default the last 7 days, window <= 31 days), newest first, per_page <= 1000. */
function historyWindow(ctx: RequestContext): { fromMs: number; toMs: number } {
  const nowMs = ctx.runtime.nowMs();
  const from = queryInteger(ctx.query, "from");
  const to = queryInteger(ctx.query, "to");
  const toMs = to !== undefined ? to * 1000 : Math.max(nowMs, (from ?? 0) * 1000);
  const fromMs = from !== undefined ? from * 1000 : toMs - DEFAULT_HISTORY_WINDOW_MS;
  if (fromMs > toMs) throw unprocessable("from must be before to");
  if (toMs - fromMs > MAX_HISTORY_WINDOW_MS) throw unprocessable("from/to window must not exceed 31 days");
  return { fromMs, toMs };
}

function historyList(ctx: RequestContext, orgs: SimOrganization[], deviceIds: Set<string> | null): Response {
  const { fromMs, toMs } = historyWindow(ctx);
  const rows: SimHistoryRow[] = [];
  for (const org of orgs) {
    for (const row of org.history) {
      if (
        row.createdAtMs >= fromMs && row.createdAtMs <= toMs &&
        (deviceIds === null || deviceIds.has(row.deviceId))
      ) {
        rows.push(row);
      }
    }
  }
  if (orgs.length > 1) rows.sort((a, b) => b.createdAtMs - a.createdAtMs);
  return partnerList(ctx.query, rows, (r) => historyRowView(r, ctx.state.partner), { maxPerPage: 1000 });
}

function getStateHistory(ctx: RequestContext): Response {
  const { device, org } = requireDevice(ctx);
  return historyList(ctx, org ? [org] : [], new Set([device.id]));
}

function getStateHistoryMultiDevices(ctx: RequestContext): Response {
  const raw = [
    ...ctx.query.getAll("device_ids"),
    ...ctx.query.getAll("device_ids[]"),
    ...ctx.query.getAll("device_id"),
  ]
    .flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  const ids = raw.length > 0 ? new Set(raw) : null;
  const orgs = ids === null
    ? ctx.state.organizations
    : ctx.state.organizations.filter((o) => o.devices.some((d) => ids.has(d.id)));
  return historyList(ctx, orgs, ids);
}

function getTelemetries(ctx: RequestContext): Response {
  const { device } = requireDevice(ctx);
  const records = [...device.telemetries].reverse();
  if (records.length === 0 && device.lastSeenAtMs !== null) {
    // Seeded devices keep no telemetry log; their last report is the current state.
    records.push({
      id: `${device.id}-last`,
      status: device.status,
      telemetries: device.state,
      createdAtMs: device.lastSeenAtMs,
    });
  }
  return partnerList(ctx.query, records, (r) => telemetryView(r, device.id));
}

function optionalEmail(body: Record<string, unknown>, field: string): string | null {
  const value = optionalString(body, field);
  if (!value) return null;
  if (!EMAIL.test(value)) throw unprocessable(`${field} is not a valid address`);
  return value;
}

/** Invented answer: {id, name, created_at, contacts {admin_email, admin_name, finance_email, finance_name}}. */
function createOrganization(ctx: RequestContext): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const name = requireString(body, "name").trim();
  if (ctx.state.organizations.some((o) => o.name.toLowerCase() === name.toLowerCase())) {
    throw unprocessable("name has already been taken");
  }
  const adminEmail = optionalEmail(body, "admin_contact_email");
  const financeEmail = optionalEmail(body, "finance_contact_email");
  const nowMs = ctx.runtime.nowMs();
  const org = createEmptyOrganization(
    { id: ctx.runtime.uuid(), key: `org_${ctx.runtime.hex(32)}`, name, createdAtMs: nowMs },
    ctx.state.organizations.length,
  );
  org.contacts = {
    adminEmail: adminEmail ?? org.contacts.adminEmail,
    adminName: optionalString(body, "admin_contact_name") || org.contacts.adminName,
    financeEmail: financeEmail ?? org.contacts.financeEmail,
    financeName: optionalString(body, "finance_contact_name") || org.contacts.financeName,
  };
  ctx.state.organizations.push(org);
  return jsonResponse({
    id: org.id,
    name: org.name,
    created_at: new Date(org.createdAtMs).toISOString(),
    contacts: {
      admin_email: org.contacts.adminEmail,
      admin_name: org.contacts.adminName,
      finance_email: org.contacts.financeEmail,
      finance_name: org.contacts.financeName,
    },
  }, 201);
}

function findTicket(ctx: RequestContext): { org: SimOrganization; ticket: SimTicket } {
  for (const org of ctx.state.organizations) {
    const ticket = org.tickets.find((t) => t.id === ctx.params.ticket_id);
    if (ticket) return { org, ticket };
  }
  throw notFound("Ticket");
}

/** Partner ticket = organization ticket view + `organization {id, name}`. */
function partnerTicketView(org: SimOrganization, ticket: SimTicket, withComments: boolean) {
  return { ...ticketView(ticket, { withComments }), organization: { id: org.id, name: org.name } };
}

function getTickets(ctx: RequestContext): Response {
  const status = queryEnum(ctx.query, "status", ["open", "resolved"] as const);
  const rows = ctx.state.organizations.flatMap((org) =>
    org.tickets.filter((t) => status === undefined || t.status === status).map((ticket) => ({ org, ticket }))
  ).sort((a, b) => b.ticket.createdAtMs - a.ticket.createdAtMs);
  return partnerList(ctx.query, rows, ({ org, ticket }) => partnerTicketView(org, ticket, false));
}

function getTicket(ctx: RequestContext): Response {
  const { org, ticket } = findTicket(ctx);
  return jsonResponse(partnerTicketView(org, ticket, true));
}

function updateTicket(ctx: RequestContext): Response {
  const { org, ticket } = findTicket(ctx);
  applyTicketUpdate(ctx, ticket);
  return jsonResponse(partnerTicketView(org, ticket, true));
}

function closeTicket(ctx: RequestContext): Response {
  const { org, ticket } = findTicket(ctx);
  resolveTicket(ctx, org, ticket);
  return success();
}

function addComment(ctx: RequestContext): Response {
  const { org, ticket } = findTicket(ctx);
  addTicketMessage(ctx, org, ticket, {
    user: "Acme Support",
    owner: ctx.state.partner.name,
    ownerType: "Partner",
  });
  return success();
}

export const partnerRoutes: RouteDefinition[] = [
  partnerRoute("partner.devices.getDevices", "GET", `${PARTNER}/devices`, getDevices),
  partnerRoute(
    "partner.devices.getStateHistoryMultiDevices",
    "GET",
    `${PARTNER}/devices/histories`,
    getStateHistoryMultiDevices,
  ),
  partnerRoute("partner.devices.getDeviceInfo", "GET", `${PARTNER}/devices/:device_id`, getDeviceInfo),
  partnerRoute("partner.devices.deleteDevice", "DELETE", `${PARTNER}/devices/:device_id`, deleteDevice),
  partnerRoute("partner.devices.getCommands", "GET", `${PARTNER}/devices/:device_id/commands`, getCommands),
  partnerRoute(
    "partner.devices.getConfiguration",
    "GET",
    `${PARTNER}/devices/:device_id/config`,
    getConfiguration,
  ),
  partnerRoute(
    "partner.devices.getStateHistory",
    "GET",
    `${PARTNER}/devices/:device_id/history`,
    getStateHistory,
  ),
  partnerRoute(
    "partner.devices.getTelemetries",
    "GET",
    `${PARTNER}/devices/:device_id/telemetries`,
    getTelemetries,
  ),
  partnerRoute(
    "partner.organizations.createOrganization",
    "POST",
    `${PARTNER}/organizations`,
    createOrganization,
  ),
  partnerRoute("partner.tickets.getTickets", "GET", `${PARTNER}/tickets`, getTickets),
  partnerRoute("partner.tickets.getTicket", "GET", `${PARTNER}/tickets/:ticket_id`, getTicket),
  partnerRoute("partner.tickets.updateTicket", "PUT", `${PARTNER}/tickets/:ticket_id`, updateTicket),
  partnerRoute("partner.tickets.closeTicket", "POST", `${PARTNER}/tickets/:ticket_id/resolved`, closeTicket),
  partnerRoute("partner.tickets.addComment", "POST", `${PARTNER}/tickets/:ticket_id/message`, addComment),
];
