/** Organization API: organization info, incidents and tickets. */
import { organizationRoute, type RequestContext, type RouteDefinition } from "../context.ts";
import { jsonResponse, notFound, success, unprocessable } from "../http.ts";
import { allocateIntegerId } from "../ids.ts";
import { SpaceDirectory } from "../lookup.ts";
import { systemComment } from "../seed_records.ts";
import { DAY_MS } from "../time.ts";
import type { IncidentPriority, SimOrganization, SimTicket } from "../types.ts";
import {
  bodyObject,
  optionalString,
  parsePaging,
  queryEnum,
  queryInteger,
  requireString,
} from "../validate.ts";
import { incidentView, organizationInfoView, ticketView } from "../views.ts";

const ORG = "/core/v1/organization";
const PRIORITIES: readonly IncidentPriority[] = ["critical", "high", "moderate", "low", "planning"];

function getOrganizationInfo(ctx: RequestContext, org: SimOrganization): Response {
  return jsonResponse(organizationInfoView(org, ctx.state.partner));
}

/**
 * Query parameters follow docs.xyte.io: from/to (epoch seconds, default the last week, on created_at),
 * page, page_size | page-size | per_page (max 500), space_id (with descendants), status, priority, and
 * case-insensitive substring filters title, description, issue, device_model, sub_model, partner_name.
 */
function getIncidents(ctx: RequestContext, org: SimOrganization): Response {
  const q = ctx.query;
  const paging = parsePaging(q, { maxPerPage: 500, perPageNames: ["page_size", "page-size", "per_page"] });
  const nowMs = ctx.runtime.nowMs();
  const from = queryInteger(q, "from");
  const to = queryInteger(q, "to");
  const toMs = to !== undefined ? to * 1000 : Math.max(nowMs, (from ?? 0) * 1000);
  const fromMs = from !== undefined ? from * 1000 : toMs - 7 * DAY_MS;
  if (fromMs > toMs) throw unprocessable("from must be before to");
  const status = queryEnum(q, "status", ["active", "closed"] as const);
  const priority = queryEnum(q, "priority", PRIORITIES);
  const spaces = new SpaceDirectory(org);
  const spaceId = queryInteger(q, "space_id");
  const within = spaceId === undefined ? null : spaces.subtree(spaceId);
  const devices = new Map(org.devices.map((d) => [d.id, d]));
  const text = (name: string) => q.get(name)?.toLowerCase() || null;
  const [title, description, issue, deviceModel, subModel, partnerName] = [
    "title",
    "description",
    "issue",
    "device_model",
    "sub_model",
    "partner_name",
  ].map(text);
  if (partnerName && !ctx.state.partner.name.toLowerCase().includes(partnerName)) {
    return jsonResponse({ items: [], has_next_page: false });
  }
  const rows = org.incidents.filter((i) => {
    if (i.createdAtMs < fromMs || i.createdAtMs > toMs) return false;
    if (status && i.status !== status) return false;
    if (priority && i.priority !== priority) return false;
    if (title && !i.title.toLowerCase().includes(title)) return false;
    if (description && !i.description.toLowerCase().includes(description)) return false;
    if (issue && !i.issue.toLowerCase().includes(issue)) return false;
    const device = devices.get(i.deviceId);
    if (within && !(device && device.spaceId !== null && within.has(device.spaceId))) return false;
    if (deviceModel) {
      const name = device ? ctx.runtime.modelsById.get(device.modelId)?.name ?? "" : "";
      if (!name.toLowerCase().includes(deviceModel)) return false;
    }
    if (subModel && !(device?.subModel ?? "").toLowerCase().includes(subModel)) return false;
    return true;
  });
  const start = (paging.page - 1) * paging.perPage;
  return jsonResponse({
    items: rows.slice(start, start + paging.perPage).map((i) =>
      incidentView(i, devices.get(i.deviceId), spaces, ctx.runtime)
    ),
    has_next_page: start + paging.perPage < rows.length,
  });
}

function deleteIncident(ctx: RequestContext, org: SimOrganization): Response {
  const incident = org.incidents.find((i) => i.id === ctx.params.id);
  if (!incident) throw notFound("Incident");
  org.incidents = org.incidents.filter((i) => i !== incident);
  return success();
}

