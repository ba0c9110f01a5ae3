/** Support ticket tools. */
import { z } from "zod";
import { defineTool, READ_ONLY, type Tool, type ToolContext } from "../mcp/tool.ts";
import { readListPage } from "../xyte/paginate.ts";
import { parseWire, WireTicket } from "../xyte/wire.ts";
import { containsText, ListArgs, ListMeta, moreNote, pageOfArray } from "./listing.ts";
import { TicketSummary, toTicketSummary } from "./shapes.ts";

const GET_TICKETS = "organization.tickets.getTickets";

/** Every open ticket (the endpoint returns them all in one array). */
export async function fetchOpenTickets(ctx: Pick<ToolContext, "xyte" | "signal">): Promise<WireTicket[]> {
  const body = await ctx.xyte.call(GET_TICKETS, { signal: ctx.signal });
  return readListPage(body, "array", GET_TICKETS).rows.map((row) => parseWire(WireTicket, row, GET_TICKETS));
}

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
    ...ListArgs,
  }).strict(),
  output: z.object({
    tickets: z.array(TicketSummary),
    total: z.number().int().describe("Matching tickets over all pages"),
    ...ListMeta,
  }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const matches = (await fetchOpenTickets(ctx)).filter((t) =>
      (!args.device_id || t.device_id === args.device_id) &&
      (!args.text || containsText(t.title, args.text) || containsText(t.description, args.text))
    );
    const { rows, meta } = pageOfArray(matches, args);
    return { tickets: rows.map(toTicketSummary), total: matches.length, ...meta };
  },
  summarize(result, args) {
    if (result.total === 0) return "No open tickets match.";
    return `${result.total} open ticket(s) match; ${result.returned} here${moreNote(result, args)}.`;
  },
});

export const TICKET_TOOLS: readonly Tool[] = [listTickets];
