/** `xyte://incidents`: the organization's active incidents. */
import { defineFixedResource, type FixedResource } from "../mcp/resource.ts";
import { callEndpoint } from "../tools/catalog.ts";
import { fetchIncidentPage, listIncidents } from "../tools/incidents.ts";
import { collectPages } from "../xyte/paginate.ts";
import { CATALOG_PAGE_SIZE, catalogPageAfter, restNote } from "../tools/rest_note.ts";

/** Xyte lists incidents created in a window (default: the last 7 days); active ones can be older. */
export const INCIDENT_WINDOW_DAYS = 30;
export const MAX_INCIDENTS = 500;
/** Incidents per upstream page: the document holds whole pages, so the next page number continues it. */
export const INCIDENTS_PER_PAGE = 100;
const GET_INCIDENTS = "organization.incidents.getIncidents";

export const incidentsResource: FixedResource = defineFixedResource({
  name: "incidents",
  uri: "xyte://incidents",
  title: "Active incidents",
  description: `Active incidents (automatic alerts on devices) opened in the last ${INCIDENT_WINDOW_DAYS} ` +
    `days, newest first, up to ${MAX_INCIDENTS}: title, priority, device and space.`,
  scope: "organization",
  // The window ends at the time of the read: an unchanged list of incidents is no change. `more` names the
  // window too (the call that continues it must ask for the same one).
  clockFields: ["since", "until", "more"],
  async read(ctx) {
    const until = Math.floor(Date.now() / 1000);
    const since = until - INCIDENT_WINDOW_DAYS * 86_400;
    const { rows, more, pagesFetched } = await collectPages(
      (page) =>
        fetchIncidentPage(ctx, { status: "active", since, until }, page, INCIDENTS_PER_PAGE, ctx.signal),
      { limit: MAX_INCIDENTS, maxPages: MAX_INCIDENTS / INCIDENTS_PER_PAGE, signal: ctx.signal },
    );
    const window = {
      since: new Date(since * 1000).toISOString(),
      until: new Date(until * 1000).toISOString(),
    };
    // A document has no next page: the call that pages on, over the same window, from the page after its own.
    const page = pagesFetched + 1;
    return {
      ...window,
      count: rows.length,
      truncated: more,
      ...(more
        ? {
          more: restNote("Older incidents", [
            {
              tool: listIncidents,
              args: { status: "active", ...window, page, per_page: INCIDENTS_PER_PAGE },
            },
            {
              tool: callEndpoint,
              args: {
                key: GET_INCIDENTS,
                query: {
                  status: "active",
                  from: since,
                  to: until,
                  page: catalogPageAfter(pagesFetched * INCIDENTS_PER_PAGE),
                  page_size: CATALOG_PAGE_SIZE,
                },
              },
            },
          ], ctx),
        }
        : {}),
      incidents: rows,
    };
  },
});
