/**
 * Spaces by id or by name: agents often know "London Office", not 1042. A `space` argument accepts either;
 * names resolve through the spaces API (exact name, then full path, then path fragment). Ambiguity is an
 * error listing the candidates, never a guess.
 *
 * Either way the space is looked up, so a tool answers the same for an id as for the name of the same space
 * (its path, an unknown one being `not_found`) — a list filter may answer an unknown space_id with no rows.
 */
import { z } from "zod";
import { ToolFailure } from "../mcp/results.ts";
import type { ToolContext } from "../mcp/tool.ts";
import { XyteError } from "../xyte/errors.ts";
import { readListPage } from "../xyte/paginate.ts";
import { parseWire, WireSpace } from "../xyte/wire.ts";

const GET_SPACES = "organization.spaces.getSpaces";
const GET_SPACE = "organization.spaces.getSpace";

/** The most candidates an ambiguity error lists; past it, it says how many more and how to narrow. */
export const MAX_LISTED_CANDIDATES = 20;

/** The `space` argument: a space id, or a name / path such as "London Office" or "Tel Aviv HQ/Tower A". */
export const SpaceRef = z.union([z.number().int().positive(), z.string().trim().min(1)])
  .describe('Space id, name or path, e.g. "London Office" (with sub-spaces)');

export interface ResolvedSpace {
  id: string;
  /** Full path from the site down ("London Office/Shoreditch House"); null when Xyte gives none. */
  path: string | null;
  /** How answers name the space: its path, else its name, else "space <id>". */
  label: string;
}

export async function resolveSpace(ref: number | string, ctx: ToolContext): Promise<ResolvedSpace> {
  if (typeof ref === "number" || /^\d+$/.test(ref)) return await spaceById(String(ref), ctx);
  return await spaceByName(ref, ctx);
}

function resolved(space: WireSpace): ResolvedSpace {
  return { id: space.id, path: space.full_path, label: space.full_path ?? space.name ?? `space ${space.id}` };
}

/**
 * A space given by id, read from Xyte (through the response cache, which every write of the key moves on).
 * Not from the completions' spaces directory: that is kept per client and for 30 s, so on a multi-tenant
 * server another client's write could leave a deleted or moved space in it, and a tool would answer from it.
 */
async function spaceById(id: string, ctx: ToolContext): Promise<ResolvedSpace> {
  return resolved(await readSpace(id, ctx, () => spaceNotFound(`no space has id ${id}`, ctx)));
}

/** The space `id` as Xyte has it; `notFound()` is thrown when Xyte has none. */
export async function readSpace(
  id: string,
  ctx: Pick<ToolContext, "xyte" | "signal">,
  notFound: () => ToolFailure,
): Promise<WireSpace> {
  try {
    const body = await ctx.xyte.call(GET_SPACE, { path: { space_id: id }, signal: ctx.signal });
    return parseWire(WireSpace, body, GET_SPACE);
  } catch (error) {
    if (error instanceof XyteError && error.code === "not_found") throw notFound();
    throw error;
  }
}

async function spaceByName(ref: string, ctx: ToolContext): Promise<ResolvedSpace> {
  const wanted = ref.toLowerCase().replace(/\s*\/\s*/g, "/");
  const search = async (query: Record<string, string>) => {
    const body = await ctx.xyte.call(GET_SPACES, { query: { ...query, per_page: 100 }, signal: ctx.signal });
    return readListPage(body, "items", GET_SPACES).rows.map((row) => parseWire(WireSpace, row, GET_SPACES));
  };
  const lastSegment = wanted.split("/").at(-1)!;
  let candidates = await search({ name: lastSegment });
  const exact = candidates.filter((s) =>
    s.name?.toLowerCase() === wanted || s.full_path?.toLowerCase() === wanted ||
    s.full_path?.toLowerCase().endsWith(`/${wanted}`)
  );
  if (exact.length > 0) candidates = exact;
  else {candidates = (await search({ path_includes: wanted })).filter((s) =>
      s.full_path?.toLowerCase().includes(wanted)
    );}
  // Prefer the shallowest match: "London Office" means the site, not "London Office/…/London Office Lobby".
  const depth = (s: WireSpace) => (s.full_path ?? "").split("/").length;
  const shallowest = Math.min(...candidates.map(depth));
  const best = candidates.filter((s) => depth(s) === shallowest);
  if (best.length === 1) return resolved(best[0]!);
  if (best.length === 0) throw spaceNotFound(`no space matches ${JSON.stringify(ref)}`, ctx);
  throw ambiguous(ref, best);
}

/**
 * Several spaces match: every candidate (short paths, so an agent can pick any) up to a bound; past it,
 * how many more and how to narrow.
 */
function ambiguous(ref: string, matches: readonly WireSpace[]): ToolFailure {
  const listed = matches.slice(0, MAX_LISTED_CANDIDATES).map((s) => `${s.id} (${s.full_path ?? s.name})`);
  const more = matches.length - listed.length;
  const example = matches.find((s) => s.full_path?.includes("/"))?.full_path;
  return new ToolFailure({
    code: "ambiguous_space",
    message: `${matches.length} spaces match ${JSON.stringify(ref)}: ${listed.join(", ")}${
      more > 0 ? `, and ${more} more` : ""
    }`,
    hint: `Pass the id of the space you mean, or a longer path${
      example ? ` such as ${JSON.stringify(example)}` : ""
    }${more > 0 ? " to narrow the match" : ""}.`,
    retriable: false,
  });
}

/**
 * `not_found` for a space, with a hint naming only what this server lets the agent use to find one:
 * list_spaces is not in the default toolsets, call_endpoint or list_devices may be missing too.
 */
function spaceNotFound(message: string, ctx: ToolContext): ToolFailure {
  return new ToolFailure({
    code: "not_found",
    message,
    hint: `A space is given by id, by name, or by its path from the site down (e.g. "Site/Building/Floor"). ${
      spaceFinder(ctx)
    }`,
    retriable: false,
  });
}

/** How an agent on this server finds a space's id or path. */
function spaceFinder(ctx: ToolContext): string {
  if (ctx.exposes("list_spaces")) {
    return "Call list_spaces (name_contains, path_contains) to find it, then pass its id.";
  }
  if (ctx.exposes("call_endpoint")) {
    return `Find it with call_endpoint key ${GET_SPACES}, query {name} or {path_includes}, then pass its id.`;
  }
  if (ctx.exposes("list_devices")) {
    return "list_devices rows carry each device's space_id and space_path; pass one of those.";
  }
  return "resources/list names spaces with their ids (xyte://spaces/{space_id}).";
}
