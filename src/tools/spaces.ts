/** Space tree tools: find spaces, read one with its children, create, rename or move, delete. */
import { z } from "zod";
import { ToolFailure } from "../mcp/results.ts";
import {
  defineTool,
  DESTRUCTIVE,
  READ_ONLY,
  type Tool,
  type ToolContext,
  WRITE_IDEMPOTENT,
} from "../mcp/tool.ts";
import { collectPages, type ListPage } from "../xyte/paginate.ts";
import { XyteError } from "../xyte/errors.ts";
import { parseWire, readWirePage, WireSpace } from "../xyte/wire.ts";
import { ListArgs, ListMeta, listRows, moreNote } from "./listing.ts";
import {
  ConfirmArg,
  countPhrase,
  Deleted,
  namedTarget,
  numericId,
  SPACE_TYPES,
  SpaceRow,
  toSpaceRow,
} from "./shapes.ts";
import { readSpace, resolveSpace, SpaceRef } from "./space_ref.ts";
import { callEndpoint } from "./catalog.ts";
import { CATALOG_PAGE_SIZE, catalogPageAfter, restNote } from "./rest_note.ts";

const GET_SPACES = "organization.spaces.getSpaces";
const GET_SPACE = "organization.spaces.getSpace";
const FIND_OR_CREATE = "organization.spaces.findOrCreateSpace";
const UPDATE_SPACE = "organization.spaces.updateSpace";
const DELETE_SPACE = "organization.spaces.deleteSpace";

/** A space given by id or name, without the "includes sub-spaces" note of list filters. */
const TargetSpace = SpaceRef.describe("Space id, name or path");

/** The space settings Xyte documents; other keys pass through. */
const SpaceConfig = z.record(z.string(), z.unknown()).describe(
  "e.g. {temperature_units: celsius|fahrenheit, priority_factor: -1|0|1}",
);

/** The most children get_space lists. */
export const MAX_CHILDREN = 100;

async function fetchSpacePage(
  ctx: Pick<ToolContext, "xyte">,
  query: Record<string, string | number | undefined>,
  page: number,
  perPage: number,
  signal?: AbortSignal,
): Promise<ListPage<WireSpace>> {
  const body = await ctx.xyte.call(GET_SPACES, { query: { ...query, page, per_page: perPage }, signal });
  return readWirePage(body, "items", WireSpace, GET_SPACES);
}

export const listSpaces = defineTool({
  name: "list_spaces",
  title: "List spaces",
  description: "Find spaces (sites, buildings, floors, rooms) by parent, name, path text or type.",
  toolset: "spaces",
  input: z.object({
    parent: SpaceRef.optional().describe("Only direct children of this space (id or name)"),
    name_contains: z.string().min(1).optional(),
    path_contains: z.string().min(1).optional(),
    type: z.enum(SPACE_TYPES).optional(),
    ...ListArgs,
  }).strict(),
  output: z.object({ spaces: z.array(SpaceRow), ...ListMeta }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const parent = args.parent === undefined ? undefined : await resolveSpace(args.parent, ctx);
    const query = {
      parent_id: parent?.id,
      name: args.name_contains,
      path_includes: args.path_contains,
      space_type: args.type,
    };
    const { rows, meta } = await listRows({
      fetchPage: (page, perPage, signal) => fetchSpacePage(ctx, query, page, perPage, signal),
      args,
      ctx,
    });
    return { spaces: rows.map(toSpaceRow), ...meta };
  },
  summarize(r, args) {
    if (r.spaces.length === 0) return "No spaces match.";
    return `${r.returned} space(s)${moreNote(r, args)}: ${countPhrase(r.spaces.map((s) => s.type))}.`;
  },
});

