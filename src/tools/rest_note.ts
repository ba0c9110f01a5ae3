/**
 * The `more` note of a resource document (or a tool answer that cannot page) that holds less than there is.
 * "There is more" alone is a dead end: the note names the tool call that gets the rest, with its arguments, choosing
 * the first of its calls the reading server exposes (a curated tool, then call_endpoint), e.g.
 * `Older incidents: list_incidents {"status":"active",…,"page":6,"per_page":100}.`
 */
import type { Tool } from "../mcp/tool.ts";

/**
 * Rows a call_endpoint page of the rest asks for. Its answer keeps at most 20,000 characters (catalog.ts,
 * `MAX_RESPONSE_CHARS`) and drops the rows past them; raw incidents and spaces run to about 500 characters
 * each, so a page of 100 would lose rows that the next page does not hold either.
 */
export const CATALOG_PAGE_SIZE = 25;

/** The call_endpoint page of `CATALOG_PAGE_SIZE` rows that follows the first `held` rows of a list. */
export function catalogPageAfter(held: number): number {
  if (held % CATALOG_PAGE_SIZE !== 0) {
    throw new Error(`${held} rows are not whole pages of ${CATALOG_PAGE_SIZE}`);
  }
  return held / CATALOG_PAGE_SIZE + 1;
}

/** One tool call that gets the rest. */
export interface RestCall {
  tool: Pick<Tool, "name" | "toolset">;
  args: Record<string, unknown>;
}

/**
 * `what` (e.g. "Older incidents"), then the first of `calls` the server exposes with its JSON arguments; when
 * it exposes none of them, which toolsets would.
 */
export function restNote(
  what: string,
  calls: readonly RestCall[],
  ctx: { exposes(tool: string): boolean },
): string {
  const call = calls.find((c) => ctx.exposes(c.tool.name));
  if (call) return `${what}: ${call.tool.name} ${JSON.stringify(call.args)}.`;
  const named = calls.map((c) => `${c.tool.name} (toolset ${c.tool.toolset})`).join(" or ");
  return `${what}: not with the tools this server exposes; ${named} would get them.`;
}
