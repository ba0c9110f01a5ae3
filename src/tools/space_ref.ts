/**
 * Spaces by id or by name: agents often know "London Office", not 1042. A `space` argument accepts either;
 * names resolve through the spaces API (exact name, then full path, then path fragment). Ambiguity is an
 * error listing the candidates, never a guess.
 */
import { z } from "zod";
import { ToolFailure } from "../mcp/results.ts";
import type { ToolContext } from "../mcp/tool.ts";
import { readListPage } from "../xyte/paginate.ts";
import { parseWire, WireSpace } from "../xyte/wire.ts";

const GET_SPACES = "organization.spaces.getSpaces";

/** The `space` argument: a space id, or a name / path such as "London Office" or "Tel Aviv HQ/Tower A". */
export const SpaceRef = z.union([z.number().int().positive(), z.string().trim().min(1)])
  .describe('Space id, name or path, e.g. "London Office" (with sub-spaces)');

export interface ResolvedSpace {
  id: string;
  /** Known when the space was resolved by name. */
  path: string | null;
}

export async function resolveSpace(ref: number | string, ctx: ToolContext): Promise<ResolvedSpace> {
  if (typeof ref === "number" || /^\d+$/.test(ref)) return { id: String(ref), path: null };
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
  if (best.length === 1) return { id: best[0]!.id, path: best[0]!.full_path };
  if (best.length === 0) {
    throw new ToolFailure({
      code: "not_found",
      message: `no space matches ${JSON.stringify(ref)}`,
      hint: "Call list_spaces to see space names and ids, then pass the id.",
      retriable: false,
    });
  }
  throw new ToolFailure({
    code: "ambiguous_space",
    message: `${best.length} spaces match ${JSON.stringify(ref)}: ${
      best.slice(0, 8).map((s) => `${s.id} (${s.full_path ?? s.name})`).join(", ")
    }`,
    hint: "Pass the id of the space you mean, or a longer path.",
    retriable: false,
  });
}
