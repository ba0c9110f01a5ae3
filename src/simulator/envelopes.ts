/** List envelopes of the three API families. */
import { jsonResponse } from "./http.ts";
import { paginate, type Paging, type PagingRules, parsePaging } from "./validate.ts";

/** Organization lists: `{items, has_next_page}`. */
export function organizationList<T>(
  query: URLSearchParams,
  rows: readonly T[],
  toView: (row: T) => unknown,
  rules?: PagingRules,
): Response {
  const page = paginate(rows, parsePaging(query, rules));
  return jsonResponse({ items: page.items.map(toView), has_next_page: page.hasNext });
}

/** Partner lists: `{data, page_info: {has_next, total_count}}`. */
export function partnerList<T>(
  query: URLSearchParams,
  rows: readonly T[],
  toView: (row: T) => unknown,
  rules?: PagingRules,
): Response {
  const paging: Paging = parsePaging(query, rules);
  const page = paginate(rows, paging);
  return jsonResponse({
    data: page.items.map(toView),
    page_info: { has_next: page.hasNext, total_count: page.total },
  });
}
