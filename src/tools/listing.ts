/**
 * Paging for list tools, shared by every tool that lists.
 *
 * - One page (default): without client-side filters a tool page maps to one upstream page; with filters the
 *   API cannot apply (status, name, model…), upstream pages of 100 are scanned in order until the requested
 *   page of matches is full, plus one match so `has_next_page` is exact.
 * - `all: true`: every page is fetched with bounded concurrency (progress notifications per page) up to
 *   `limit` rows; `has_next_page` then says whether rows beyond the limit exist.
 */
import { z } from "zod";
import type { ToolContext } from "../mcp/tool.ts";
import { collectPages, fetchAllPages, type ListPage } from "../xyte/paginate.ts";

export const MAX_UPSTREAM_PER_PAGE = 100;
/** Pages requested at once when fetching everything. */
export const LIST_CONCURRENCY = 4;

/** The paging arguments every list tool takes. */
export const ListArgs = {
  page: z.number().int().min(1).default(1),
  per_page: z.number().int().min(1).max(MAX_UPSTREAM_PER_PAGE).default(25),
  all: z.boolean().default(false).describe("Every page, up to limit rows"),
  limit: z.number().int().min(1).max(10_000).default(1000),
};
export type ListArgs = { page: number; per_page: number; all: boolean; limit: number };

/** The paging facts every list tool returns. */
export const ListMeta = {
  returned: z.number().int(),
  page: z.number().int(),
  has_next_page: z.boolean(),
};
export interface ListMeta {
  returned: number;
  page: number;
  has_next_page: boolean;
}

export interface ListRequest<T> {
  /** Fetches one upstream page. */
  fetchPage: (page: number, perPage: number, signal?: AbortSignal) => Promise<ListPage<T>>;
  /** Client-side filter; when absent the upstream pages are returned as they are. */
  accept?: (row: T) => boolean;
  args: ListArgs;
  ctx: ToolContext;
}

export async function listRows<T>(req: ListRequest<T>): Promise<{ rows: T[]; meta: ListMeta }> {
  const { args, ctx } = req;
  if (args.all) {
    const all = await fetchAllPages(
      (page, signal) => req.fetchPage(page, MAX_UPSTREAM_PER_PAGE, signal),
      MAX_UPSTREAM_PER_PAGE,
      {
        limit: args.limit,
        accept: req.accept,
        concurrency: LIST_CONCURRENCY,
        signal: ctx.signal,
        onProgress: ({ pagesFetched, rows, totalPages }) =>
          ctx.progress(pagesFetched, totalPages, `fetched ${pagesFetched} page(s), ${rows} row(s)`),
      },
    );
    return { rows: all.rows, meta: { returned: all.rows.length, page: 1, has_next_page: all.truncated } };
  }
  if (!req.accept) {
    const result = await req.fetchPage(args.page, args.per_page, ctx.signal);
    return {
      rows: result.rows,
      meta: { returned: result.rows.length, page: args.page, has_next_page: result.hasNext },
    };
  }
  const wanted = args.page * args.per_page;
  const collected = await collectPages((page) => req.fetchPage(page, MAX_UPSTREAM_PER_PAGE, ctx.signal), {
    accept: req.accept,
    limit: wanted,
    signal: ctx.signal,
    onPage: ({ pagesFetched, rowsKept, hasNext }) =>
      ctx.progress(
        pagesFetched,
        hasNext ? undefined : pagesFetched,
        `scanned ${pagesFetched} page(s), ${rowsKept} match(es)`,
      ),
  });
  const rows = collected.rows.slice((args.page - 1) * args.per_page);
  return { rows, meta: { returned: rows.length, page: args.page, has_next_page: collected.more } };
}

/** Pages a list that the API returns whole (e.g. open tickets): filter, then cut the requested page. */
export function pageOfArray<T>(all: readonly T[], args: ListArgs): { rows: T[]; meta: ListMeta } {
  if (args.all) {
    const rows = all.slice(0, args.limit);
    return { rows, meta: { returned: rows.length, page: 1, has_next_page: all.length > args.limit } };
  }
  const start = (args.page - 1) * args.per_page;
  const rows = all.slice(start, start + args.per_page);
  return {
    rows,
    meta: { returned: rows.length, page: args.page, has_next_page: start + args.per_page < all.length },
  };
}

/** "; more on page N" / "; more beyond the limit" / "" for summaries. */
export function moreNote(meta: ListMeta, args: ListArgs): string {
  if (!meta.has_next_page) return "";
  return args.all ? `; more exist beyond limit ${args.limit}` : `; more on page ${meta.page + 1}`;
}

/** Case-insensitive "contains" that treats null as no match. */
export function containsText(haystack: string | null | undefined, needle: string): boolean {
  return haystack !== null && haystack !== undefined && haystack.toLowerCase().includes(needle.toLowerCase());
}
