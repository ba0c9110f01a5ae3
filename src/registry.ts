/**
 * The one list of everything the server exposes. Adding a tool means adding it here; the server, the docs
 * generator and the contract test all read this module.
 */
import type { Tool } from "./mcp/tool.ts";
import { getDevice, listDevices } from "./tools/devices.ts";
import { listIncidents } from "./tools/incidents.ts";
import { getOrganizationInfo } from "./tools/organization.ts";
import { listTickets } from "./tools/tickets.ts";

export const TOOLS: readonly Tool[] = [
  getOrganizationInfo,
  listDevices,
  getDevice,
  listIncidents,
  listTickets,
];

/** The tools a server with these settings exposes: read-only mode drops every tool that writes. */
export function exposedTools(options: { readOnly: boolean }): Tool[] {
  return TOOLS.filter((tool) => !options.readOnly || tool.annotations.readOnlyHint);
}
