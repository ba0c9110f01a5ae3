/** Incident tools. */
import { z } from "zod";
import { ToolFailure } from "../mcp/results.ts";
import { defineTool, DESTRUCTIVE, READ_ONLY, type Tool, type ToolContext } from "../mcp/tool.ts";
import { type ListPage } from "../xyte/paginate.ts";
import { readWirePage, WireIncident } from "../xyte/wire.ts";
import { ListArgs, ListMeta, listRows, moreNote } from "./listing.ts";
import { ConfirmArg, countPhrase, Deleted, IdText, IncidentSummary, toIncidentSummary } from "./shapes.ts";
import { resolveSpace, SpaceRef } from "./space_ref.ts";
import { isoTime } from "./time.ts";

const GET_INCIDENTS = "organization.incidents.getIncidents";
export const INCIDENT_PRIORITIES = ["critical", "high", "moderate", "low", "planning"] as const;

const ListIncidentsInput = z.object({
  status: z.enum(["active", "closed"]).optional().describe("active = still open"),
  priority: z.enum(INCIDENT_PRIORITIES).optional(),
  space: SpaceRef.optional(),
  device_id: IdText.optional().describe("Only incidents of this device"),
  since: isoTime.optional().describe("ISO-8601 start of the window; Xyte defaults to 7 days ago"),
  until: isoTime.optional().describe("ISO-8601 end of the window; defaults to now"),
  ...ListArgs,
}).strict();

export interface IncidentQuery {
  status?: "active" | "closed";
  priority?: string;
  spaceId?: string;
  since?: number;
  until?: number;
}

/** Fetches one page of incidents, projected to the compact shape. */
export async function fetchIncidentPage(
  ctx: Pick<ToolContext, "xyte">,
  query: IncidentQuery,
  page: number,
  perPage: number,
  signal?: AbortSignal,
): Promise<ListPage<IncidentSummary>> {
  const body = await ctx.xyte.call(GET_INCIDENTS, {
    query: {
      page,
      page_size: perPage, // getIncidents pages with page_size (docs.xyte.io), not per_page
      status: query.status,
      priority: query.priority,
      space_id: query.spaceId,
      from: query.since,
      to: query.until,
    },
    signal,
  });
  return readWirePage(body, "items", WireIncident, GET_INCIDENTS, toIncidentSummary);
}

export const listIncidents = defineTool({
  name: "list_incidents",
  title: "List incidents",
  description:
    "Incidents (device alerts) in a time window, with status, priority, device and space. Filter by " +
    "status, priority, space, device, since/until (ISO-8601; default the last 7 days).",
  toolset: "incidents",
  input: ListIncidentsInput,
  output: z.object({ incidents: z.array(IncidentSummary), ...ListMeta }),
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
    const space = args.space === undefined ? undefined : await resolveSpace(args.space, ctx);
    const query: IncidentQuery = {
      status: args.status,
      priority: args.priority,
      spaceId: space?.id,
      since: args.since,
      until: args.until,
    };
    const { rows, meta } = await listRows({
      fetchPage: (page, perPage, signal) => fetchIncidentPage(ctx, query, page, perPage, signal),
      accept: args.device_id ? (i) => i.device_id === args.device_id : undefined,
      args,
      ctx,
    });
    return { incidents: rows, ...meta };
  },
  summarize(result, args) {
    if (result.incidents.length === 0) return "No incidents match.";
    return `${result.returned} incident(s)${moreNote(result, args)}: ${
      countPhrase(result.incidents.map((i) => i.status))
    }; priority ${countPhrase(result.incidents.map((i) => i.priority))}.`;
  },
});

const DELETE_INCIDENT = "organization.incidents.deleteIncident";

export const deleteIncident = defineTool({
  name: "delete_incident",
  title: "Delete incident",
  description: "Delete an incident permanently (e.g. a false alarm).",
  toolset: "incidents",
  input: z.object({ incident_id: IdText, confirm: ConfirmArg }).strict(),
  output: Deleted,
  annotations: DESTRUCTIVE,
  confirmation: (args) => ({
    accepts: [args.incident_id],
    message: `Delete incident ${args.incident_id} permanently?`,
  }),
  async run(args, ctx) {
    await ctx.xyte.call(DELETE_INCIDENT, { path: { id: args.incident_id }, signal: ctx.signal });
    return { id: args.incident_id, deleted: true as const };
  },
  summarize: (r) => `Incident ${r.id} deleted.`,
});

export const INCIDENT_TOOLS: readonly Tool[] = [listIncidents, deleteIncident];