export function requireTicket(org: SimOrganization, ticketId: string): SimTicket {
  const ticket = org.tickets.find((t) => t.id === ticketId);
  if (!ticket) throw notFound("Ticket");
  return ticket;
}

/** Applies `{title?, description?}` (at least one, non-blank) to a ticket. */
export function applyTicketUpdate(ctx: RequestContext, ticket: SimTicket): void {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const title = optionalString(body, "title");
  const description = optionalString(body, "description");
  if (title === undefined && description === undefined) {
    throw unprocessable("Nothing to update; accepted fields: title, description");
  }
  if (title !== undefined && (title === null || title.trim() === "")) {
    throw unprocessable("title must not be blank");
  }
  if (title) ticket.title = title;
  if (description !== undefined) ticket.description = description ?? "";
  ticket.updatedAtMs = ctx.runtime.nowMs();
}

/** Marks a ticket resolved (idempotent) with a system comment. */
export function resolveTicket(ctx: RequestContext, org: SimOrganization, ticket: SimTicket): void {
  if (ticket.status === "resolved") return;
  const nowMs = ctx.runtime.nowMs();
  ticket.status = "resolved";
  ticket.comments.push(systemComment(allocateIntegerId(org), "Ticket marked as resolved", nowMs));
  ticket.updatedAtMs = nowMs;
}

/** Appends `{message}` to a ticket's thread, written by the organization or the partner. */
export function addTicketMessage(
  ctx: RequestContext,
  org: SimOrganization,
  ticket: SimTicket,
  author: { user: string; owner: string; ownerType: "Organization" | "Partner" },
): void {
  const message = requireString(bodyObject(ctx.body, ctx.bodyError), "message");
  const nowMs = ctx.runtime.nowMs();
  ticket.comments.push({
    id: allocateIntegerId(org),
    text: message,
    createdAtMs: nowMs,
    system: false,
    user: author.user,
    owner: author.owner,
    ownerType: author.ownerType,
  });
  ticket.updatedAtMs = nowMs;
}

function getTickets(_ctx: RequestContext, org: SimOrganization): Response {
  // docs.xyte.io: a bare JSON array of all open tickets.
  return jsonResponse(
    org.tickets.filter((t) => t.status === "open").map((t) => ticketView(t, { withComments: false })),
  );
}

function getTicket(ctx: RequestContext, org: SimOrganization): Response {
  return jsonResponse(ticketView(requireTicket(org, ctx.params.ticket_id), { withComments: true }));
}

function updateTicket(ctx: RequestContext, org: SimOrganization): Response {
  const ticket = requireTicket(org, ctx.params.ticket_id);
  applyTicketUpdate(ctx, ticket);
  return jsonResponse(ticketView(ticket, { withComments: true }));
}

function markResolved(ctx: RequestContext, org: SimOrganization): Response {
  resolveTicket(ctx, org, requireTicket(org, ctx.params.ticket_id));
  return success();
}

function sendMessage(ctx: RequestContext, org: SimOrganization): Response {
  const ticket = requireTicket(org, ctx.params.ticket_id);
  addTicketMessage(ctx, org, ticket, {
    user: org.contacts.adminName,
    owner: org.name,
    ownerType: "Organization",
  });
  return success();
}

export const organizationSupportRoutes: RouteDefinition[] = [
  organizationRoute("organization.getOrganizationInfo", "GET", `${ORG}/info`, getOrganizationInfo),
  organizationRoute("organization.incidents.getIncidents", "GET", `${ORG}/incidents`, getIncidents),
  organizationRoute(
    "organization.incidents.deleteIncident",
    "DELETE",
    `${ORG}/incidents/:id`,
    deleteIncident,
  ),
  organizationRoute("organization.tickets.getTickets", "GET", `${ORG}/tickets`, getTickets),
  organizationRoute("organization.tickets.getTicket", "GET", `${ORG}/tickets/:ticket_id`, getTicket),
  organizationRoute("organization.tickets.updateTicket", "PUT", `${ORG}/tickets/:ticket_id`, updateTicket),
  organizationRoute(
    "organization.tickets.markResolved",
    "POST",
    `${ORG}/tickets/:ticket_id/resolved`,
    markResolved,
  ),
  organizationRoute(
    "organization.tickets.sendMessage",
    "POST",
    `${ORG}/tickets/:ticket_id/message`,
    sendMessage,
  ),
];
