/**
 * The one list of everything the server exposes. Each area module exports its tools; adding a tool means
 * adding it to its module's list. The server, the docs generator and the contract test all read this module.
 */
import type { Tool } from "./mcp/tool.ts";
import { ASSET_TOOLS } from "./tools/assets.ts";
import { CATALOG_TOOLS } from "./tools/catalog.ts";
import { COMMAND_TOOLS } from "./tools/commands.ts";
import { CONNECTOR_TOOLS } from "./tools/connector.ts";
import { DEVICE_TOOLS } from "./tools/devices.ts";
import { INCIDENT_TOOLS } from "./tools/incidents.ts";
import { ORGANIZATION_TOOLS } from "./tools/organization.ts";
import { PARTNER_TOOLS } from "./tools/partner.ts";
import { SPACE_TOOLS } from "./tools/spaces.ts";
import { TICKET_TOOLS } from "./tools/tickets.ts";
import { USER_TOOLS } from "./tools/users.ts";
import { WORKFLOW_TOOLS } from "./tools/workflows.ts";
import type { Toolset } from "./toolsets.ts";

export const TOOLS: readonly Tool[] = [
  ...WORKFLOW_TOOLS,
  ...ORGANIZATION_TOOLS,
  ...DEVICE_TOOLS,
  ...COMMAND_TOOLS,
  ...INCIDENT_TOOLS,
  ...TICKET_TOOLS,
  ...SPACE_TOOLS,
  ...ASSET_TOOLS,
  ...USER_TOOLS,
  ...PARTNER_TOOLS,
  ...CATALOG_TOOLS,
  ...CONNECTOR_TOOLS,
];

/** The tools a server with these settings exposes: chosen toolsets only; read-only mode drops every writer. */
export function exposedTools(options: { readOnly: boolean; toolsets: readonly Toolset[] }): Tool[] {
  const wanted = new Set(options.toolsets);
  return TOOLS.filter((tool) =>
    wanted.has(tool.toolset) && (!options.readOnly || tool.annotations.readOnlyHint)
  );
}
