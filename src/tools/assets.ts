/** Asset (inventory) tools: non-connected equipment tracked per space. */
import { z } from "zod";
import { ToolFailure } from "../mcp/results.ts";
import { defineTool, DESTRUCTIVE, READ_ONLY, type Tool, WRITE, WRITE_IDEMPOTENT } from "../mcp/tool.ts";
import { parseWire, readWirePage, WireAsset } from "../xyte/wire.ts";
import { ListArgs, ListMeta, listRows, moreNote } from "./listing.ts";
import { ConfirmArg, Deleted, IdArg, namedTarget, numericId } from "./shapes.ts";
import { resolveSpace, SpaceRef } from "./space_ref.ts";
import { startsWithCalendarDate } from "./time.ts";

const GET_ASSETS = "organization.assets.getAssets";
const GET_ASSET = "organization.assets.getAsset";
const CREATE_ASSET = "organization.assets.createAsset";
const UPDATE_ASSET = "organization.assets.updateAsset";
const DELETE_ASSET = "organization.assets.deleteAsset";

const nullableText = z.string().nullable();

export const AssetRow = z.object({
  id: z.string(),
  name: nullableText,
  serial_number: nullableText,
  space_id: nullableText,
  space_path: nullableText,
  manufacturer: nullableText,
  device_model: nullableText,
  device_type: nullableText,
  status: nullableText,
});
export type AssetRow = z.infer<typeof AssetRow>;

const AssetDetail = AssetRow.extend({
  purchased_at: nullableText,
  comments: nullableText,
  updated_at: nullableText,
});
type AssetDetail = z.infer<typeof AssetDetail>;

export function toAssetRow(a: WireAsset): AssetRow {
  return {
    id: a.id,
    name: a.name,
    serial_number: a.serial_number,
    space_id: a.space_id ?? null,
    space_path: a.space_path,
    manufacturer: a.manufacturer?.name ?? null,
    device_model: a.device_model?.name ?? null,
    device_type: a.device_type?.name ?? null,
    status: a.status?.name ?? null,
  };
}

function toAssetDetail(a: WireAsset): AssetDetail {
  return { ...toAssetRow(a), purchased_at: a.purchased_at, comments: a.comments, updated_at: a.updated_at };
}

/** Label fields: a name (matched case-insensitively, created when new). */
const LABELS = ["manufacturer", "device_model", "device_type", "status"] as const;

/** The writable fields of an asset, all optional (create requires name). */
const AssetFields = {
  name: z.string().trim().min(1).optional(),
  space: SpaceRef.optional().describe("Space id, name or path"),
  serial_number: z.string().optional(),
  manufacturer: z.string().min(1).optional().describe("Label name; created if new"),
  device_model: z.string().min(1).optional(),
  device_type: z.string().min(1).optional(),
  status: z.string().min(1).optional().describe('Label name, e.g. "In use"'),
  purchased_at: z.string().regex(/^\d{4}-\d{2}-\d{2}/, "expected an ISO-8601 date")
    .refine(startsWithCalendarDate, "expected a date on the calendar, e.g. 2026-11-30").optional(),
  comments: z.string().optional(),
};
type AssetFieldArgs = { [K in keyof typeof AssetFields]?: z.output<(typeof AssetFields)[K]> };

/** The request body for the given fields; `space_id` already resolved. */
export function assetBody(args: AssetFieldArgs, spaceId: string | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (args.name !== undefined) body.name = args.name;
  if (spaceId !== undefined) body.space_id = numericId(spaceId);
  for (const key of ["serial_number", "purchased_at", "comments", ...LABELS] as const) {
    if (args[key] !== undefined) body[key] = args[key];
  }
  return body;
}

/** The full current state of an asset as an update body, so a replacing PUT keeps what is not changed. */
export function currentAssetBody(a: WireAsset): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: a.name,
    serial_number: a.serial_number,
    space_id: a.space_id === null || a.space_id === undefined ? null : numericId(a.space_id),
    purchased_at: a.purchased_at,
    comments: a.comments,
    icon_name: a.icon_name,
  };
  for (const key of LABELS) {
    const label = a[key];
    body[key] = label === null
      ? null
      : label.id !== null && label.id !== undefined
      ? { id: numericId(label.id) }
      : label.name;
  }
  return body;
}

