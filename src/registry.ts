/**
 * The one list of everything the server exposes. Each area module exports its tools; adding a tool means
 * adding it to its module's list. The server, the docs generator and the contract test all read this module.
 */
import type { Tool } from "./mcp/tool.ts";
import { DEVICE_TOOLS } from "./tools/devices.ts";
import { INCIDENT_TOOLS } from "./tools/incidents.ts";
import { ORGANIZATION_TOOLS } from "./tools/organization.ts";
import { TICKET_TOOLS } from "./tools/tickets.ts";
import type { Toolset } from "./toolsets.ts";

export const TOOLS: readonly Tool[] = [
  ...ORGANIZATION_TOOLS,
  ...DEVICE_TOOLS,
  ...INCIDENT_TOOLS,
  ...TICKET_TOOLS,
];

/** The tools a server with these settings exposes: chosen toolsets only; read-only mode drops every writer. */
export function exposedTools(options: { readOnly: boolean; toolsets: readonly Toolset[] }): Tool[] {
  const wanted = new Set(options.toolsets);
  return TOOLS.filter((tool) =>
    wanted.has(tool.toolset) && (!options.readOnly || tool.annotations.readOnlyHint)
  );
}
