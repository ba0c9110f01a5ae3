/**
 * Workflow tools: the questions operators ask most, answered in one call each.
 *
 * - fleet_summary: health of the whole fleet or one space subtree — counts by effective status, by child
 *   space and by model; the devices that need attention with their open tickets; open incidents and tickets.
 * - diagnose_device: one device's full picture — record, recent state changes, pending commands, active
 *   incidents, open tickets — with a short rule-based assessment and next steps.
 *
 * Both fan out to several endpoints concurrently; all pages of devices are fetched with bounded concurrency.
 */
import { z } from "zod";
import { defineTool, READ_ONLY, type Tool, type ToolContext } from "../mcp/tool.ts";
import { fetchAllPages } from "../xyte/paginate.ts";
import { parseWire, WireDevice } from "../xyte/wire.ts";
import { fetchDevicePage } from "./devices.ts";
import { fetchIncidentPage } from "./incidents.ts";
import { LIST_CONCURRENCY, MAX_UPSTREAM_PER_PAGE } from "./listing.ts";
import { DeviceSummary, IdText, type IncidentSummary, toDeviceSummary, toTicketSummary } from "./shapes.ts";
import { resolveSpace, SpaceRef } from "./space_ref.ts";
import { fetchOpenTickets } from "./tickets.ts";
import { CommandRow, fetchCommandPage, OPEN_COMMAND_STATUSES } from "./commands.ts";
import {
  fetchStatusChanges,
  type StateChange,
  StateChange as StateChangeSchema,
} from "./workflow_sources.ts";

/** Effective statuses that need someone's attention, worst first. */
const ATTENTION_ORDER = ["error", "offline", "disconnected", "warning", "never_seen"] as const;
const ACTIVE_INCIDENT_WINDOW_DAYS = 90;

const Count = z.number().int();
const StatusCounts = z.record(z.string(), Count).describe("Devices per effective status");

/** A ticket as the workflow tools show it: enough to know what it says. */
const TicketBrief = z.object({
  id: z.string(),
  title: z.string().nullable(),
  description: z.string().nullable(),
});
type TicketBrief = z.infer<typeof TicketBrief>;

function toTicketBrief(ticket: Parameters<typeof toTicketSummary>[0]): TicketBrief {
  const { id, title, description } = toTicketSummary(ticket);
  return { id, title, description };
}

const AttentionDevice = z.object({
  id: z.string(),
  name: z.string().nullable(),
  effective_status: z.string().nullable(),
  last_seen_at: z.string().nullable(),
  model: z.string().nullable(),
  space_path: z.string().nullable(),
  active_incidents: Count,
  open_tickets: z.array(
    z.object({ id: z.string(), title: z.string().nullable(), description: z.string().nullable() }),
  ),
});

const FleetSummaryOutput = z.object({
  scope: z.string().describe('The space summarized, or "organization"'),
  devices: Count,
  by_effective_status: StatusCounts,
  by_space: z.array(z.object({ space: z.string(), devices: Count, needs_attention: Count })).describe(
    "One row per child space (sites for the whole organization)",
  ),
  by_model: z.array(z.object({ model: z.string(), devices: Count, needs_attention: Count })),
  needs_attention: z.array(AttentionDevice).describe(
    "Worst first: error, offline, disconnected, warning, never_seen",
  ),
  needs_attention_total: Count,
  active_incidents: z.object({ total: Count, by_priority: z.record(z.string(), Count) }),
  open_tickets: Count.describe(
    "Open tickets: all of the organization's, or for a space those about its devices",
  ),
});

