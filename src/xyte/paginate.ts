/**
 * Xyte list envelopes and page walking.
 *
 * Organization lists answer `{items, has_next_page}` (licenses: `{items, next_page}`), partner lists
 * `{data, page_info: {has_next, total_count}}`, and a few endpoints a bare array. `readListPage` turns any of
 * them into one shape; `collectPages` walks pages until a limit, the last page, or cancellation.
 */
import type { ListEnvelope } from "./catalog_types.ts";
import { XyteError } from "./errors.ts";

export interface ListPage<T = unknown> {
  rows: T[];
  hasNext: boolean;
  /** Present when the API reports it (partner lists). */
  totalCount?: number;
}

/** Normalizes one list response. Throws `invalid_response` when the body does not have the envelope's shape. */
export function readListPage(body: unknown, envelope: ListEnvelope, endpointKey?: string): ListPage {
  const bad = (what: string) =>
    new XyteError({
      code: "invalid_response",
      endpointKey,
      message: `expected ${what} from ${endpointKey ?? "Xyte"}, got ${describe(body)}`,
    });
  if (envelope === "array") {
    if (!Array.isArray(body)) throw bad("a JSON array");
    return { rows: body, hasNext: false };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw bad("a JSON object");
  const record = body as Record<string, unknown>;
  if (envelope === "data") {
    if (!Array.isArray(record.data)) throw bad("{data: [...]}");
    const info = (record.page_info ?? {}) as Record<string, unknown>;
    return {
      rows: record.data,
      hasNext: info.has_next === true,
      ...(typeof info.total_count === "number" ? { totalCount: info.total_count } : {}),
    };
  }
  if (!Array.isArray(record.items)) throw bad("{items: [...]}");
  const hasNext = envelope === "next_page"
    ? typeof record.next_page === "number"
    : record.has_next_page === true;
  return { rows: record.items, hasNext };
}

export interface CollectOptions<T> {
  /** First page number (1-based). */
  startPage?: number;
  /** Stop once this many accepted rows are collected. */
  limit?: number;
  /** Upper bound on pages fetched, whatever the limit. */
  maxPages?: number;
  /** Keep only rows passing this test (filters the API cannot apply). */
  accept?: (row: T) => boolean;
  signal?: AbortSignal;
  /** Called after each page, e.g. to report progress. */
  onPage?: (progress: { pagesFetched: number; rowsKept: number; hasNext: boolean }) => void | Promise<void>;
}

export interface Collected<T> {
  rows: T[];
  pagesFetched: number;
  /** True when matches beyond `rows` exist (or may exist: pages were left unread). */
  more: boolean;
}

/**
 * Fetches pages in order until `limit` accepted rows are known plus one (so `more` is exact), the last
 * page, `maxPages`, or an abort (rethrown as the signal's reason).
 */
export async function collectPages<T>(
  fetchPage: (page: number) => Promise<ListPage<T>>,
  options: CollectOptions<T> = {},
): Promise<Collected<T>> {
  const limit = options.limit ?? Infinity;
  const maxPages = options.maxPages ?? Infinity;
  const rows: T[] = [];
  let page = options.startPage ?? 1;
  let pagesFetched = 0;
  let lastPageSeen = false;
  while (pagesFetched < maxPages && rows.length <= limit) {
    options.signal?.throwIfAborted();
    const result = await fetchPage(page);
    pagesFetched++;
    for (const row of result.rows) {
      if (!options.accept || options.accept(row)) rows.push(row);
    }
    lastPageSeen = !result.hasNext || result.rows.length === 0;
    await options.onPage?.({ pagesFetched, rowsKept: Math.min(rows.length, limit), hasNext: !lastPageSeen });
    if (lastPageSeen) break;
    page++;
  }
  return { rows: rows.slice(0, limit), pagesFetched, more: rows.length > limit || !lastPageSeen };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") {
    return `an object with keys ${Object.keys(value).slice(0, 5).join(", ") || "(none)"}`;
  }
  return typeof value;
}

export interface FetchAllOptions<T> {
  /** Stop once this many accepted rows are known (the result then says `truncated` if more exist). */
  limit?: number;
  /** Pages requested at the same time (default 4). */
  concurrency?: number;
  /** Keep only rows passing this test. */
  accept?: (row: T) => boolean;
  /** Hard bound on pages, whatever the limit (default 1000). */
  maxPages?: number;
  signal?: AbortSignal;
  /** Called as pages complete, in page order. `totalPages` is known when the API reports a total count. */
  onProgress?: (
    progress: { pagesFetched: number; rows: number; totalPages?: number },
  ) => void | Promise<void>;
}

export interface FetchedAll<T> {
  rows: T[];
  pagesFetched: number;
  /** True when rows beyond `limit` (or beyond `maxPages`) exist. */
  truncated: boolean;
}

/**
 * Fetches every page with bounded concurrency, returning rows in page order.
 *
 * A sliding window keeps `concurrency` page requests in flight. Lists that report a total count (partner
 * `page_info.total_count`) are never over-read; lists that only say "has next page" may read up to
 * `concurrency - 1` pages past the end, which come back empty. The window stops growing once the last page,
 * the limit or an abort is seen; an abort also reaches the in-flight requests through `signal`.
 */
export async function fetchAllPages<T>(
  fetchPage: (page: number, signal?: AbortSignal) => Promise<ListPage<T>>,
  perPage: number,
  options: FetchAllOptions<T> = {},
): Promise<FetchedAll<T>> {
  const limit = options.limit ?? Infinity;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const maxPages = options.maxPages ?? 1000;
  const signal = options.signal;
  const rows: T[] = [];
  const inFlight = new Map<number, Promise<ListPage<T>>>();
  let nextToSchedule = 1;
  let lastPage = Infinity; // known once a page says it is the last, or from the total count
  let pagesFetched = 0;
  let hitMaxPages = false;

  const schedule = () => {
    while (
      inFlight.size < concurrency && nextToSchedule <= Math.min(lastPage, maxPages) && rows.length <= limit
    ) {
      const page = nextToSchedule++;
      const request = fetchPage(page, signal);
      request.catch(() => {}); // observed below, in page order
      inFlight.set(page, request);
    }
  };

  try {
    for (let page = 1;; page++) {
      signal?.throwIfAborted();
      if (page > maxPages) {
        hitMaxPages = lastPage > maxPages;
        break;
      }
      if (page > lastPage || rows.length > limit) break;
      schedule();
      const result = await inFlight.get(page)!;
      inFlight.delete(page);
      pagesFetched++;
      if (result.totalCount !== undefined) lastPage = Math.max(1, Math.ceil(result.totalCount / perPage));
      for (const row of result.rows) if (!options.accept || options.accept(row)) rows.push(row);
      if (!result.hasNext || result.rows.length === 0) lastPage = Math.min(lastPage, page);
      await options.onProgress?.({
        pagesFetched,
        rows: Math.min(rows.length, limit),
        ...(Number.isFinite(lastPage) ? { totalPages: lastPage } : {}),
      });
    }
  } finally {
    inFlight.clear();
  }
  // The loop reads one row past the limit before stopping, so "more than limit" is exact.
  return { rows: rows.slice(0, limit), pagesFetched, truncated: rows.length > limit || hitMaxPages };
}
