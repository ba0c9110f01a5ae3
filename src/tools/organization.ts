/** Organization tools. */
import { z } from "zod";
import { defineTool, READ_ONLY, type Tool } from "../mcp/tool.ts";
import { parseWire, WireOrganization } from "../xyte/wire.ts";

const GET_INFO = "organization.getOrganizationInfo";
const count = z.number().int().nullable();

const OrganizationInfo = z.object({
  id: z.string(),
  name: z.string().nullable(),
  domain: z.string().nullable(),
  created_at: z.string().nullable(),
  lab: z.boolean().nullable(),
  contacts: z.object({
    admin_name: z.string().nullable(),
    admin_email: z.string().nullable(),
    finance_name: z.string().nullable(),
    finance_email: z.string().nullable(),
  }).nullable(),
  statistics: z.object({
    devices: count,
    users: count,
    groups: count,
    spaces: count,
    open_tickets: count,
    open_incidents: count,
    pending_invoices: count,
  }).nullable(),
});

export const getOrganizationInfo = defineTool({
  name: "get_organization_info",
  title: "Organization overview",
  description: "The organization behind the API key: name, domain, contacts, and totals of devices, users, " +
    "spaces, open tickets and open incidents. A cheap first call to size the fleet.",
  toolset: "organization",
  input: z.object({}).strict(),
  output: OrganizationInfo,
  annotations: READ_ONLY,
  async run(_args, ctx) {
    const org = parseWire(WireOrganization, await ctx.xyte.call(GET_INFO, { signal: ctx.signal }), GET_INFO);
    return {
      id: org.id,
      name: org.name,
      domain: org.domain,
      created_at: org.created_at,
      lab: org.lab ?? null,
      contacts: org.contacts
        ? {
          admin_name: org.contacts.admin_name,
          admin_email: org.contacts.admin_email,
          finance_name: org.contacts.finance_name,
          finance_email: org.contacts.finance_email,
        }
        : null,
      statistics: org.statistics
        ? {
          devices: org.statistics.devices,
          users: org.statistics.users,
          groups: org.statistics.groups,
          spaces: org.statistics.spaces,
          open_tickets: org.statistics.open_tickets,
          open_incidents: org.statistics.open_incidents,
          pending_invoices: org.statistics.pending_invoices,
        }
        : null,
    };
  },
  summarize(org) {
    const s = org.statistics;
    const totals = s
      ? `${s.devices ?? "?"} devices, ${s.spaces ?? "?"} spaces, ${s.users ?? "?"} users, ` +
        `${s.open_incidents ?? "?"} open incidents, ${s.open_tickets ?? "?"} open tickets`
      : "no statistics";
    return `${org.name ?? org.id}: ${totals}.`;
  },
});
export const ORGANIZATION_TOOLS: readonly Tool[] = [getOrganizationInfo];
