/** `xyte://organization`: the organization behind the API key, with its totals. */
import { defineFixedResource, type FixedResource } from "../mcp/resource.ts";
import { parseWire, WireOrganization } from "../xyte/wire.ts";
import { z } from "zod";

const GET_INFO = "organization.getOrganizationInfo";

export const organizationResource: FixedResource = defineFixedResource({
  name: "organization",
  uri: "xyte://organization",
  title: "Organization",
  description: "The organization behind the API key: name, domain, contacts, and totals of devices, users, " +
    "spaces, open tickets and open incidents.",
  scope: "organization",
  async read(ctx) {
    return organizationDocument(
      parseWire(WireOrganization, await ctx.xyte.call(GET_INFO, { signal: ctx.signal }), GET_INFO),
    );
  },
});

const count = z.number().int().nullable();

/** What get_organization_info returns and xyte://organization holds. */
export const OrganizationInfo = z.object({
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

/**
 * The organization as this server shows it, in this resource and in get_organization_info alike: identity,
 * contacts and totals.
 */
export function organizationDocument(
  org: WireOrganization,
): z.output<typeof OrganizationInfo> {
  const c = org.contacts;
  const s = org.statistics;
  return {
    id: org.id,
    name: org.name,
    domain: org.domain,
    created_at: org.created_at,
    lab: org.lab ?? null,
    contacts: c
      ? {
        admin_name: c.admin_name,
        admin_email: c.admin_email,
        finance_name: c.finance_name,
        finance_email: c.finance_email,
      }
      : null,
    statistics: s
      ? {
        devices: s.devices,
        users: s.users,
        groups: s.groups,
        spaces: s.spaces,
        open_tickets: s.open_tickets,
        open_incidents: s.open_incidents,
        pending_invoices: s.pending_invoices,
      }
      : null,
  };
}
