/**
 * Paging for list tools. Without client-side filters a tool page maps to one upstream page. With filters the
 * API cannot apply (status, name, model…), upstream pages of 100 are scanned in order until the requested page
 * of matches is full (plus one match, so `has_next_page` is exact), reporting progress per upstream page.
 */
import type { ToolContext } from "../mcp/tool.ts";
import { collectPages, type ListPage } from "../xyte/paginate.ts";

export const MAX_UPSTREAM_PER_PAGE = 100;

export interface FilteredPageRequest<T> {
  /** Fetches one upstream page. */
  fetchPage: (page: number, perPage: number) => Promise<ListPage<T>>;
  /** Client-side filter; when absent the upstream page is returned as is. */
  accept?: (row: T) => boolean;
  page: number;
  perPage: number;
  ctx: ToolContext;
}

export async function pageOfMatches<T>(
  req: FilteredPageRequest<T>,
): Promise<{ rows: T[]; hasNext: boolean }> {
  if (!req.accept) {
    const result = await req.fetchPage(req.page, req.perPage);
    return { rows: result.rows, hasNext: result.hasNext };
  }
  const wanted = req.page * req.perPage;
  const collected = await collectPages((page) => req.fetchPage(page, MAX_UPSTREAM_PER_PAGE), {
    accept: req.accept,
    limit: wanted,
    signal: req.ctx.signal,
    onPage: ({ pagesFetched, rowsKept, hasNext }) =>
      req.ctx.progress(
        pagesFetched,
        hasNext ? undefined : pagesFetched,
        `scanned ${pagesFetched} page(s), ${rowsKept} match(es)`,
      ),
  });
  return { rows: collected.rows.slice((req.page - 1) * req.perPage), hasNext: collected.more };
}

/** Case-insensitive "contains" that treats null as no match. */
export function containsText(haystack: string | null | undefined, needle: string): boolean {
  return haystack !== null && haystack !== undefined && haystack.toLowerCase().includes(needle.toLowerCase());
}
