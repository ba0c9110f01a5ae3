/**
 * Compact shapes tools return, and the projections from wire objects into them. Compact means the fields an
 * operator needs to decide, nothing more: fewer tokens per device, incident or ticket.
 */
import { z } from "zod";
import type {
  WireDevice,
  WireHistoryRow,
  WireIncident,
  WireSpace,
  WireTicket,
  WireTicketDetail,
} from "../xyte/wire.ts";
import { isDotSegment } from "../xyte/catalog.ts";
import { MAX_PATH_PARAM_CHARS } from "../xyte/client.ts";
import { type ListArgs, ListMeta, type ListMeta as ListMetaValues, moreNote } from "./listing.ts";
import { continueUntil, earlierRowsNote } from "./history_rest.ts";
import { isoFromEpoch, isoTime } from "./time.ts";
import type { TimeWindow } from "./window.ts";

export const DEVICE_STATUSES = ["online", "offline", "error"] as const;
export const EFFECTIVE_STATUSES = [
  "ok",
  "offline",
  "error",
  "warning",
  "disconnected",
  "never_seen",
] as const;

const nullableText = z.string().nullable();

export const DeviceSummary = z.object({
  id: z.string(),
  name: nullableText,
  status: nullableText.describe("Self-reported: online | offline | error"),
  effective_status: nullableText.describe(
    "Computed health: ok | offline | error | warning | disconnected | never_seen",
  ),
  model: nullableText,
  space_id: nullableText,
  space_path: nullableText,
  last_seen_at: nullableText.describe("ISO-8601; null if never seen"),
  firmware: nullableText,
});
export type DeviceSummary = z.infer<typeof DeviceSummary>;

const deviceExtras = {
  sn: nullableText,
  mac: nullableText,
  cloud_id: nullableText,
  model_id: nullableText,
  sub_model: nullableText,
  merged_effective_status: nullableText,
  details: z.record(z.string(), z.unknown()).nullable(),
  state: z.record(z.string(), z.unknown()).nullable(),
};

/** Fields a list can add to compact device rows with `fields` (or all of them with `verbose`). */
export const DEVICE_EXTRA_FIELDS = Object.keys(deviceExtras) as (keyof typeof deviceExtras)[];
export type DeviceExtraField = (typeof DEVICE_EXTRA_FIELDS)[number];

export const DeviceDetail = DeviceSummary.extend(deviceExtras);
export type DeviceDetail = z.infer<typeof DeviceDetail>;

/** A list row: the compact fields, plus whichever extras were asked for. */
export const DeviceRow = DeviceSummary.extend(z.object(deviceExtras).partial().shape);
export type DeviceRow = z.infer<typeof DeviceRow>;

/** Compact row with the requested extra fields. */
export function toDeviceRow(d: WireDevice, extras: readonly DeviceExtraField[]): DeviceRow {
  if (extras.length === 0) return toDeviceSummary(d);
  const detail = toDeviceDetail(d);
  const row: DeviceRow = toDeviceSummary(d);
  for (const field of extras) (row as Record<string, unknown>)[field] = detail[field];
  return row;
}

export function toDeviceSummary(d: WireDevice): DeviceSummary {
  return {
    id: d.id,
    name: d.name,
    status: d.status,
    effective_status: d.effective_status,
    model: d.model?.name ?? null,
    space_id: d.space?.id ?? null,
    space_path: d.space?.full_path ?? null,
    last_seen_at: d.last_seen_at,
    firmware: d.firmware?.version ?? null,
  };
}

export function toDeviceDetail(d: WireDevice): DeviceDetail {
  return {
    ...toDeviceSummary(d),
    sn: d.sn,
    mac: d.mac,
    cloud_id: d.cloud_id,
    model_id: d.model?.id ?? null,
    sub_model: d.model?.sub_model ?? null,
    merged_effective_status: d.merged_effective_status,
    details: d.details,
    state: d.state,
  };
}

export const IncidentSummary = z.object({
  id: z.string(),
  title: nullableText,
  status: nullableText.describe("active | closed"),
  priority: nullableText.describe("critical | high | moderate | low | planning"),
  device_id: nullableText,
  device_name: nullableText,
  space_id: nullableText,
  space_path: nullableText,
  created_at: nullableText,
  closed_at: nullableText,
});
export type IncidentSummary = z.infer<typeof IncidentSummary>;

