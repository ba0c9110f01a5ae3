/** Organization tools: profile and totals, licenses, device models (and the commands each accepts). */
import { z } from "zod";
import { organizationDocument, OrganizationInfo } from "../resources/organization.ts";
import { defineTool, READ_ONLY, type Tool } from "../mcp/tool.ts";
import { fetchAllPages } from "../xyte/paginate.ts";
import {
  envelopeOf,
  parseWire,
  readWirePage,
  WireLicense,
  WireModel,
  WireOrganization,
} from "../xyte/wire.ts";
import {
  LIST_CONCURRENCY,
  ListArgs,
  ListMeta,
  listRows,
  MAX_UPSTREAM_PER_PAGE,
  moreNote,
} from "./listing.ts";
import { countPhrase, IdText } from "./shapes.ts";
import { isoFromEpoch, isoTime } from "./time.ts";

const GET_INFO = "organization.getOrganizationInfo";

export const getOrganizationInfo = defineTool({
  name: "get_organization_info",
  title: "Organization overview",
  description: "The organization behind the API key: name, domain, contacts, and totals of devices, users, " +
    "spaces, open tickets and open incidents. A cheap first call to size the fleet.",
  toolset: "organization",
  input: z.object({}).strict(),
  output: OrganizationInfo,
  annotations: READ_ONLY,
  async run(_args, ctx) {
    return organizationDocument(
      parseWire(WireOrganization, await ctx.xyte.call(GET_INFO, { signal: ctx.signal }), GET_INFO),
    );
  },
  summarize(org) {
    const s = org.statistics;
    const totals = s
      ? `${s.devices ?? "?"} devices, ${s.spaces ?? "?"} spaces, ${s.users ?? "?"} users, ` +
        `${s.open_incidents ?? "?"} open incidents, ${s.open_tickets ?? "?"} open tickets`
      : "no statistics";
    return `${org.name ?? org.id}: ${totals}.`;
  },
});
const GET_LICENSES = "organization.licenses.getLicenses";
const GET_MODELS = "organization.models.getModels";

/** License states accepted as a filter ("disable" can appear in data but is not a filter value). */
export const LICENSE_STATES = ["available", "inuse", "remove", "error", "disabled", "renew"] as const;

const nullableText = z.string().nullable();

const LicenseRow = z.object({
  id: z.string(),
  state: nullableText,
  product: nullableText,
  model: nullableText,
  device_id: nullableText,
  device_sn: nullableText.describe("Assigned device's sn, or the sn the license is bound to"),
  expires_at: nullableText,
  warranty: z.boolean().nullable(),
});
type LicenseRow = z.infer<typeof LicenseRow>;

export function toLicenseRow(l: WireLicense): LicenseRow {
  return {
    id: l.id,
    state: l.state,
    product: l.product?.name ?? null,
    model: l.device_model?.name ?? null,
    device_id: l.device?.id ?? null,
    device_sn: l.device?.sn ?? l.bound_device_sn,
    expires_at: l.expires_at,
    warranty: l.warranty,
  };
}

export const listLicenses = defineTool({
  name: "list_licenses",
  title: "List licenses",
  description:
    "Licenses, newest first: state, product, model, device, expiry. Filter by state, assignment, " +
    "device or expiry date.",
  toolset: "organization",
  input: z.object({
    state: z.array(z.enum(LICENSE_STATES)).min(1).optional(),
    assigned: z.boolean().optional().describe("true: bound to a device; false: free"),
    device_id: IdText.optional(),
    expires_before: isoTime.optional().describe("ISO-8601"),
    expires_after: isoTime.optional().describe("ISO-8601"),
    ...ListArgs,
  }).strict(),
  output: z.object({ licenses: z.array(LicenseRow), ...ListMeta }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const query = {
      state: args.state,
      assigned: args.assigned,
      device_id: args.device_id,
      expires_before: args.expires_before === undefined ? undefined : isoFromEpoch(args.expires_before),
      expires_after: args.expires_after === undefined ? undefined : isoFromEpoch(args.expires_after),
    };
    const { rows, meta } = await listRows({
      fetchPage: async (page, perPage, signal) => {
        const body = await ctx.xyte.call(GET_LICENSES, {
          query: { ...query, page, per_page: perPage },
          signal,
        });
        return readWirePage(body, "next_page", WireLicense, GET_LICENSES, toLicenseRow);
      },
      args,
      ctx,
    });
    return { licenses: rows, ...meta };
  },
  summarize(r, args) {
    if (r.licenses.length === 0) return "No licenses match.";
    return `${r.returned} license(s)${moreNote(r, args)}: ${countPhrase(r.licenses.map((l) => l.state))}.`;
  },
});

const ModelRow = z.object({
  id: z.string(),
  name: nullableText,
  vendor: nullableText,
  category: nullableText,
  latest_firmware: nullableText,
  commands: z.array(z.string()).describe("Command names send_command accepts"),
});
type ModelRow = z.infer<typeof ModelRow>;

export function toModelRow(m: WireModel): ModelRow {
  return {
    id: m.id,
    name: m.name,
    vendor: m.vendor,
    category: m.category,
    latest_firmware: m.latest_firmware_version,
    commands: (m.commands ?? []).map((c) => (typeof c === "string" ? c : c.name)).filter((c) => c !== null),
  };
}

/** The most models list_device_models reads (the catalog of models is small). */
export const MAX_MODELS = 500;

export const listDeviceModels = defineTool({
  name: "list_device_models",
  title: "List device models",
  description: "Device models: vendor, category, latest firmware and the command names send_command accepts.",
  toolset: "organization",
  input: z.object({ search: z.string().min(1).optional().describe("Text in name, vendor or category") })
    .strict(),
  output: z.object({ models: z.array(ModelRow), truncated: z.boolean() }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const all = await fetchAllPages(
      async (page, signal) => {
        const body = await ctx.xyte.call(GET_MODELS, {
          query: { search: args.search, page, per_page: MAX_UPSTREAM_PER_PAGE },
          signal,
        });
        return readWirePage(body, envelopeOf(body), WireModel, GET_MODELS, toModelRow);
      },
      MAX_UPSTREAM_PER_PAGE,
      { limit: MAX_MODELS, concurrency: LIST_CONCURRENCY, signal: ctx.signal },
    );
    return { models: all.rows, truncated: all.truncated };
  },
  summarize: (r) =>
    r.models.length === 0
      ? "No models match."
      : `${r.models.length} model(s)${r.truncated ? ` (first ${MAX_MODELS})` : ""}: ${
        r.models.map((m) => m.name).slice(0, 10).join(", ")
      }${r.models.length > 10 ? ", …" : ""}.`,
});

export const ORGANIZATION_TOOLS: readonly Tool[] = [getOrganizationInfo, listLicenses, listDeviceModels];
