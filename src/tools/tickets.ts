/** Support ticket tools. */
import { z } from "zod";
import { defineTool, READ_ONLY } from "../mcp/tool.ts";
import { readListPage } from "../xyte/paginate.ts";
import { parseWire, WireTicket } from "../xyte/wire.ts";
import { containsText, MAX_UPSTREAM_PER_PAGE } from "./paging.ts";
import { PageInfo, TicketSummary, toTicketSummary } from "./shapes.ts";

const GET_TICKETS = "organization.tickets.getTickets";

export const listTickets = defineTool({
  name: "list_tickets",
  title: "List open tickets",
  description:
    "Open support tickets of the organization (Xyte lists open ones only): title, device, who opened " +
    "it, when, and the start of the description. Filter by device or by text in title/description.",
  toolset: "tickets",
  input: z.object({
    device_id: z.string().min(1).optional().describe("Only tickets about this device"),
    text: z.string().min(1).optional().describe("Case-insensitive text in the title or description"),
    page: z.number().int().min(1).default(1),
    per_page: z.number().int().min(1).max(MAX_UPSTREAM_PER_PAGE).default(25),
  }).strict(),
  output: z.object({
    tickets: z.array(TicketSummary),
    total: z.number().int().describe("Matching tickets over all pages"),
    ...PageInfo,
  }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    // The endpoint returns every open ticket in one array: filter and page here.
    const body = await ctx.xyte.call(GET_TICKETS, { signal: ctx.signal });
    const all = readListPage(body, "array", GET_TICKETS).rows.map((row) =>
      parseWire(WireTicket, row, GET_TICKETS)
    );
    const matches = all.filter((t) =>
      (!args.device_id || t.device_id === args.device_id) &&
      (!args.text || containsText(t.title, args.text) || containsText(t.description, args.text))
    );
    const start = (args.page - 1) * args.per_page;
    return {
      tickets: matches.slice(start, start + args.per_page).map(toTicketSummary),
      total: matches.length,
      page: args.page,
      per_page: args.per_page,
      has_next_page: start + args.per_page < matches.length,
    };
  },
  summarize(result) {
    if (result.total === 0) return "No open tickets match.";
    const more = result.has_next_page ? `; more on page ${result.page + 1}` : "";
    return `${result.total} open ticket(s) match; showing ${result.tickets.length} on page ${result.page}${more}.`;
  },
});
