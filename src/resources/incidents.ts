/** `xyte://incidents`: the organization's active incidents. */
import { defineFixedResource, type FixedResource } from "../mcp/resource.ts";
import { fetchIncidentPage } from "../tools/incidents.ts";
import { collectPages } from "../xyte/paginate.ts";

/** Xyte lists incidents created in a window (default: the last 7 days); active ones can be older. */
export const INCIDENT_WINDOW_DAYS = 30;
export const MAX_INCIDENTS = 500;
const PER_PAGE = 100;

export const incidentsResource: FixedResource = defineFixedResource({
  name: "incidents",
  uri: "xyte://incidents",
  title: "Active incidents",
  description: `Active incidents (automatic alerts on devices) opened in the last ${INCIDENT_WINDOW_DAYS} ` +
    `days, newest first, up to ${MAX_INCIDENTS}: title, priority, device and space.`,
  scope: "organization",
  // The window ends at the time of the read: an unchanged list of incidents is no change.
  clockFields: ["since", "until"],
  async read(ctx) {
    const until = Math.floor(Date.now() / 1000);
    const since = until - INCIDENT_WINDOW_DAYS * 86_400;
    const { rows, more } = await collectPages(
      (page) => fetchIncidentPage(ctx, { status: "active", since, until }, page, PER_PAGE, ctx.signal),
      { limit: MAX_INCIDENTS, maxPages: MAX_INCIDENTS / PER_PAGE, signal: ctx.signal },
    );
    return {
      since: new Date(since * 1000).toISOString(),
      until: new Date(until * 1000).toISOString(),
      count: rows.length,
      truncated: more,
      incidents: rows,
    };
  },
});
