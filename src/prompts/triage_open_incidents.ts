/** Prompt: triage the active incidents into an ordered worklist. */
import { definePrompt, numberedSteps, type PromptDefinition } from "../mcp/prompt.ts";
import { INCIDENT_PRIORITIES } from "../tools/incidents.ts";

export const triageOpenIncidents: PromptDefinition = definePrompt({
  name: "triage_open_incidents",
  title: "Triage open incidents",
  description: "Turns the active incidents (optionally of one space and one priority) into an ordered " +
    "worklist: grouped by device, checked against device state and open tickets, with an action per item.",
  arguments: {
    space: {
      description: "Space id (or name) to triage; completes from space ids, paths and names. Omit for all",
      required: false,
      complete: "space_id",
    },
    priority: {
      description: "Only incidents of this priority; omit for all",
      required: false,
      choices: INCIDENT_PRIORITIES,
    },
  },
  requires: ["list_incidents"],
  render({ space, priority }, t) {
    const filters = [
      'status "active"',
      ...(priority === undefined ? [] : [`priority ${JSON.stringify(priority)}`]),
      ...(space === undefined ? [] : [`space ${JSON.stringify(space)}`]),
    ].join(", ");
    const deviceCheck = t.has("diagnose_device")
      ? t.name("diagnose_device")
      : t.has("get_device")
      ? t.name("get_device")
      : undefined;
    return [
      `Triage the active Xyte incidents${priority === undefined ? "" : ` of priority ${priority}`}` +
      `${space === undefined ? "" : ` in space ${JSON.stringify(space)}`}. Produce a worklist an operator ` +
      "can act on, and change nothing.",
      "",
      numberedSteps(
        `Call ${t.name("list_incidents")} with ${filters} and all true.`,
        "Group the incidents by device: several incidents on one device are one problem. Several devices of " +
          "one space failing at the same time point to the site (network, power).",
        deviceCheck &&
          `For the devices with the highest-priority incidents (at most 10), call ${deviceCheck} with their ` +
            "device_id: is the device still failing (effective_status, last_seen_at), or has it recovered " +
            "(the incident is stale)?",
        t.has("list_tickets") &&
          `Call ${t.name("list_tickets")} and match tickets to the devices: who is already on it?`,
        "Answer with a table ordered by priority (critical, high, moderate, low, planning) then age: incident " +
          "title, device, space, opened at, still failing (yes/no), ticket (id or none), and the next action " +
          "(recovered: let it clear; dispatch on site; ask the helpdesk for a ticket; watch). Incidents have no " +
          "close action here, and deleting one is permanent: do not suggest it. End with the one or two site-wide " +
          "problems, if any.",
      ),
    ].join("\n");
  },
});
