/**
 * Toolsets: named groups of tools exposed or hidden together (`--toolsets`, `XYTE_TOOLSETS`).
 * Kept apart from the tools so configuration can validate names without loading any tool.
 */

export const TOOLSETS = {
  organization: "Organization profile and totals, licenses, device models",
  devices: "Find, read, rename, move, claim and remove devices; state history; notes",
  commands: "List, send and cancel device commands (reboot, …)",
  incidents: "Incidents (automatic alerts) on devices",
  tickets: "Support tickets and their messages",
  spaces: "The space tree: sites, buildings, floors, rooms",
  assets: "Non-connected assets (inventory)",
  users: "Users and user groups",
  partner: "Partner API: devices and tickets across customer organizations (needs a partner key)",
  workflows: "One-call answers: fleet_summary, diagnose_device",
  catalog: "Every Xyte endpoint: search_endpoints, describe_endpoint, call_endpoint",
  connector: "search and fetch in the shape ChatGPT connectors and deep research expect",
} as const;

export type Toolset = keyof typeof TOOLSETS;
export const TOOLSET_NAMES = Object.keys(TOOLSETS) as Toolset[];

/**
 * Exposed when `--toolsets` is not given: the everyday fleet work (find, diagnose and act on devices, handle
 * incidents and tickets) plus the catalog, which reaches every other endpoint. Spaces are still usable by
 * name wherever a tool takes `space`; fleet_summary breaks the fleet down by site.
 */
export const DEFAULT_TOOLSETS: readonly Toolset[] = [
  "workflows",
  "devices",
  "commands",
  "incidents",
  "tickets",
  "catalog",
];

export function isToolset(name: string): name is Toolset {
  return Object.hasOwn(TOOLSETS, name);
}