export const listAssets = defineTool({
  name: "list_assets",
  title: "List assets",
  description: "Non-connected assets (inventory): filter by name, serial number or space (id or name, " +
    "includes sub-spaces).",
  toolset: "assets",
  input: z.object({
    name_contains: z.string().min(1).optional(),
    serial_number: z.string().min(1).optional(),
    space: SpaceRef.optional(),
    ...ListArgs,
  }).strict(),
  output: z.object({ assets: z.array(AssetRow), ...ListMeta }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const space = args.space === undefined ? undefined : await resolveSpace(args.space, ctx);
    const query = { name: args.name_contains, serial_number: args.serial_number, space_id: space?.id };
    const { rows, meta } = await listRows({
      fetchPage: async (page, perPage, signal) => {
        const body = await ctx.xyte.call(GET_ASSETS, {
          query: { ...query, page, per_page: perPage },
          signal,
        });
        return readWirePage(body, "items", WireAsset, GET_ASSETS, toAssetRow);
      },
      args,
      ctx,
    });
    return { assets: rows, ...meta };
  },
  summarize: (r, args) =>
    r.assets.length === 0 ? "No assets match." : `${r.returned} asset(s)${moreNote(r, args)}.`,
});

export const getAsset = defineTool({
  name: "get_asset",
  title: "Get asset",
  description: "One asset by id: labels, space, serial number, purchase date and comments.",
  toolset: "assets",
  input: z.object({ asset_id: IdArg }).strict(),
  output: AssetDetail,
  annotations: READ_ONLY,
  async run(args, ctx) {
    const body = await ctx.xyte.call(GET_ASSET, { path: { asset_id: args.asset_id }, signal: ctx.signal });
    return toAssetDetail(parseWire(WireAsset, body, GET_ASSET));
  },
  summarize: (a) =>
    `Asset ${a.id} "${a.name ?? ""}" in ${a.space_path ?? "no space"}, status ${a.status ?? "?"}.`,
});

export const createAsset = defineTool({
  name: "create_asset",
  title: "Create asset",
  description: "Add a non-connected asset to the inventory. Labels (manufacturer, model, type, status) are " +
    "names; new ones are created.",
  toolset: "assets",
  input: z.object({ ...AssetFields, name: z.string().trim().min(1) }).strict(),
  output: AssetDetail,
  annotations: WRITE,
  async run(args, ctx) {
    const space = args.space === undefined ? undefined : await resolveSpace(args.space, ctx);
    const body = await ctx.xyte.call(CREATE_ASSET, { body: assetBody(args, space?.id), signal: ctx.signal });
    return toAssetDetail(parseWire(WireAsset, body, CREATE_ASSET));
  },
  summarize: (a) => `Created asset ${a.id} "${a.name ?? ""}" in ${a.space_path ?? "no space"}.`,
});

export const updateAsset = defineTool({
  name: "update_asset",
  title: "Update asset",
  description:
    "Change an asset's fields (name, space, serial, labels, purchase date, comments); others stay.",
  toolset: "assets",
  input: z.object({ asset_id: IdArg, ...AssetFields }).strict(),
  output: AssetDetail,
  annotations: WRITE_IDEMPOTENT,
  async run(args, ctx) {
    const { asset_id, ...fields } = args;
    if (Object.values(fields).every((v) => v === undefined)) {
      throw new ToolFailure({
        code: "invalid_arguments",
        message: "nothing to change",
        hint: "Pass at least one field to change.",
        retriable: false,
      });
    }
    const path = { asset_id };
    const [current, space] = await Promise.all([
      ctx.xyte.call(GET_ASSET, { path, signal: ctx.signal }),
      args.space === undefined ? undefined : resolveSpace(args.space, ctx),
    ]);
    // Xyte documents updateAsset as replacing the fields: send the current state with the changes on top.
    const body = {
      ...currentAssetBody(parseWire(WireAsset, current, GET_ASSET)),
      ...assetBody(fields, space?.id),
    };
    const updated = await ctx.xyte.call(UPDATE_ASSET, { path, body, signal: ctx.signal });
    return toAssetDetail(parseWire(WireAsset, updated, UPDATE_ASSET));
  },
  summarize: (a) => `Asset ${a.id} "${a.name ?? ""}" updated.`,
});

export const deleteAsset = defineTool({
  name: "delete_asset",
  title: "Delete asset",
  description: "Delete an asset from the inventory permanently.",
  toolset: "assets",
  input: z.object({ asset_id: IdArg, confirm: ConfirmArg }).strict(),
  output: Deleted,
  annotations: DESTRUCTIVE,
  confirmation: (args) => ({
    accepts: [args.asset_id],
    message: `Delete asset ${args.asset_id} permanently?`,
    describe: async (xyte, signal) => {
      const body = await xyte.call(GET_ASSET, { path: { asset_id: args.asset_id }, signal });
      const asset = parseWire(WireAsset, body, GET_ASSET);
      return `Delete asset ${namedTarget(asset.name, asset.id, asset.space_path)} permanently?`;
    },
  }),
  async run(args, ctx) {
    await ctx.xyte.call(DELETE_ASSET, { path: { asset_id: args.asset_id }, signal: ctx.signal });
    return { id: args.asset_id, deleted: true as const };
  },
  summarize: (r) => `Asset ${r.id} deleted.`,
});

export const ASSET_TOOLS: readonly Tool[] = [listAssets, getAsset, createAsset, updateAsset, deleteAsset];