export const getSpace = defineTool({
  name: "get_space",
  title: "Get space",
  description: "One space by id or name: path, type, settings and child spaces.",
  toolset: "spaces",
  input: z.object({ space: TargetSpace }).strict(),
  output: SpaceRow.extend({
    config: z.record(z.string(), z.unknown()).nullable(),
    children: z.array(z.object({ id: z.string(), name: z.string().nullable() })),
    more_children: z.boolean(),
    more: z.string().optional().describe("When more_children: the call that lists the rest"),
  }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const { id } = await resolveSpace(args.space, ctx);
    const [body, children] = await Promise.all([
      ctx.xyte.call(GET_SPACE, { path: { space_id: id }, signal: ctx.signal }),
      fetchSpacePage(ctx, { parent_id: id }, 1, MAX_CHILDREN, ctx.signal),
    ]);
    const space = parseWire(WireSpace, body, GET_SPACE);
    return {
      ...toSpaceRow(space),
      config: space.config,
      children: children.rows.map((c) => ({ id: c.id, name: c.name })),
      more_children: children.hasNext,
      ...(children.hasNext
        ? {
          more: restNote("More children", [
            { tool: listSpaces, args: { parent: space.id, page: 2, per_page: MAX_CHILDREN } },
            {
              tool: callEndpoint,
              args: {
                key: GET_SPACES,
                query: {
                  parent_id: space.id,
                  page: catalogPageAfter(MAX_CHILDREN),
                  per_page: CATALOG_PAGE_SIZE,
                },
              },
            },
          ], ctx),
        }
        : {}),
    };
  },
  summarize: (s) =>
    `${s.path ?? s.name} (${s.type ?? "space"} ${s.id}): ${s.children.length}${
      s.more_children ? "+" : ""
    } child space(s).`,
});

/** Most pages of same-named spaces create_space reads to tell a space it found from one it created. */
const MAX_NAMESAKE_PAGES = 10;

/**
 * Ids of the spaces named `name` (any case, as find_or_create matches) under `parentId`, or under any parent
 * when it is undefined: read past the response cache, since a space made elsewhere a moment ago counts.
 */
async function namesakeIds(
  ctx: ToolContext,
  name: string,
  parentId: string | undefined,
): Promise<Set<string>> {
  const fresh = { xyte: ctx.xyte.forCall({ cachedReads: false }) };
  const wanted = name.toLowerCase();
  const { rows } = await collectPages(
    (page) => fetchSpacePage(fresh, { name, parent_id: parentId }, page, MAX_CHILDREN, ctx.signal),
    { accept: (s) => s.name?.toLowerCase() === wanted, maxPages: MAX_NAMESAKE_PAGES, signal: ctx.signal },
  );
  return new Set(rows.map((s) => s.id));
}

/** The keys of `wanted` whose values `config` does not hold (a found space keeps its own settings). */
function unappliedSettings(
  wanted: Record<string, unknown>,
  config: Record<string, unknown> | null,
): string[] {
  return Object.entries(wanted).filter(([key, value]) =>
    JSON.stringify(config?.[key]) !== JSON.stringify(value)
  ).map(([key]) => key);
}

export const createSpace = defineTool({
  name: "create_space",
  title: "Create space",
  description: "Create a space under a parent (id or name; default root). Returns the existing child of " +
    "that name if any (created: false).",
  toolset: "spaces",
  input: z.object({
    name: z.string().trim().min(1),
    parent: TargetSpace.optional(),
    config: SpaceConfig.optional(),
  }).strict(),
  output: SpaceRow.extend({
    created: z.boolean().describe("false: the parent already had a space of this name"),
    unapplied_config: z.array(z.string()).optional(),
  }),
  annotations: WRITE_IDEMPOTENT,
  async run(args, ctx) {
    const parent = args.parent === undefined ? undefined : await resolveSpace(args.parent, ctx);
    // Xyte answers a found space as it answers a created one: what existed before the call tells them apart.
    const existing = await namesakeIds(ctx, args.name, parent?.id);
    const body = await ctx.xyte.call(FIND_OR_CREATE, {
      body: {
        name: args.name,
        ...(parent ? { parent_id: numericId(parent.id) } : {}),
        ...(args.config ? { config: args.config } : {}),
      },
      signal: ctx.signal,
    });
    const space = parseWire(WireSpace, body, FIND_OR_CREATE);
    const created = !existing.has(space.id);
    const unapplied = created || !args.config ? [] : unappliedSettings(args.config, space.config);
    return {
      ...toSpaceRow(space),
      created,
      ...(unapplied.length > 0 ? { unapplied_config: unapplied } : {}),
    };
  },
  summarize(s) {
    const label = `${s.path ?? s.name} (id ${s.id})`;
    if (s.created) return `Created space ${label}.`;
    const settings = s.unapplied_config
      ? ` Its settings were left as they were (${s.unapplied_config.join(", ")}): update_space changes them.`
      : "";
    return `Space ${label} already existed; nothing was created.${settings}`;
  },
});

