/** Support ticket tools: open tickets, one ticket with its thread, edit, reply, resolve. */
import { z } from "zod";
import { ToolFailure } from "../mcp/results.ts";
import { defineTool, READ_ONLY, type Tool, type ToolContext, WRITE, WRITE_IDEMPOTENT } from "../mcp/tool.ts";
import type { EndpointKey } from "../xyte/catalog.ts";
import { XyteError } from "../xyte/errors.ts";
import { readListPage } from "../xyte/paginate.ts";
import { parseWire, WireTicket, WireTicketDetail } from "../xyte/wire.ts";
import { containsText, ListArgs, ListMeta, moreNote, pageOfArray } from "./listing.ts";
import { IdText, TicketDetail, TicketSummary, toTicketDetail, toTicketSummary } from "./shapes.ts";

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
    "Open support tickets (Xyte lists only open ones): title, device, opener, date, start of the " +
    "description. Filter by device or text.",
  toolset: "tickets",
  input: z.object({
    device_id: IdText.optional().describe("Only tickets about this device"),
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

const GET_TICKET = "organization.tickets.getTicket";
const UPDATE_TICKET = "organization.tickets.updateTicket";
const MARK_RESOLVED = "organization.tickets.markResolved";
const SEND_MESSAGE = "organization.tickets.sendMessage";

/** What ticket writes answer: the ticket and its status afterwards. */
export const TicketAction = z.object({ id: z.string(), status: z.string() });

export const TicketIdArg = IdText.describe("Ticket id from list_tickets");

/** The summary line of a ticket with its thread (organization and partner tools). */
export function ticketDetailLine(t: TicketDetail): string {
  const last = t.messages.at(-1);
  const lastNote = last ? `; last message ${last.at ?? "?"} from ${last.author ?? last.from ?? "?"}` : "";
  return `Ticket ${t.id} "${t.title ?? ""}" is ${
    t.status ?? "unknown"
  }: ${t.messages.length} message(s)${lastNote}.`;
}

export const getTicket = defineTool({
  name: "get_ticket",
  title: "Get ticket",
  description: "One ticket (open or resolved) with its description and message thread.",
  toolset: "tickets",
  input: z.object({ ticket_id: TicketIdArg }).strict(),
  output: TicketDetail,
  annotations: READ_ONLY,
  async run(args, ctx) {
    const body = await ctx.xyte.call(GET_TICKET, { path: { ticket_id: args.ticket_id }, signal: ctx.signal });
    return toTicketDetail(parseWire(WireTicketDetail, body, GET_TICKET));
  },
  summarize: ticketDetailLine,
});

/** Title/description changes of a ticket; at least one is required. */
export const TicketEditArgs = {
  ticket_id: TicketIdArg,
  title: z.string().trim().min(1).optional(),
  description: z.string().optional(),
};

export function ticketEditBody(args: { title?: string; description?: string }): Record<string, string> {
  if (args.title === undefined && args.description === undefined) {
    throw new ToolFailure({
      code: "invalid_arguments",
      message: "nothing to change",
      hint: "Pass title and/or description.",
      retriable: false,
    });
  }
  return {
    ...(args.title !== undefined ? { title: args.title } : {}),
    ...(args.description !== undefined ? { description: args.description } : {}),
  };
}

export const updateTicket = defineTool({
  name: "update_ticket",
  title: "Update ticket",
  description: "Edit a ticket's title or description.",
  toolset: "tickets",
  input: z.object(TicketEditArgs).strict(),
  output: TicketAction,
  annotations: WRITE_IDEMPOTENT,
  async run(args, ctx) {
    const body = await ctx.xyte.call(UPDATE_TICKET, {
      path: { ticket_id: args.ticket_id },
      body: ticketEditBody(args),
      signal: ctx.signal,
    });
    const ticket = parseWire(WireTicketDetail, body, UPDATE_TICKET);
    return { id: ticket.id, status: ticket.status ?? "updated" };
  },
  summarize: (t, args) => `Ticket ${t.id} updated${args.title ? `: "${args.title}"` : ""}.`,
});

export const resolveTicket = defineTool({
  name: "resolve_ticket",
  title: "Resolve ticket",
  description: "Mark a ticket resolved (it leaves list_tickets).",
  toolset: "tickets",
  input: z.object({ ticket_id: TicketIdArg }).strict(),
  output: TicketAction,
  annotations: WRITE_IDEMPOTENT,
  async run(args, ctx) {
    await ctx.xyte.call(MARK_RESOLVED, { path: { ticket_id: args.ticket_id }, signal: ctx.signal });
    return { id: args.ticket_id, status: "resolved" };
  },
  summarize: (r) => `Ticket ${r.id} resolved.`,
});

/** What a reply answers: the ticket's state after it and the reply as the thread holds it. */
export const TicketReply = z.object({
  id: z.string(),
  status: z.string().nullable().describe("The ticket's status after the reply; null when unread"),
  posted_at: z.string().nullable(),
  author: z.string().nullable().describe("Who the thread names as the reply's author"),
});
export type TicketReply = z.infer<typeof TicketReply>;

export interface ReplyEndpoints {
  send: EndpointKey;
  read: EndpointKey;
  /** Whose replies these are, as the thread's `from` names them. */
  from: "organization" | "partner";
}

/**
 * Posts `message` on a ticket's thread, then reads the ticket back: Xyte answers a reply with `{success: true}`
 * alone, and the agent's next step depends on the ticket (a resolved one stays resolved). The reply is posted
 * once the send succeeds: a failed read-back leaves the fields it would fill null rather than failing the call
 * (which the agent would take as "not sent" and send again).
 */
export async function replyToTicket(
  args: { ticket_id: string; message: string },
  ctx: Pick<ToolContext, "xyte" | "signal" | "log">,
  endpoints: ReplyEndpoints,
): Promise<TicketReply> {
  const path = { ticket_id: args.ticket_id };
  await ctx.xyte.call(endpoints.send, { path, body: { message: args.message }, signal: ctx.signal });
  let ticket: TicketDetail;
  try {
    ticket = toTicketDetail(
      parseWire(
        WireTicketDetail,
        await ctx.xyte.call(endpoints.read, { path, signal: ctx.signal }),
        endpoints.read,
      ),
    );
  } catch (error) {
    if (!(error instanceof XyteError)) throw error;
    ctx.log.warn("ticket reply posted, reading the ticket back failed", { code: error.code });
    return { id: args.ticket_id, status: null, posted_at: null, author: null };
  }
  const reply = ticket.messages.findLast((m) => m.from === endpoints.from && m.text === args.message);
  return {
    id: ticket.id,
    status: ticket.status,
    posted_at: reply?.at ?? null,
    author: reply?.author ?? null,
  };
}

/** The summary line of a reply. */
export function replyLine(r: TicketReply): string {
  const posted = `Message posted to ticket ${r.id}${r.author ? ` as ${r.author}` : ""}`;
  return r.status === null
    ? `${posted}; the ticket's status is not known here (get_ticket reads it).`
    : `${posted}; the ticket is ${r.status}.`;
}

export const sendTicketMessage = defineTool({
  name: "send_ticket_message",
  title: "Reply to ticket",
  description: "Reply on a ticket's thread as the organization.",
  toolset: "tickets",
  input: z.object({ ticket_id: TicketIdArg, message: z.string().trim().min(1) }).strict(),
  output: TicketReply,
  annotations: WRITE,
  run: (args, ctx) =>
    replyToTicket(args, ctx, { send: SEND_MESSAGE, read: GET_TICKET, from: "organization" }),
  summarize: replyLine,
});

export const TICKET_TOOLS: readonly Tool[] = [
  listTickets,
  getTicket,
  updateTicket,
  resolveTicket,
  sendTicketMessage,
];
