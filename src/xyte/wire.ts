/**
 * Xyte objects as they arrive on the wire. Schemas are deliberately tolerant (unknown fields kept, most
 * fields nullable) but a body without the fields we rely on is an `invalid_response`, not a crash.
 */
import { z } from "zod";
import { XyteError } from "./errors.ts";

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
