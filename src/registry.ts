/**
 * The one list of everything the server exposes. Each area module exports its tools; adding a tool means
 * adding it to its module's list. The server, the docs generator and the contract test all read this module.
 */
import type { Tool } from "./mcp/tool.ts";
import type { PromptDefinition } from "./mcp/prompt.ts";
import type { ResourceDefinition } from "./mcp/resource.ts";
import { fleetHealthReport } from "./prompts/fleet_health_report.ts";
import { rebootDeviceSafely } from "./prompts/reboot_device_safely.ts";
import { triageOpenIncidents } from "./prompts/triage_open_incidents.ts";
import { troubleshootOfflineDevice } from "./prompts/troubleshoot_offline_device.ts";
import { catalogResource } from "./resources/catalog.ts";
import { deviceCommandsResource, deviceHistoriesResource, deviceResource } from "./resources/devices.ts";
import { incidentsResource } from "./resources/incidents.ts";
import { organizationResource } from "./resources/organization.ts";
import { spaceResource } from "./resources/spaces.ts";
import { ticketResource } from "./resources/tickets.ts";
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

/**
 * The tools a server with these settings exposes: chosen toolsets only; read-only mode drops every writer,
 * or exposes its read-only variant (same name, read-only annotations) when it has one.
 */
export function exposedTools(options: { readOnly: boolean; toolsets: readonly Toolset[] }): Tool[] {
  const wanted = new Set(options.toolsets);
  return TOOLS.flatMap((tool) => {
    if (!wanted.has(tool.toolset)) return [];
    if (!options.readOnly || tool.annotations.readOnlyHint) return [tool];
    const variant = tool.readOnlyVariant;
    return variant?.annotations.readOnlyHint ? [variant] : [];
  });
}

/** Every resource and resource template (JSON documents under `xyte://`), in the order clients list them. */
export const RESOURCES: readonly ResourceDefinition[] = [
  organizationResource,
  incidentsResource,
  deviceResource,
  deviceCommandsResource,
  deviceHistoriesResource,
  spaceResource,
  ticketResource,
  catalogResource,
];

/** Every prompt; each is offered only when the tools it requires are exposed. */
export const PROMPTS: readonly PromptDefinition[] = [
  troubleshootOfflineDevice,
  fleetHealthReport,
  triageOpenIncidents,
  rebootDeviceSafely,
];
