import assert from "node:assert/strict";
import { XyteError } from "../../src/xyte/errors.ts";
import { collectPages, fetchAllPages, type ListPage, readListPage } from "../../src/xyte/paginate.ts";

function assertInvalidResponse(fn: () => unknown, endpointKey?: string): XyteError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof XyteError, `expected XyteError, got ${error}`);
    assert.equal(error.code, "invalid_response");
    assert.equal(error.endpointKey, endpointKey);
    return error;
  }
  assert.fail("expected an invalid_response XyteError");
}

/** A page source over fixed pages (1-based); records which pages were requested. */
function pages<T>(all: T[][], hasNext: (page: number) => boolean = (page) => page < all.length) {
  const requested: number[] = [];
  const fetchPage = (page: number): Promise<ListPage<T>> => {
    requested.push(page);
    return Promise.resolve({ rows: all[page - 1] ?? [], hasNext: hasNext(page) });
  };
  return { fetchPage, requested };
}

// ---- readListPage ----

Deno.test("items envelope: rows from items, hasNext from has_next_page", () => {
  assert.deepEqual(readListPage({ items: [{ id: 1 }, { id: 2 }], has_next_page: true }, "items"), {
    rows: [{ id: 1 }, { id: 2 }],
    hasNext: true,
  });
  assert.deepEqual(readListPage({ items: [], has_next_page: false }, "items"), { rows: [], hasNext: false });
  assert.equal(readListPage({ items: [1] }, "items").hasNext, false);
  assert.equal(readListPage({ items: [1], has_next_page: "true" }, "items").hasNext, false);
});

Deno.test("next_page envelope: hasNext when next_page is a number", () => {
  assert.deepEqual(readListPage({ items: ["a"], next_page: 3 }, "next_page"), { rows: ["a"], hasNext: true });
  assert.equal(readListPage({ items: ["a"], next_page: null }, "next_page").hasNext, false);
  assert.equal(readListPage({ items: ["a"] }, "next_page").hasNext, false);
});

Deno.test("data envelope: rows from data, hasNext and totalCount from page_info", () => {
  assert.deepEqual(
    readListPage({ data: [{ id: "x" }], page_info: { has_next: true, total_count: 57 } }, "data"),
    { rows: [{ id: "x" }], hasNext: true, totalCount: 57 },
  );
  const noInfo = readListPage({ data: [] }, "data");
  assert.deepEqual(noInfo, { rows: [], hasNext: false });
  assert.equal("totalCount" in noInfo, false);
});

Deno.test("array envelope: a bare array is the rows, with no next page", () => {
  assert.deepEqual(readListPage([1, 2, 3], "array"), { rows: [1, 2, 3], hasNext: false });
});

Deno.test("a body of the wrong shape is an invalid_response XyteError naming the endpoint", () => {
  const key = "organization.devices.getDevices";
  assertInvalidResponse(() => readListPage([{ id: 1 }], "items", key), key);
  assertInvalidResponse(() => readListPage({ data: [] }, "items", key), key);
  assertInvalidResponse(() => readListPage({ items: "nope" }, "items", key), key);
  assertInvalidResponse(() => readListPage({ items: [] }, "data", key), key);
  assertInvalidResponse(() => readListPage({ items: [] }, "array", key), key);
  assertInvalidResponse(() => readListPage(null, "next_page", key), key);
  assertInvalidResponse(() => readListPage("<html>", "items"));
  const error = assertInvalidResponse(() => readListPage({ results: [], count: 0 }, "items", key), key);
  assert.ok(error.message.includes(key), error.message);
  assert.ok(error.message.includes("results"), error.message);
  assert.equal(error.retriable, false);
});

// ---- collectPages ----

Deno.test("collectPages stops at the last page and reports no more", async () => {
  const source = pages([[1, 2], [3, 4], [5]]);
  const result = await collectPages(source.fetchPage);
  assert.deepEqual(result, { rows: [1, 2, 3, 4, 5], pagesFetched: 3, more: false });
  assert.deepEqual(source.requested, [1, 2, 3]);
});

Deno.test("collectPages starts at startPage", async () => {
  const source = pages([[1, 2], [3, 4], [5]]);
  const result = await collectPages(source.fetchPage, { startPage: 2 });
  assert.deepEqual(result.rows, [3, 4, 5]);
  assert.deepEqual(source.requested, [2, 3]);
});

Deno.test("collectPages stops on an empty page even if the API claims a next page", async () => {
  const source = pages([[1], []], () => true);
  const result = await collectPages(source.fetchPage);
  assert.deepEqual(result, { rows: [1], pagesFetched: 2, more: false });
});