export function toIncidentSummary(i: WireIncident): IncidentSummary {
  return {
    id: i.id ?? i.uuid ?? "",
    title: i.title ?? i.name ?? i.issue,
    status: i.status,
    priority: i.priority,
    device_id: i.device_id ?? null,
    device_name: i.device_name,
    space_id: i.space_id ?? null,
    space_path: i.space_path,
    created_at: i.created_at,
    closed_at: i.closed_at,
  };
}

export const TicketSummary = z.object({
  id: z.string(),
  title: nullableText,
  status: nullableText,
  device_id: nullableText,
  created_at: nullableText,
  opened_by: nullableText,
  description: nullableText.describe("First 200 characters"),
});
export type TicketSummary = z.infer<typeof TicketSummary>;

export function toTicketSummary(t: WireTicket): TicketSummary {
  const description = t.description === null
    ? null
    : t.description.length > 200
    ? `${t.description.slice(0, 200)}…`
    : t.description;
  return {
    id: t.id,
    title: t.title,
    status: t.status,
    device_id: t.device_id ?? null,
    created_at: t.created_at,
    opened_by: t.user_name ?? t.user_email,
    description,
  };
}

/** Counts of `values`, most frequent first, as "3 ok, 2 offline". */
export function countPhrase(values: readonly (string | null)[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v ?? "unknown", (counts.get(v ?? "unknown") ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(", ");
}

// --- Shapes shared by the curated tools ----------------------------------------------------------------

/** Longest id an argument accepts: the longest path parameter the client sends upstream. */
export const MAX_ID_CHARS = MAX_PATH_PARAM_CHARS;

/** An id given as text: not empty, at most `MAX_ID_CHARS`, not `.` or `..` (see `isDotSegment`). */
export const IdText = z.string().min(1).max(MAX_ID_CHARS).refine(
  (id) => !isDotSegment(id),
  "not an id: '.' and '..' would send the call to another endpoint",
);

/** The `confirm` argument of destructive tools (see the confirmation gate in src/mcp/server.ts). */
export const ConfirmArg = z.string().max(MAX_ID_CHARS).optional().describe(
  "The target id, once the user has agreed",
);

/** A device id argument. */
export const DeviceIdArg = IdText.describe("Device id from list_devices");

/** What a delete answers. */
export const Deleted = z.object({ id: z.string(), deleted: z.literal(true) });

export const SPACE_TYPES = ["organization", "site", "building", "floor", "room"] as const;

export const SpaceRow = z.object({
  id: z.string(),
  name: nullableText,
  type: nullableText.describe("organization | site | building | floor | room"),
  path: nullableText,
  parent_id: nullableText,
});
export type SpaceRow = z.infer<typeof SpaceRow>;

export function toSpaceRow(s: WireSpace): SpaceRow {
  return {
    id: s.id,
    name: s.name,
    type: s.space_type,
    path: s.full_path,
    parent_id: s.parent_id ?? null,
  };
}

/** One state-history row: the device's status (and optionally its state) at a time. */
export const HistoryRow = z.object({
  at: nullableText,
  device_id: nullableText.optional().describe("Absent when the call named one device"),
  device_name: nullableText.optional(),
  status: nullableText,
  state: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type HistoryRow = z.infer<typeof HistoryRow>;

/**
 * A history row; `oneDevice`: the call named its device, so each row leaving out the device's id and name
 * (half a row, repeated on every one) costs the agent nothing.
 */
export function toHistoryRow(r: WireHistoryRow, withState: boolean, oneDevice = false): HistoryRow {
  return {
    at: r.created_at,
    ...(oneDevice ? {} : { device_id: r.device_id ?? r.uuid ?? null, device_name: r.name }),
    status: r.status,
    ...(withState ? { state: r.state } : {}),
  };
}

/** The window and detail arguments every history tool takes. */
export const HistoryArgs = {
  since: isoTime.optional().describe("ISO-8601; default until - 7 days"),
  until: isoTime.optional().describe("ISO-8601; default now"),
  verbose: z.boolean().default(false).describe("Add reported state"),
};

/** What a history tool returns: the rows of one window (ISO times) and the paging facts. */
export const HistoryList = z.object({
  rows: z.array(HistoryRow),
  from: z.string(),
  to: z.string(),
  ...ListMeta,
  next_until: z.string().optional().describe(
    "Rows cut at the limit: until (same since) for the earlier ones",
  ),
});
export type HistoryList = z.infer<typeof HistoryList>;

export interface HistoryListOptions {
  withState: boolean;
  /** The call named one device: rows leave out its id and name. */
  oneDevice: boolean;
  /** The call asked for every row (`all`): a cut is then the limit's, continued by `next_until`. */
  all: boolean;
}

export function toHistoryList(
  rows: readonly WireHistoryRow[],
  window: TimeWindow,
  meta: ListMetaValues,
  options: HistoryListOptions,
): HistoryList {
  const nextUntil = options.all && meta.has_next_page
    ? continueUntil(rows.map((r) => r.created_at))
    : undefined;
  return {
    rows: rows.map((r) => toHistoryRow(r, options.withState, options.oneDevice)),
    from: isoFromEpoch(window.from),
    to: isoFromEpoch(window.to),
    ...meta,
    ...(nextUntil !== undefined ? { next_until: nextUntil } : {}),
  };
}

/**
 * The summary line of a history: rows, span and statuses; when `all` stopped at the limit, which span the
 * rows cover and how to get the rest (`narrowers`: the tool's arguments that ask a smaller question).
 */
export function historySummary(r: HistoryList, args: ListArgs, narrowers: string): string {
  if (r.rows.length === 0) return `No history rows from ${r.from} to ${r.to}.`;
  const counts = countPhrase(r.rows.map((row) => row.status));
  if (!(args.all && r.has_next_page)) {
    return `${r.returned} history row(s) from ${r.from} to ${r.to}${moreNote(r, args)}: ${counts}.`;
  }
  const ats = r.rows.flatMap((row) => (row.at === null ? [] : [row.at])).sort();
  const span = ats.length > 0 ? ` at ${ats[0]} .. ${ats.at(-1)}` : "";
  return `${r.returned} history row(s)${span}, limit ${args.limit} reached (window ${r.from} .. ${r.to}): ` +
    `${counts}.${earlierRowsNote(r, args.limit, narrowers)}`;
}

export const TicketMessage = z.object({
  at: nullableText,
  from: nullableText.describe("organization | partner | system"),
  author: nullableText,
  text: nullableText,
});

/** A ticket with its full description and message thread. */
export const TicketDetail = TicketSummary.extend({
  description: nullableText,
  updated_at: nullableText,
  organization: nullableText.optional(),
  messages: z.array(TicketMessage),
});
export type TicketDetail = z.infer<typeof TicketDetail>;

export function toTicketDetail(t: WireTicketDetail): TicketDetail {
  return {
    ...toTicketSummary(t),
    description: t.description,
    updated_at: t.updated_at,
    ...(t.organization ? { organization: t.organization.name } : {}),
    messages: (t.comments ?? []).map((c) => ({
      at: c.created_at,
      from: c.system ? "system" : c.owner_type?.toLowerCase() ?? null,
      author: c.user ?? c.owner,
      text: c.text,
    })),
  };
}

/** An object id given as a string or a number (assets, users, groups use integer ids). */
export const IdArg = z.union([IdText, z.number().int().nonnegative()]).transform(
  String,
);

/** Integer ids travel as JSON numbers, as Xyte sends them (space_id, label ids); any other id as is. */
export function numericId(id: string): number | string {
  return /^\d+$/.test(id) ? Number(id) : id;
}

/**
 * A target as a confirmation names it: `"Lobby Display" (8c1f…, London/Floor 2)`, or the id alone when it has
 * no name. Quoted, so that a name reads as a name whatever it says.
 */
export function namedTarget(name: string | null | undefined, id: string, where?: string | null): string {
  const detail = where ? `${id}, ${where}` : id;
  return name ? `${JSON.stringify(name)} (${detail})` : detail;
}
