import assert from "node:assert/strict";
import { KindThrottledLog, ThrottledLog } from "../../src/observability/throttled_log.ts";

Deno.test("throttled log: the first line of a kind, then one per interval saying how many were held back", () => {
  let now = 0;
  const throttle = new ThrottledLog(60_000, () => now);
  assert.equal(throttle.take("/mcp 401"), 0, "the first is written");
  for (let i = 0; i < 99; i++) assert.equal(throttle.take("/mcp 401"), undefined);
  assert.equal(throttle.take("/mcp 403"), 0, "another kind is written at once");
  now = 60_000;
  assert.equal(throttle.take("/mcp 401"), 99, "a minute later: one line, with the 99 held back");
  assert.equal(throttle.take("/mcp 401"), undefined);
});

Deno.test("kind-throttled log: one line a minute, at once when the kind changes, kinds sharing the minute", () => {
  let now = 0;
  const throttle = new KindThrottledLog<"refused" | "unanswered">(60_000, () => now);
  assert.equal(throttle.take("unanswered"), 0, "the first is written");
  assert.equal(throttle.take("unanswered"), undefined);
  assert.equal(throttle.take("refused"), 1, "another kind at once, with the one held back");
  assert.equal(throttle.take("unanswered"), 0, "and back again at once");
  now = 59_999;
  assert.equal(throttle.take("unanswered"), undefined);
  now = 60_000;
  assert.equal(throttle.take("unanswered"), 1, "a minute after the last line");
});
