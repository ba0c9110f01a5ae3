/** Prompt: a health report of the fleet, or of one space. */
import { definePrompt, numberedSteps, type PromptDefinition } from "../mcp/prompt.ts";

/** The statuses fleet_summary counts as needing attention, so that its totals and this list agree. */
const PROBLEM_STATUSES = '["error", "offline", "disconnected", "warning", "never_seen"]';

export const fleetHealthReport: PromptDefinition = definePrompt({
  name: "fleet_health_report",
  title: "Fleet health report",
  description:
    "A health report of the whole device fleet or of one space: totals by status, problem devices " +
    "grouped by space, active incidents by priority, open tickets, and concrete recommendations.",
  arguments: {
    space: {
      description:
        "Space id (or name) to report on; completes from space ids, paths and names. Omit for the " +
        "whole organization",
      required: false,
      complete: "space_id",
    },
  },
  requires: ["list_devices"],
  render({ space }, t) {
    const scope = space === undefined ? "the whole organization" : `space ${JSON.stringify(space)}`;
    const spaceArg = space === undefined ? "" : ` with space ${JSON.stringify(space)}`;
    const andSpace = space === undefined ? "" : ` and space ${JSON.stringify(space)}`;
    return [
      `Write a health report of the Xyte device fleet of ${scope}. Use only facts returned by the calls ` +
      "below, give numbers rather than impressions, and change nothing.",
      "",
      numberedSteps(
        t.has("fleet_summary") &&
          `Call ${t.name("fleet_summary")}${spaceArg}: counts by effective status, by child space and by ` +
            "model, the devices needing attention, active incidents by priority and open tickets.",
        space === undefined && !t.has("fleet_summary") && t.has("get_organization_info") &&
          `Call ${t.name("get_organization_info")} for the totals of devices, spaces, open incidents and ` +
            "open tickets.",
        (t.has("fleet_summary") ? "If the attention list is cut short, call " : "Call ") +
          `${t.name("list_devices")}${spaceArg ? `${spaceArg},` : " with"} effective_status ` +
          `${PROBLEM_STATUSES} and all true: every device needing attention, with model, firmware, ` +
          "space_path and last_seen_at.",
        t.has("list_spaces") &&
          `Call ${t.name("list_spaces")} to name the sites and buildings the problem devices belong to.`,
        t.has("list_incidents") && !t.has("fleet_summary") &&
          `Call ${t.name("list_incidents")} with status "active"${andSpace} and all true: count them by ` +
            "priority and note the oldest.",
        t.has("list_tickets") &&
          `Call ${t.name("list_tickets")}: which problem devices already have an open ticket?`,
        "Write the report: a headline (devices in total, share healthy); problem devices grouped by space, " +
          "worst first, with how long each has been down (from last_seen_at); active incidents by priority; " +
          "open tickets; then at most three concrete recommendations (e.g. devices down for more than a week " +
          "to check on site, firmware versions lagging behind the rest of their model).",
      ),
    ].join("\n");
  },
});
