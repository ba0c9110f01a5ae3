import assert from "node:assert/strict";
import { ToolFailure } from "../../src/mcp/results.ts";
import { isoTime, startsWithCalendarDate } from "../../src/tools/time.ts";
import { DAY_SECONDS, historyWindow } from "../../src/tools/window.ts";

const NOW = Math.floor(Date.parse("2026-11-20T12:00:00Z") / 1000);

function failure(fn: () => unknown): ToolFailure {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ToolFailure, `expected ToolFailure, got ${error}`);
    return error;
  }
  assert.fail("expected a ToolFailure");
}

Deno.test("historyWindow: defaults to the 7 days before now", () => {
  assert.deepEqual(historyWindow(undefined, undefined, NOW), { from: NOW - 7 * DAY_SECONDS, to: NOW });
});

Deno.test("historyWindow: since alone ends now; until alone starts 7 days before it", () => {
  assert.deepEqual(historyWindow(NOW - 3 * DAY_SECONDS, undefined, NOW), {
    from: NOW - 3 * DAY_SECONDS,
    to: NOW,
  });
  const until = NOW - 20 * DAY_SECONDS;
  assert.deepEqual(historyWindow(undefined, until, NOW), { from: until - 7 * DAY_SECONDS, to: until });
});

Deno.test("historyWindow: a since in the future ends at since, not before it", () => {
  const future = NOW + DAY_SECONDS;
  assert.deepEqual(historyWindow(future, undefined, NOW), { from: future, to: future });
});

Deno.test("historyWindow: exactly 31 days is allowed, one second more is not", () => {
  const from = NOW - 31 * DAY_SECONDS;
  assert.deepEqual(historyWindow(from, NOW, NOW), { from, to: NOW });
  const error = failure(() => historyWindow(from - 1, NOW, NOW));
  assert.equal(error.payload.code, "invalid_arguments");
  assert.match(error.payload.message, /longer than 31 days/);
  assert.match(error.payload.hint, /until: "2026-11-20T11:59:59.000Z"/, "the hint proposes a valid until");
  assert.equal(error.payload.retriable, false);
});

Deno.test("historyWindow: since without until is checked against now", () => {
  const error = failure(() => historyWindow(NOW - 40 * DAY_SECONDS, undefined, NOW));
  assert.match(error.payload.message, /^the window 2026-10-11T12:00:00.000Z .. 2026-11-20T12:00:00.000Z/);
});

Deno.test("historyWindow: since after until is invalid_arguments", () => {
  const error = failure(() => historyWindow(NOW, NOW - 10, NOW));
  assert.equal(error.payload.code, "invalid_arguments");
  assert.match(error.payload.message, /since .* is after until/);
});

Deno.test("historyWindow works on isoTime's epoch seconds", () => {
  const since = isoTime.parse("2026-11-01");
  const until = isoTime.parse("2026-11-08T00:00:00Z");
  assert.deepEqual(historyWindow(since, until, NOW), { from: since, to: since + 7 * DAY_SECONDS });
});

Deno.test("isoTime takes dates on the calendar only: 2026-11-31 is refused, not read as 2026-12-01", () => {
  for (const day of ["2026-11-31", "2026-02-30", "2026-02-29", "2026-13-01", "2026-00-10", "2026-11-00"]) {
    const parsed = isoTime.safeParse(day);
    assert.equal(parsed.success, false, day);
    assert.match(parsed.error!.issues[0]!.message, /expected an ISO-8601 date/);
  }
  for (const day of ["2028-02-29", "2026-11-30", "2026-12-31T23:59:59Z", "2026-01-01T00:00:00+02:00"]) {
    assert.equal(isoTime.safeParse(day).success, true, day);
  }
  assert.equal(startsWithCalendarDate("0099-01-31"), true, "years below 100 are not taken for 19xx");
});
