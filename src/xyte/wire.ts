/**
 * Xyte objects as they arrive on the wire. Schemas are deliberately tolerant (unknown fields kept, most
 * fields nullable) but a body without the fields we rely on is an `invalid_response`, not a crash.
 */
import { z } from "zod";
import type { ListEnvelope } from "./catalog_types.ts";
import { XyteError } from "./errors.ts";
import { type ListPage, readListPage } from "./paginate.ts";

const id = z.union([z.string(), z.number()]).transform(String);
const text = z.string().nullish().transform((v) => v ?? null);
const looseRecord = z.record(z.string(), z.unknown()).nullish().transform((v) => v ?? null);

export const WireDevice = z.looseObject({
  id: z.string(),
  name: text,
  sn: text,
  mac: text,
  cloud_id: text,
  status: text,
  effective_status: text,
  merged_effective_status: text,
  last_seen_at: text,
  details: looseRecord,
  state: looseRecord,
  model: z.looseObject({ id: text, name: text, sub_model: text }).nullish(),
  firmware: z.looseObject({ version: text }).nullish(),
  space: z.looseObject({ id: id.nullish(), full_path: text }).nullish(),
});
export type WireDevice = z.output<typeof WireDevice>;

export const WireIncident = z.looseObject({
  id: id.optional(),
  uuid: id.optional(),
  title: text,
  name: text,
  issue: text,
  description: text,
  status: text,
  priority: text,
  device_id: id.nullish(),
  device_name: text,
  space_id: id.nullish(),
  space_path: text,
  created_at: text,
  closed_at: text,
});
export type WireIncident = z.output<typeof WireIncident>;

export const WireTicket = z.looseObject({
  id: id,
  title: text,
  description: text,
  status: text,
  created_at: text,
  device_id: id.nullish(),
  user_name: text,
  user_email: text,
  comments: z.array(z.unknown()).optional(),
});
export type WireTicket = z.output<typeof WireTicket>;

const count = z.number().int().nullish().transform((v) => v ?? null);

export const WireOrganization = z.looseObject({
  id: id,
  name: text,
  created_at: text,
  lab: z.boolean().nullish(),
  partner: z.unknown().optional(),
  domain: text,
  pricing_plan: z.unknown().optional(),
  contacts: z.looseObject({
    admin_email: text,
    admin_name: text,
    finance_email: text,
    finance_name: text,
  }).nullish(),
  statistics: z.looseObject({
    devices: count,
    users: count,
    groups: count,
    spaces: count,
    open_tickets: count,
    open_incidents: count,
    pending_invoices: count,
  }).nullish(),
});
export type WireOrganization = z.output<typeof WireOrganization>;

/** Parses an upstream body; a mismatch becomes `invalid_response` naming the endpoint and the first problem. */
export function parseWire<S extends z.ZodType>(schema: S, body: unknown, endpointKey: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  throw new XyteError({
    code: "invalid_response",
    endpointKey,
    message: `unexpected response shape from ${endpointKey}${where}: ${issue?.message ?? "invalid"}`,
  });
}

/**
 * One list page (any envelope) whose rows are parsed with `schema`, and projected with `project` when given;
 * a row that does not match is `invalid_response` naming the endpoint.
 */
export function readWirePage<S extends z.ZodType>(
  body: unknown,
  envelope: ListEnvelope,
  schema: S,
  endpointKey: string,
): ListPage<z.output<S>>;
export function readWirePage<S extends z.ZodType, R>(
  body: unknown,
  envelope: ListEnvelope,
  schema: S,
  endpointKey: string,
  project: (row: z.output<S>) => R,
): ListPage<R>;
export function readWirePage<S extends z.ZodType>(
  body: unknown,
  envelope: ListEnvelope,
  schema: S,
  endpointKey: string,
  project: (row: z.output<S>) => unknown = (row) => row,
): ListPage<unknown> {
  const page = readListPage(body, envelope, endpointKey);
  return { ...page, rows: page.rows.map((row) => project(parseWire(schema, row, endpointKey))) };
}

export const WireSpace = z.looseObject({
  id: id,
  name: text,
  parent_id: id.nullish(),
  space_type: text,
  full_path: text,
  config: looseRecord,
  created_at: text,
});
export type WireSpace = z.output<typeof WireSpace>;

// --- Curated tool wire shapes (commands, notes, history, licenses, models, assets, users, partner) ---------