export const fleetSummary = defineTool({
  name: "fleet_summary",
  title: "Fleet health summary",
  description:
    "Fleet or space (id or name) health in one call: counts by status, child space and model; devices " +
    "needing attention with their open tickets; active incidents, open tickets. Start here for " +
    '"what is broken in <site>?"',
  toolset: "workflows",
  input: z.object({
    space: SpaceRef.optional(),
    attention_limit: z.number().int().min(0).max(200).default(25).describe("Most attention rows to return"),
  }).strict(),
  output: FleetSummaryOutput,
  annotations: READ_ONLY,
  async run(args, ctx) {
    const space = args.space === undefined ? undefined : await resolveSpace(args.space, ctx);
    const since = Math.floor(Date.now() / 1000) - ACTIVE_INCIDENT_WINDOW_DAYS * 86_400;
    const [devices, incidents, tickets] = await Promise.all([
      fetchAllPages(
        (page, signal) => fetchDevicePage(ctx, page, MAX_UPSTREAM_PER_PAGE, space?.id, signal),
        MAX_UPSTREAM_PER_PAGE,
        {
          concurrency: LIST_CONCURRENCY,
          signal: ctx.signal,
          onProgress: ({ pagesFetched, totalPages }) => ctx.progress(pagesFetched, totalPages, "devices"),
        },
      ),
      fetchAllPages(
        (page, signal) =>
          fetchIncidentPage(
            ctx,
            { status: "active", spaceId: space?.id, since },
            page,
            MAX_UPSTREAM_PER_PAGE,
            signal,
          ),
        MAX_UPSTREAM_PER_PAGE,
        { concurrency: 2, signal: ctx.signal },
      ),
      fetchOpenTickets(ctx),
    ]);
    const rows = devices.rows;
    const byId = new Map(rows.map((d) => [d.id, d]));
    // A space's tickets are those about its devices; the organization's are all of them, device or not.
    const scopeTickets = space === undefined
      ? tickets
      : tickets.filter((t) => typeof t.device_id === "string" && byId.has(t.device_id));
    const incidentsByDevice = countBy(incidents.rows, (i) => i.device_id ?? "");
    const ticketsByDevice = groupBy(scopeTickets, (t) => t.device_id ?? "");
    const scopePath = space?.path ?? commonRoot(rows);
    const needsAttention = (d: WireDevice) => ATTENTION_ORDER.includes(d.effective_status as never);

    const attention = rows.filter(needsAttention).sort((a, b) =>
      ATTENTION_ORDER.indexOf(a.effective_status as never) -
        ATTENTION_ORDER.indexOf(b.effective_status as never) ||
      (a.last_seen_at ?? "").localeCompare(b.last_seen_at ?? "")
    );
    return {
      scope: space ? space.label : "organization",
      devices: rows.length,
      by_effective_status: Object.fromEntries(countBy(rows, (d) => d.effective_status ?? "unknown")),
      by_space: breakdown(
        rows,
        (d) => childSegment(d.space?.full_path ?? null, scopePath),
        needsAttention,
        "space",
      ),
      by_model: breakdown(rows, (d) => d.model?.name ?? "unknown", needsAttention, "model"),
      needs_attention: attention.slice(0, args.attention_limit).map((d) => ({
        id: d.id,
        name: d.name,
        effective_status: d.effective_status,
        last_seen_at: d.last_seen_at,
        model: d.model?.name ?? null,
        space_path: d.space?.full_path ?? null,
        active_incidents: incidentsByDevice.get(d.id) ?? 0,
        open_tickets: (ticketsByDevice.get(d.id) ?? []).map(toTicketBrief),
      })),
      needs_attention_total: attention.length,
      active_incidents: {
        total: incidents.rows.length,
        by_priority: Object.fromEntries(countBy(incidents.rows, (i) => i.priority ?? "unknown")),
      },
      open_tickets: scopeTickets.length,
    };
  },
  summarize(r) {
    const attention = r.needs_attention_total === 0
      ? "nothing needs attention"
      : `${r.needs_attention_total} need attention`;
    return `${r.scope}: ${r.devices} devices (${phraseOfCounts(r.by_effective_status)}); ${attention}; ` +
      `${r.active_incidents.total} active incidents, ${r.open_tickets} open tickets.`;
  },
});

/** An incident as the diagnosis lists it: the device and space are already known. */
const IncidentBrief = z.object({
  id: z.string(),
  title: z.string().nullable(),
  priority: z.string().nullable(),
  created_at: z.string().nullable(),
});

const Finding = z.object({
  severity: z.enum(["critical", "warning", "info"]),
  text: z.string(),
});

const DiagnoseOutput = z.object({
  device: DeviceSummary,
  assessment: z.object({
    health: z.enum(["healthy", "degraded", "down", "never_connected", "unknown"]),
    findings: z.array(Finding),
    next_steps: z.array(z.string()).describe("Suggested actions, naming the tools to use"),
  }),
  recent_changes: z.array(StateChangeSchema).describe("Status changes in the window, newest first (max 20)"),
  status_changes_in_window: Count,
  pending_commands: z.array(CommandRow),
  active_incidents: z.array(IncidentBrief),
  open_tickets: z.array(TicketBrief),
});