export const updateSpace = defineTool({
  name: "update_space",
  title: "Update space",
  description: "Rename a space, move it under another parent, or change its settings.",
  toolset: "spaces",
  input: z.object({
    space: TargetSpace,
    name: z.string().trim().min(1).optional(),
    parent: SpaceRef.optional().describe("New parent (id or name)"),
    config: SpaceConfig.optional().describe("Settings to merge, e.g. {temperature_units: fahrenheit}"),
  }).strict(),
  output: SpaceRow,
  annotations: WRITE_IDEMPOTENT,
  async run(args, ctx) {
    if (args.name === undefined && args.parent === undefined && args.config === undefined) {
      throw new ToolFailure({
        code: "invalid_arguments",
        message: "nothing to change",
        hint: "Pass name, parent or config.",
        retriable: false,
      });
    }
    const [space, parent] = await Promise.all([
      resolveSpace(args.space, ctx),
      args.parent === undefined ? undefined : resolveSpace(args.parent, ctx),
    ]);
    const body = await ctx.xyte.call(UPDATE_SPACE, {
      path: { space_id: space.id },
      body: {
        ...(args.name !== undefined ? { name: args.name } : {}),
        ...(parent ? { parent_id: numericId(parent.id) } : {}),
        ...(args.config ? { config: args.config } : {}),
      },
      signal: ctx.signal,
    });
    return toSpaceRow(parseWire(WireSpace, body, UPDATE_SPACE));
  },
  summarize: (s) => `Space ${s.id} is now ${s.path ?? s.name}.`,
});

/** A space id argument: digits, since deleting by a name that may match several spaces is no guess to make. */
const SpaceIdArg = z.union([
  z.number().int().positive(),
  z.string().regex(/^\d+$/, "a space id (digits); get_space or list_spaces gives the id of a named space"),
]).transform(String);

/** The space `id` as Xyte has it; not_found (with how to find an id) when there is none. */
function spaceToDelete(id: string, ctx: Pick<ToolContext, "xyte" | "signal">): Promise<WireSpace> {
  return readSpace(id, ctx, () =>
    new ToolFailure({
      code: "not_found",
      message: `no space has id ${id}`,
      hint: "list_spaces (name_contains, path_contains) or get_space (by name) gives a space's id.",
      retriable: false,
    }));
}

/** What to do when Xyte refuses to delete `space`: only an empty space other than the root goes. */
function notEmptyHint(space: WireSpace, ctx: ToolContext): string {
  if (space.parent_id === null || space.parent_id === undefined) {
    return "This is the organization's root space, which cannot be deleted.";
  }
  const deviceTools = [
    ctx.exposes("list_devices") ? `list_devices {space: ${space.id}} lists them` : "",
    ctx.exposes("update_device") ? "update_device {space} moves one" : "",
  ].filter(Boolean).join("; ");
  return `Only an empty space can be deleted: move or delete its child spaces (get_space {space: ${space.id}} ` +
    `lists them; update_space {parent} moves one) and move its devices elsewhere${
      deviceTools ? ` (${deviceTools})` : ""
    }.`;
}

export const deleteSpace = defineTool({
  name: "delete_space",
  title: "Delete space",
  description: "Delete an empty space (no child spaces or devices).",
  toolset: "spaces",
  input: z.object({ space_id: SpaceIdArg, confirm: ConfirmArg }).strict(),
  output: Deleted.extend({ path: z.string().nullable() }),
  annotations: DESTRUCTIVE,
  confirmation: (args) => ({
    accepts: [args.space_id],
    message: `Delete space ${args.space_id}?`,
    describe: async (xyte, signal) => {
      const space = await spaceToDelete(args.space_id, { xyte, signal });
      return `Delete space ${namedTarget(space.full_path ?? space.name, space.id, space.space_type)}?`;
    },
  }),
  async run(args, ctx) {
    // Read first: an unknown id fails before anything is sent, and the answer names what went.
    const space = await spaceToDelete(args.space_id, ctx);
    const path = space.full_path ?? space.name;
    try {
      await ctx.xyte.call(DELETE_SPACE, { path: { space_id: args.space_id }, signal: ctx.signal });
    } catch (error) {
      if (!(error instanceof XyteError && error.code === "validation")) throw error;
      throw new ToolFailure({
        code: "validation",
        message: `Xyte refused to delete space ${namedTarget(path, space.id)}: ${error.message}`,
        ...(error.status !== undefined ? { status: error.status } : {}),
        hint: notEmptyHint(space, ctx),
        retriable: false,
      });
    }
    return { id: args.space_id, deleted: true as const, path };
  },
  summarize: (r) => `Space ${namedTarget(r.path, r.id)} deleted.`,
});

export const SPACE_TOOLS: readonly Tool[] = [listSpaces, getSpace, createSpace, updateSpace, deleteSpace];
