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
import type { Toolset } from "./toolsets.ts";

/**
 * Every toolset's tools, in the order clients list them. Each toolset is one module, loaded on first use, so
 * a server pays start-up time only for the toolsets it exposes.
 */
const TOOLSET_MODULES: { readonly [T in Toolset]: () => Promise<readonly Tool[]> } = {
  workflows: () => import("./tools/workflows.ts").then((m) => m.WORKFLOW_TOOLS),
  organization: () => import("./tools/organization.ts").then((m) => m.ORGANIZATION_TOOLS),
  devices: () => import("./tools/devices.ts").then((m) => m.DEVICE_TOOLS),
  commands: () => import("./tools/commands.ts").then((m) => m.COMMAND_TOOLS),
  incidents: () => import("./tools/incidents.ts").then((m) => m.INCIDENT_TOOLS),
  tickets: () => import("./tools/tickets.ts").then((m) => m.TICKET_TOOLS),
  spaces: () => import("./tools/spaces.ts").then((m) => m.SPACE_TOOLS),
  assets: () => import("./tools/assets.ts").then((m) => m.ASSET_TOOLS),
  users: () => import("./tools/users.ts").then((m) => m.USER_TOOLS),
  partner: () => import("./tools/partner.ts").then((m) => m.PARTNER_TOOLS),
  catalog: () => import("./tools/catalog.ts").then((m) => m.CATALOG_TOOLS),
  connector: () => import("./tools/connector.ts").then((m) => m.CONNECTOR_TOOLS),
};

/** Every tool of these toolsets (default: all), in listing order. */
export async function loadTools(toolsets?: readonly Toolset[]): Promise<Tool[]> {
  const order = Object.keys(TOOLSET_MODULES) as Toolset[];
  const wanted = toolsets ? order.filter((t) => toolsets.includes(t)) : order;
  return (await Promise.all(wanted.map((t) => TOOLSET_MODULES[t]()))).flat();
}

/**
 * The tools a server with these settings exposes: chosen toolsets only; read-only mode drops every writer,
 * or exposes its read-only variant (same name, read-only annotations) when it has one.
 */
export async function exposedTools(
  options: { readOnly: boolean; toolsets: readonly Toolset[] },
): Promise<Tool[]> {
  return (await loadTools(options.toolsets)).flatMap((tool) => {
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