export const diagnoseDevice = defineTool({
  name: "diagnose_device",
  title: "Diagnose a device",
  description:
    "One device's full picture in one call: record, recent status changes, pending commands, active " +
    "incidents, open tickets, and an assessment with next steps. Use before acting on a misbehaving device.",
  toolset: "workflows",
  input: z.object({
    device_id: IdText.describe("Device id (uuid)"),
    days: z.number().int().min(1).max(31).default(7).describe("History window in days"),
  }).strict(),
  output: DiagnoseOutput,
  annotations: READ_ONLY,
  async run(args, ctx) {
    const deviceBody = await ctx.xyte.call("organization.devices.getDevice", {
      path: { device_id: args.device_id },
      signal: ctx.signal,
    });
    const device = toDeviceSummary(parseWire(WireDevice, deviceBody, "organization.devices.getDevice"));
    const now = Math.floor(Date.now() / 1000);
    const since = now - args.days * 86_400;
    const [history, commands, incidents, tickets] = await Promise.all([
      fetchStatusChanges(ctx, args.device_id, since, now),
      fetchCommandPage(ctx, args.device_id, 1, MAX_UPSTREAM_PER_PAGE, ctx.signal),
      activeIncidentsOf(ctx, args.device_id, device.space_id, now - ACTIVE_INCIDENT_WINDOW_DAYS * 86_400),
      fetchOpenTickets(ctx).then((all) =>
        all.filter((t) => t.device_id === args.device_id).map(toTicketSummary)
      ),
    ]);
    const pending = commands.rows.filter((c) => OPEN_COMMAND_STATUSES.includes(c.status ?? ""));
    return {
      device,
      assessment: assess(device, history, pending, incidents, tickets.length, now),
      recent_changes: history.slice(0, 20),
      status_changes_in_window: history.length,
      pending_commands: pending,
      active_incidents: incidents.map((i) => ({
        id: i.id,
        title: i.title,
        priority: i.priority,
        created_at: i.created_at,
      })),
      open_tickets: tickets,
    };
  },
  summarize(r) {
    const d = r.device;
    const first = r.assessment.findings[0]?.text ?? "no findings";
    return `${
      d.name ?? d.id
    }: ${r.assessment.health} — ${first} (${r.pending_commands.length} pending commands, ` +
      `${r.active_incidents.length} active incidents, ${r.open_tickets.length} open tickets).`;
  },
});

async function activeIncidentsOf(
  ctx: ToolContext,
  deviceId: string,
  spaceId: string | null,
  since: number,
): Promise<IncidentSummary[]> {
  const all = await fetchAllPages(
    (page, signal) =>
      fetchIncidentPage(
        ctx,
        { status: "active", spaceId: spaceId ?? undefined, since },
        page,
        MAX_UPSTREAM_PER_PAGE,
        signal,
      ),
    MAX_UPSTREAM_PER_PAGE,
    { concurrency: 2, signal: ctx.signal, accept: (i) => i.device_id === deviceId },
  );
  return all.rows;
}

