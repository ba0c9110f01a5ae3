/** Incident tools. */
import { z } from "zod";
import { ToolFailure } from "../mcp/results.ts";
import { defineTool, READ_ONLY } from "../mcp/tool.ts";
import { readListPage } from "../xyte/paginate.ts";
import { parseWire, WireIncident } from "../xyte/wire.ts";
import { MAX_UPSTREAM_PER_PAGE, pageOfMatches } from "./paging.ts";
import { countPhrase, IncidentSummary, PageInfo, toIncidentSummary } from "./shapes.ts";
import { isoTime } from "./time.ts";

const GET_INCIDENTS = "organization.incidents.getIncidents";
export const INCIDENT_PRIORITIES = ["critical", "high", "moderate", "low", "planning"] as const;

const ListIncidentsInput = z.object({
  status: z.enum(["active", "closed"]).optional().describe("active = still open"),
  priority: z.enum(INCIDENT_PRIORITIES).optional(),
  space_id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).transform(String).optional()
    .describe("Only incidents in this space"),
  device_id: z.string().min(1).optional().describe("Only incidents of this device"),
  since: isoTime.optional().describe("ISO-8601 start of the window; Xyte defaults to 7 days ago"),
  until: isoTime.optional().describe("ISO-8601 end of the window; defaults to now"),
  page: z.number().int().min(1).default(1),
  per_page: z.number().int().min(1).max(MAX_UPSTREAM_PER_PAGE).default(25),
}).strict();

export const listIncidents = defineTool({
  name: "list_incidents",
  title: "List incidents",
  description: "Incidents (automatic alerts on devices) in a time window, newest first: title, status " +
    "(active/closed), priority, device and space. Filter by status, priority, space, device, since/until " +
    "(ISO-8601; without them Xyte returns the last 7 days).",
  toolset: "incidents",
  input: ListIncidentsInput,
  output: z.object({ incidents: z.array(IncidentSummary), ...PageInfo }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    if (args.since !== undefined && args.until !== undefined && args.since > args.until) {
      throw new ToolFailure({
        code: "invalid_arguments",
        message: "since is after until",
        hint: "Pass since earlier than until.",
        retriable: false,
      });
    }
    const { rows, hasNext } = await pageOfMatches({
      fetchPage: async (page, perPage) => {
        const body = await ctx.xyte.call(GET_INCIDENTS, {
          query: {
            page,
            per_page: perPage,
            status: args.status,
            priority: args.priority,
            space_id: args.space_id,
            from: args.since,
            to: args.until,
          },
          signal: ctx.signal,
        });
        const list = readListPage(body, "items", GET_INCIDENTS);
        return {
          ...list,
          rows: list.rows.map((row) => toIncidentSummary(parseWire(WireIncident, row, GET_INCIDENTS))),
        };
      },
      accept: args.device_id ? (i) => i.device_id === args.device_id : undefined,
      page: args.page,
      perPage: args.per_page,
      ctx,
    });
    return { incidents: rows, page: args.page, per_page: args.per_page, has_next_page: hasNext };
  },
  summarize(result) {
    if (result.incidents.length === 0) return `No incidents match (page ${result.page}).`;
    const more = result.has_next_page ? `; more on page ${result.page + 1}` : "";
    return `${result.incidents.length} incident(s) on page ${result.page}${more}: ${
      countPhrase(result.incidents.map((i) => i.status))
    }; priority ${countPhrase(result.incidents.map((i) => i.priority))}.`;
  },
});