Deno.test("collectPages stops once the limit is exceeded and reports more", async () => {
  const source = pages([[1, 2], [3, 4], [5, 6]]);
  const result = await collectPages(source.fetchPage, { limit: 3 });
  assert.deepEqual(result, { rows: [1, 2, 3], pagesFetched: 2, more: true });
  assert.deepEqual(source.requested, [1, 2]);
});

Deno.test("collectPages looks one row past the limit so `more` is exact", async () => {
  // Exactly `limit` rows exist, but the API says a next page exists: the look-ahead finds it empty.
  const exact = pages([[1, 2], [3, 4], []], () => true);
  assert.deepEqual(await collectPages(exact.fetchPage, { limit: 4 }), {
    rows: [1, 2, 3, 4],
    pagesFetched: 3,
    more: false,
  });
  // One more row exists on the next page: more is true.
  const oneMore = pages([[1, 2], [3, 4], [5]]);
  assert.deepEqual(await collectPages(oneMore.fetchPage, { limit: 4 }), {
    rows: [1, 2, 3, 4],
    pagesFetched: 3,
    more: true,
  });
  // The limit is reached on the last page: no look-ahead needed.
  const last = pages([[1, 2], [3, 4]]);
  assert.deepEqual(await collectPages(last.fetchPage, { limit: 4 }), {
    rows: [1, 2, 3, 4],
    pagesFetched: 2,
    more: false,
  });
});

Deno.test("collectPages stops at maxPages and reports more", async () => {
  const source = pages([[1], [2], [3], [4]], () => true);
  const result = await collectPages(source.fetchPage, { maxPages: 2, limit: 100 });
  assert.deepEqual(result, { rows: [1, 2], pagesFetched: 2, more: true });
  assert.deepEqual(source.requested, [1, 2]);
});

Deno.test("collectPages keeps only accepted rows and counts the limit in accepted rows", async () => {
  const source = pages([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]);
  const even = (n: number) => n % 2 === 0;
  assert.deepEqual(await collectPages(source.fetchPage, { accept: even }), {
    rows: [2, 4, 6, 8, 10],
    pagesFetched: 3,
    more: false,
  });
  const limited = pages([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]);
  assert.deepEqual(await collectPages(limited.fetchPage, { accept: even, limit: 2 }), {
    rows: [2, 4],
    pagesFetched: 2,
    more: true,
  });
});

Deno.test("collectPages calls onPage after each page with progress", async () => {
  const progress: unknown[] = [];
  const source = pages([[1, 2], [3, 4], [5]]);
  await collectPages(source.fetchPage, {
    limit: 3,
    onPage: async (p) => {
      await Promise.resolve();
      progress.push(p);
    },
  });
  assert.deepEqual(progress, [
    { pagesFetched: 1, rowsKept: 2, hasNext: true },
    { pagesFetched: 2, rowsKept: 3, hasNext: true },
  ]);
});

Deno.test("collectPages throws the abort reason and fetches nothing when the signal is already aborted", async () => {
  const source = pages([[1], [2]]);
  const reason = new Error("client went away");
  await assert.rejects(collectPages(source.fetchPage, { signal: AbortSignal.abort(reason) }), reason);
  assert.deepEqual(source.requested, []);
});

Deno.test("collectPages stops before the next page once the signal aborts", async () => {
  const controller = new AbortController();
  const source = pages([[1], [2], [3]]);
  await assert.rejects(
    collectPages(source.fetchPage, {
      signal: controller.signal,
      onPage: ({ pagesFetched }) => {
        if (pagesFetched === 1) controller.abort();
      },
    }),
    (error: unknown) => error instanceof DOMException && error.name === "AbortError",
  );
  assert.deepEqual(source.requested, [1]);
});

Deno.test("collectPages propagates a page failure", async () => {
  const failure = new XyteError({ code: "upstream", message: "HTTP 500", status: 500 });
  let calls = 0;
  await assert.rejects(
    collectPages((page) => {
      calls++;
      return page === 1 ? Promise.resolve({ rows: [1], hasNext: true }) : Promise.reject(failure);
    }),
    failure,
  );
  assert.equal(calls, 2);
});

// ---- fetchAllPages ----

Deno.test("fetchAllPages: the caller's abort reaches the pages in flight", async () => {
  const outer = new AbortController();
  let seen: AbortSignal | undefined;
  const fetchPage = (_page: number, signal?: AbortSignal): Promise<ListPage<number>> => {
    seen = signal;
    return new Promise((_resolve, reject) => signal!.addEventListener("abort", () => reject(signal!.reason)));
  };
  const listing = fetchAllPages(fetchPage, 2, { concurrency: 2, signal: outer.signal });
  await new Promise((resolve) => setTimeout(resolve, 10));
  outer.abort(new Error("the caller gave up"));
  await assert.rejects(listing, /the caller gave up/);
  assert.equal(seen?.aborted, true);
});