/** Rule-based assessment: what the data says, worst first, and what to do about it. */
export function assess(
  device: DeviceSummary,
  history: readonly StateChange[],
  pending: readonly CommandRow[],
  incidents: readonly IncidentSummary[],
  openTickets: number,
  nowSeconds: number,
): z.infer<typeof DiagnoseOutput>["assessment"] {
  const findings: z.infer<typeof Finding>[] = [];
  const steps: string[] = [];
  const status = device.effective_status;
  const seenAgo = device.last_seen_at ? nowSeconds - Date.parse(device.last_seen_at) / 1000 : null;
  let health: z.infer<typeof DiagnoseOutput>["assessment"]["health"] = "unknown";

  if (status === "never_seen" || device.last_seen_at === null) {
    health = "never_connected";
    findings.push({ severity: "critical", text: "The device has never connected to Xyte." });
    steps.push("Check power, network and registration on site; compare sn/mac (get_device) with the label.");
  } else if (status === "offline" || status === "disconnected") {
    health = "down";
    findings.push({ severity: "critical", text: `The device is ${status}; last seen ${humanAgo(seenAgo)}.` });
    steps.push(
      "Check power and network at the device's location before sending commands; they wait until it is back.",
    );
  } else if (status === "error") {
    health = "degraded";
    findings.push({ severity: "critical", text: "The device reports an error." });
    steps.push(
      "Read its state and details (get_device) and the active incidents; a reboot (send_command) may help.",
    );
  } else if (status === "warning") {
    health = "degraded";
    findings.push({ severity: "warning", text: "The device is in a warning state." });
    // Xyte says no more than "warning": what it warns about is in what the device reports.
    steps.push(
      "Read what it reports (get_device: details and reported state) and its active incidents to see what " +
        "the warning is about; act on that before it turns into an error.",
    );
  } else if (status === "ok") {
    health = "healthy";
  }

  if (history.length >= 6) {
    findings.push({
      severity: "warning",
      text: `Status changed ${history.length} times in the window: the connection is flapping.`,
    });
    steps.push("Flapping usually means unstable network or power; check the switch port or PoE budget.");
    if (health === "healthy") health = "degraded";
  }
  const stale = pending.filter((c) => c.created_at && nowSeconds - Date.parse(c.created_at) / 1000 > 3600);
  if (stale.length > 0) {
    findings.push({
      severity: "warning",
      text: `${stale.length} command(s) pending for over an hour (${stale.map((c) => c.name).join(", ")}).`,
    });
    steps.push("Cancel stale commands (cancel_command) before sending new ones.");
  } else if (pending.length > 0) {
    findings.push({ severity: "info", text: `${pending.length} command(s) pending.` });
  }
  if (incidents.length > 0) {
    const critical = incidents.filter((i) => i.priority === "critical" || i.priority === "high").length;
    findings.push({
      severity: critical > 0 ? "critical" : "warning",
      text: `${incidents.length} active incident(s)${critical > 0 ? `, ${critical} critical/high` : ""}: ${
        incidents.slice(0, 3).map((i) => i.title ?? i.id).join("; ")
      }.`,
    });
    if (health === "healthy") health = "degraded";
  }
  if (openTickets > 0) {
    findings.push({ severity: "info", text: `${openTickets} open support ticket(s) mention this device.` });
    steps.push("Read the open tickets (get_ticket) before acting; someone may already be on it.");
  }
  if (findings.length === 0) findings.push({ severity: "info", text: "No problems found." });
  const rank = { critical: 0, warning: 1, info: 2 };
  findings.sort((a, b) => rank[a.severity] - rank[b.severity]);
  return { health, findings, next_steps: steps };
}

function humanAgo(seconds: number | null): string {
  if (seconds === null) return "never";
  if (seconds < 120) return "just now";
  if (seconds < 7200) return `${Math.round(seconds / 60)} minutes ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} hours ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

function countBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
  return counts;
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

function breakdown<K extends "space" | "model">(
  rows: readonly WireDevice[],
  key: (d: WireDevice) => string,
  needsAttention: (d: WireDevice) => boolean,
  label: K,
): ({ devices: number; needs_attention: number } & Record<K, string>)[] {
  const groups = groupBy(rows, key);
  return [...groups.entries()]
    .map(([name, devices]) =>
      ({
        [label]: name,
        devices: devices.length,
        needs_attention: devices.filter(needsAttention).length,
      }) as { devices: number; needs_attention: number } & Record<K, string>
    )
    .sort((a, b) => b.devices - a.devices);
}

/** The path segment right below `root` ("Tel Aviv HQ/Tower A/Floor 3" under "Tel Aviv HQ" → "Tower A"). */
export function childSegment(path: string | null, root: string | null): string {
  if (path === null) return "(no space)";
  const parts = path.split("/");
  if (!root) return parts[0]!;
  const depth = root.split("/").length;
  return parts.length > depth ? parts[depth]! : "(directly here)";
}

/** The longest path prefix all devices share (the organization root space, if any). */
function commonRoot(rows: readonly WireDevice[]): string | null {
  const paths = rows.map((d) => d.space?.full_path).filter((p): p is string => !!p).map((p) => p.split("/"));
  if (paths.length === 0) return null;
  const prefix: string[] = [];
  for (let i = 0; i < paths[0]!.length - 1; i++) {
    const segment = paths[0]![i];
    if (paths.every((p) => p[i] === segment && p.length > i + 1)) prefix.push(segment!);
    else break;
  }
  return prefix.length > 0 ? prefix.join("/") : null;
}

/** "180 ok, 20 offline", most frequent first. */
function phraseOfCounts(counts: Record<string, number>): string {
  return Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(", ");
}

export const WORKFLOW_TOOLS: readonly Tool[] = [fleetSummary, diagnoseDevice];