const flag = z.boolean().nullish().transform((v) => v ?? null);
/** A `{id, name}` reference (labels, products, models); a bare string is read as the name. */
const namedRef = z.union([
  z.looseObject({ id: id.nullish(), name: text }),
  z.string().transform((name) => ({ id: null, name })),
]).nullish().transform((v) => v ?? null);

export const WireCommand = z.looseObject({
  id: id,
  device_id: id.nullish(),
  name: text,
  friendly_name: text,
  status: text,
  created_at: text,
  updated_at: text,
  extra_params: looseRecord,
  file_id: id.nullish(),
  message: text,
});
export type WireCommand = z.output<typeof WireCommand>;

export const WireNote = z.looseObject({
  id: id,
  device_id: id.nullish(),
  space_id: id.nullish(),
  content: text,
  author: text,
  created_at: text,
});
export type WireNote = z.output<typeof WireNote>;

export const WireHistoryRow = z.looseObject({
  id: id.nullish(),
  device_id: id.nullish(),
  uuid: id.nullish(),
  name: text,
  model: z.union([z.string(), z.looseObject({ name: text })]).nullish(),
  space_id: id.nullish(),
  status: text,
  state: looseRecord,
  created_at: text,
});
export type WireHistoryRow = z.output<typeof WireHistoryRow>;

export const WireLicense = z.looseObject({
  id: id,
  state: text,
  expires_at: text,
  activated_at: text,
  warranty: flag,
  transferable: flag,
  bound_device_sn: text,
  created_at: text,
  order_short_id: text,
  device: z.looseObject({ id: id.nullish(), sn: text }).nullish(),
  product: namedRef,
  device_model: namedRef,
});
export type WireLicense = z.output<typeof WireLicense>;

export const WireModel = z.looseObject({
  id: id,
  name: text,
  vendor: text,
  category: text,
  edge_managed: flag,
  latest_firmware_version: text,
  commands: z.array(z.union([z.string(), z.looseObject({ name: text })])).nullish(),
});
export type WireModel = z.output<typeof WireModel>;

export const WireAsset = z.looseObject({
  id: id,
  name: text,
  serial_number: text,
  space_id: id.nullish(),
  space_path: text,
  purchased_at: text,
  comments: text,
  icon_name: text,
  manufacturer: namedRef,
  device_model: namedRef,
  device_type: namedRef,
  status: namedRef,
  created_at: text,
  updated_at: text,
});
export type WireAsset = z.output<typeof WireAsset>;

export const WireUser = z.looseObject({
  id: id,
  email: text,
  name: text,
  active: flag,
  external: flag,
  group_ids: z.array(id).nullish(),
  created_at: text,
});
export type WireUser = z.output<typeof WireUser>;

export const WireGroup = z.looseObject({
  id: id,
  name: text,
  user_ids: z.array(id).nullish(),
  created_at: text,
});
export type WireGroup = z.output<typeof WireGroup>;

export const WireTicketComment = z.looseObject({
  id: id.nullish(),
  text: text,
  created_at: text,
  system: flag,
  user: text,
  owner: text,
  owner_type: text,
});
export type WireTicketComment = z.output<typeof WireTicketComment>;

/** A ticket with its thread (getTicket, updateTicket, partner tickets add `organization`). */
export const WireTicketDetail = WireTicket.extend({
  updated_at: text,
  comments: z.array(WireTicketComment).optional(),
  organization: z.looseObject({ id: id.nullish(), name: text }).nullish(),
});
export type WireTicketDetail = z.output<typeof WireTicketDetail>;

/** Partner Device: like the organization device, without name/space, with `claimed` (organization name). */
export const WirePartnerDevice = WireDevice.extend({ claimed: text });
export type WirePartnerDevice = z.output<typeof WirePartnerDevice>;

export const WireTelemetry = z.looseObject({
  id: id.nullish(),
  status: text,
  telemetries: looseRecord,
  created_at: text,
});
export type WireTelemetry = z.output<typeof WireTelemetry>;

/** The list envelope a body actually uses, for endpoints whose envelope the reference does not state. */
export function envelopeOf(body: unknown): "array" | "data" | "items" {
  if (Array.isArray(body)) return "array";
  if (typeof body === "object" && body !== null && Array.isArray((body as { data?: unknown }).data)) {
    return "data";
  }
  return "items";
}
