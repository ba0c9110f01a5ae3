/** `xyte://organization`: the organization behind the API key, with its totals. */
import { defineFixedResource, type FixedResource } from "../mcp/resource.ts";
import { parseWire, WireOrganization } from "../xyte/wire.ts";

const GET_INFO = "organization.getOrganizationInfo";

export const organizationResource: FixedResource = defineFixedResource({
  name: "organization",
  uri: "xyte://organization",
  title: "Organization",
  description: "The organization behind the API key: name, domain, contacts, and totals of devices, users, " +
    "spaces, open tickets and open incidents.",
  scope: "organization",
  async read(ctx) {
    const org = parseWire(WireOrganization, await ctx.xyte.call(GET_INFO, { signal: ctx.signal }), GET_INFO);
    const s = org.statistics;
    const c = org.contacts;
    return {
      id: org.id,
      name: org.name,
      domain: org.domain,
      created_at: org.created_at,
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
        }
        : null,
    };
  },
});
