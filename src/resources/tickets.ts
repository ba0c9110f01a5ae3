/** `xyte://tickets/{ticket_id}`: one support ticket with its message thread. */
import { defineResourceTemplate, type TemplateResource } from "../mcp/resource.ts";
import { toTicketDetail } from "../tools/shapes.ts";
import { parseWire, WireTicketDetail } from "../xyte/wire.ts";

const GET_TICKET = "organization.tickets.getTicket";

export function ticketUri(ticketId: string): string {
  return `xyte://tickets/${encodeURIComponent(ticketId)}`;
}

export const ticketResource: TemplateResource = defineResourceTemplate({
  name: "ticket",
  uriTemplate: "xyte://tickets/{ticket_id}",
  title: "Support ticket",
  description: "One support ticket: title, status, device, who opened it, the full description and every " +
    "message of its thread. resources/list announces the open tickets.",
  scope: "organization",
  variables: { ticket_id: "ticket_id" },
  async list(ctx) {
    const tickets = await ctx.directories.get(ctx.xyte, "open_tickets");
    return tickets.map((t) => ({ uri: ticketUri(t.id), name: t.label ?? t.id, description: t.description }));
  },
  async read({ ticket_id }, ctx) {
    const body = await ctx.xyte.call(GET_TICKET, { path: { ticket_id }, signal: ctx.signal });
    return toTicketDetail(parseWire(WireTicketDetail, body, GET_TICKET));
  },
});
